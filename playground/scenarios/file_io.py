"""File I/O: each request writes a file of `size_kb`, the way an upload is saved.

This scenario demonstrates:
- `def` + `open`/`write` runs in FastAPI's threadpool and leaves the loop free;
- `async def` + `open`/`write` blocks the event loop for as long as the write takes;
- `run_in_executor(None, ...)`, as FastAPI's docs write it, uses asyncio's default executor:
  min(32, cores + 4) threads, not the threadpool;
- on a local disk a write lands in the page cache: it copies memory rather than waits, and
  one copy nearly fills the memory bandwidth, so more threads do not write faster; what they
  buy is a free event loop.

Files go only into a temporary folder the lab makes when it starts, under names it makes
itself; each file is removed as soon as it is written, and the folder when the lab stops.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import statistics
import tempfile
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from time import perf_counter
from typing import Annotated, TypedDict

from fastapi import Depends, FastAPI, Request

from playground.lab.calibrate import REQUEST_NEW, seconds_in_threads
from playground.lab.info import LabInfo
from playground.lab.timing import add_span, thread_label
from playground.scenarios import models
from playground.scenarios.base import Cost, Param, Params, Scenario, Variant

MAX_SIZE_KB = 65_536
DEFAULT_SIZE_KB = 16_384
_ZEROS = memoryview(bytes(1024 * 1024))  # written 1 MB at a time, shared by every request


def sync(size_kb: int, folder: Annotated[Path, Depends(lab_folder)]) -> Written:
    return report(write_file(folder, size_kb))


async def async_blocking(size_kb: int, folder: Annotated[Path, Depends(lab_folder)]) -> Written:
    return report(write_file(folder, size_kb))  # blocks the event loop until the write is done


async def async_offload(size_kb: int, folder: Annotated[Path, Depends(lab_folder)]) -> Written:
    loop = asyncio.get_running_loop()
    return report(await loop.run_in_executor(None, write_file, folder, size_kb))


class Written(TypedDict):
    path: str
    size_kb: int
    began: float
    ended: float
    thread: str


def write_file(folder: Path, size_kb: int) -> Written:
    """Write `size_kb` KB to a new file in the lab's folder, then remove the file."""
    if not 1 <= size_kb <= MAX_SIZE_KB:
        raise ValueError(f"size_kb must be within 1..{MAX_SIZE_KB:,}")
    path = folder / f"{uuid.uuid4().hex}.bin"  # a name the lab makes, never the user
    began = perf_counter()
    with open(path, "wb") as file:
        remaining = size_kb * 1024
        while remaining:
            remaining -= file.write(_ZEROS[: min(remaining, len(_ZEROS))])
    ended = perf_counter()
    path.unlink()
    return Written(path=str(path), size_kb=size_kb, began=began, ended=ended, thread=thread_label())


def report(written: Written) -> Written:
    """Report the write as a part of the request; `run_in_executor` does not pass on the
    request's context, so the stamps come back with the result instead."""
    add_span("write", written["began"], written["ended"], written["thread"])
    return written


async def lab_folder(request: Request) -> Path:
    """The lab's own folder for this scenario, made in its lifespan."""
    folder: Path = request.app.state.file_io
    return folder


FOLDER_PREFIX = "playground-file-io-"


def _remove_folders_of_dead_labs() -> None:
    """A lab killed outright never removes its folder: the next lab does, by the pid in its name."""
    for folder in Path(tempfile.gettempdir()).glob(f"{FOLDER_PREFIX}*-*"):
        pid = folder.name.removeprefix(FOLDER_PREFIX).split("-")[0]
        if not pid.isdigit():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
        except PermissionError:
            pass  # alive, and someone else's


PER_FILE, PER_MB = "file_write_us_per_file", "file_write_us_per_mb"
"""What the lab measures when it starts: µs to create, write 1 KB, close and remove a file, and
µs more per MB written (into the page cache, on this machine) and removed again."""
IN_THREADS = "file_write_in_threads"
"""What a write takes, each, while as many threads as the machine has cores write at once,
against a write alone: below 1 where the cores overlap some of the copying, 1 where the memory
bus lets only one go at a time."""


def _median_s(tries: int, work: Callable[[], object], threads: int = 1) -> float:
    return statistics.median(seconds_in_threads(work, threads) for _ in range(tries))


def calibrate(folder: Path, size_kb: int, tries: int = 21) -> dict[str, float]:
    """Time `write_file` whole, as a request calls it, for the scenario's default size and for
    1 KB, the median of 21 each (of nine, the 16 MB write swung ±12% from one lab start to the
    next). Whole: removing a file of many MB gives its pages back to the page cache, and that
    takes a good part of what writing them did. Then the same writes from a thread per core at
    once, as a threadpool makes them."""
    small = _median_s(tries, lambda: write_file(folder, 1))
    large = _median_s(tries, lambda: write_file(folder, size_kb))
    cores = os.cpu_count() or 1
    together = _median_s(tries, lambda: write_file(folder, size_kb), threads=cores)
    return {
        PER_FILE: small * 1e6,
        PER_MB: max(0.0, large - small) * 1e6 / (size_kb / 1024),
        IN_THREADS: min(1.0, together / cores / large),
    }


@asynccontextmanager
async def lab_lifespan(app: FastAPI) -> AsyncIterator[None]:
    """A temporary folder of the lab's own, removed with everything in it when the lab stops;
    a first write into it calibrates the model."""
    _remove_folders_of_dead_labs()
    folder = Path(tempfile.mkdtemp(prefix=f"{FOLDER_PREFIX}{os.getpid()}-"))
    try:
        app.state.calibration.update(calibrate(folder, DEFAULT_SIZE_KB))
        app.state.file_io = folder
        yield
    finally:
        shutil.rmtree(folder, ignore_errors=True)


_ESTIMATE = (
    "N × ({file_write_us_per_file:,.0f} µs + size × {file_write_us_per_mb:,.0f} µs/MB, "
    "as the lab measured at its start)"
)
_IN_THREADS = (
    "× {file_write_in_threads:.2f}, what a write took each while {cores} threads wrote at once"
)


def _write_s(params: Params, lab: LabInfo) -> float:
    per_file = lab.calibration.get(PER_FILE, 0.0)
    per_mb = lab.calibration.get(PER_MB, 0.0)
    return (per_file + params["size_kb"] / 1024 * per_mb) / 1e6


WRITING_REQUEST = "file_write_request_ms"
"""ms of the lab's CPU a whole request to `async-blocking` took at its start, at the default
size, in a burst on new connections (`Scenario.timed_requests`)."""


class CachesRefilled:
    """What a request costs the event loop more beside writes of many MB than alone. A write
    copies its MBs through the CPU's caches, and the lab's own code and data must then come
    back from memory: here a request's turn on the loop took 1.3 to 1.7 ms between writes of
    4 to 64 MB, 0.5 ms between 1 KB ones. It is the timed request at the default size less its
    write and a bare request; a smaller write evicts less, so in proportion to its size up to
    the default."""

    label = "the loop's caches refilled after a write"

    def cost(self, params: Params, lab: LabInfo) -> Cost:
        default = {"size_kb": DEFAULT_SIZE_KB}
        bare = lab.calibration.get(REQUEST_NEW, 0.0) / 1000 + _write_s(default, lab)
        refill = max(0.0, lab.calibration.get(WRITING_REQUEST, 0.0) / 1000 - bare)
        return Cost(self.label, refill * min(1.0, params["size_kb"] / DEFAULT_SIZE_KB))


_IN_THREADS_SHARING_THE_BUS = models.machine_wide(
    "memory bus",
    models.scaled(_write_s, IN_THREADS),
    loop=(models.THREAD_HOP, CachesRefilled()),
)


SCENARIO = Scenario(
    id="file-io",
    name="File I/O",
    summary="Each request writes a file, the way an upload is saved, into the lab's own folder.",
    params=(
        Param(
            "size_kb",
            "File size",
            "KB",
            default=DEFAULT_SIZE_KB,
            min=1,
            max=MAX_SIZE_KB,
            help="How much each request writes.",
        ),
    ),
    variants=(
        Variant(
            id="sync",
            label="def + open/write",
            endpoint=sync,
            helpers=(write_file, report),
            explanation=(
                "A `def` endpoint writes in one of FastAPI's {threadpool} threads, and `write` "
                "lets go of the GIL, so the loop stays free. But a local write is no wait: it "
                "copies into memory (the page cache) and the disk catches up later, so "
                "{threadpool} threads share one memory bus: no more than the {cores} cores copy "
                "at once, and even they get in each other's way (here {cores} threads writing at "
                "once took ×{file_write_in_threads:.2f} a write each). "
                "With big files they also hold up the loop: it must win the GIL back between "
                "their chunks."
            ),
            model=_IN_THREADS_SHARING_THE_BUS,
            model_text=f"{_ESTIMATE} {_IN_THREADS}: the {{threadpool}} threads share the bus",
        ),
        Variant(
            id="async-blocking",
            label="async def + open/write",
            endpoint=async_blocking,
            helpers=(write_file, report),
            explanation=(
                "`open` and `write` inside `async def` block the event loop while the write "
                "runs: requests go one at a time and the bystander waits. The claim that this "
                "always ruins a server is overblown: a small file takes microseconds, less than "
                "offloading it costs. Tens of MB, though, freeze everything for milliseconds each."
            ),
            model=models.event_loops(_write_s, loop=(CachesRefilled(),)),
            model_text=f"{_ESTIMATE} / workers: one write at a time per event loop",
        ),
        Variant(
            id="async-offload",
            label="async def + run_in_executor",
            endpoint=async_offload,
            helpers=(write_file, report),
            explanation=(
                "The fix FastAPI's docs show: `run_in_executor(None, ...)` writes in asyncio's "
                "default executor, min(32, cores + 4) threads ({default_executor} on {cores} "
                "cores), not FastAPI's {threadpool}. "
                "For local writes that is no loss, since the memory bus is the limit, and fewer "
                "writers leave the loop more room. Writes that truly wait (a network disk) would "
                "go only {default_executor} at a time, where `def` would wait {threadpool} at a "
                "time."
            ),
            model=_IN_THREADS_SHARING_THE_BUS,
            model_text=f"{_ESTIMATE} {_IN_THREADS}: the default executor's threads share the bus",
        ),
    ),
    lab_lifespan=lab_lifespan,
    timed_requests={WRITING_REQUEST: ("async-blocking", {"size_kb": DEFAULT_SIZE_KB})},
)
