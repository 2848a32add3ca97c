"""File I/O: each request writes a file of `size_kb`, the way an upload is saved.

This scenario demonstrates:
- `def` + `open`/`write` runs in FastAPI's threadpool (40 threads) and leaves the loop free;
- `async def` + `open`/`write` blocks the event loop for as long as the write takes;
- `run_in_executor(None, ...)`, as FastAPI's docs write it, uses asyncio's default executor:
  min(32, cores + 4) threads, 6 on 2 cores, not the threadpool of 40;
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
import tempfile
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from time import perf_counter
from typing import TypedDict

from fastapi import FastAPI

from playground.lab.info import LabInfo
from playground.lab.timing import add_span, thread_label
from playground.scenarios.base import Param, Params, QueueModel, Scenario, Variant

MAX_SIZE_KB = 65_536
_ZEROS = memoryview(bytes(1024 * 1024))  # written 1 MB at a time, shared by every request


def sync(size_kb: int) -> Written:
    return report(write_file(size_kb))


async def async_blocking(size_kb: int) -> Written:
    return report(write_file(size_kb))  # blocks the event loop until the write is done


async def async_offload(size_kb: int) -> Written:
    loop = asyncio.get_running_loop()
    return report(await loop.run_in_executor(None, write_file, size_kb))


class Written(TypedDict):
    path: str
    size_kb: int
    began: float
    ended: float
    thread: str


def write_file(size_kb: int) -> Written:
    """Write `size_kb` KB to a new file in the lab's folder, then remove the file."""
    if not 1 <= size_kb <= MAX_SIZE_KB:
        raise ValueError(f"size_kb must be within 1..{MAX_SIZE_KB:,}")
    path = lab_folder() / f"{uuid.uuid4().hex}.bin"  # a name the lab makes, never the user
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


@dataclass
class _Resources:
    folder: Path | None = None


_lab = _Resources()


def lab_folder() -> Path:
    if _lab.folder is None:
        raise RuntimeError("the file I/O scenario's folder is not open")
    return _lab.folder


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


@asynccontextmanager
async def lab_lifespan(app: FastAPI) -> AsyncIterator[None]:
    """A temporary folder of the lab's own, removed with everything in it when the lab stops."""
    _remove_folders_of_dead_labs()
    folder = Path(tempfile.mkdtemp(prefix=f"{FOLDER_PREFIX}{os.getpid()}-"))
    _lab.folder = folder
    try:
        yield
    finally:
        _lab.folder = None
        shutil.rmtree(folder, ignore_errors=True)


WRITE_S_PER_KB = 0.1e-6
"""Writing into the page cache runs at about 10 GB/s: rounded up from the 11-12 GB/s one
thread reached on the 2-core machine this was built on (a fixed estimate, not calibrated)."""
WRITE_S_PER_FILE = 50e-6
"""Creating, closing and removing a file."""


_ESTIMATE = "N × (50 µs + size × 0.1 µs/KB), a fixed estimate"


def _write_s(params: Params) -> float:
    return WRITE_S_PER_FILE + params["size_kb"] * WRITE_S_PER_KB


def _memory_bus(params: Params, lab: LabInfo) -> QueueModel:
    # One write's copy nearly fills the memory bandwidth: more threads share it, not add to it.
    return QueueModel(1, _write_s(params), "1 memory bus")


def _one_at_a_time(params: Params, lab: LabInfo) -> QueueModel:
    return QueueModel(1, _write_s(params), "1 event loop" if lab.workers == 1 else "1 memory bus")


SCENARIO = Scenario(
    id="file-io",
    name="File I/O",
    summary="Each request writes a file, the way an upload is saved, into the lab's own folder.",
    params=(
        Param(
            "size_kb",
            "File size",
            "KB",
            default=16_384,
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
                "A `def` endpoint writes in one of FastAPI's 40 threads, and `write` lets go of "
                "the GIL, so the loop stays free. But a local write is no wait: it copies into "
                "memory (the page cache) and the disk catches up later, so 40 threads share one "
                "memory bus and finish no sooner than one. With big files they only get in each "
                "other's way, and in the loop's: it must win the GIL back between their chunks."
            ),
            model=_memory_bus,
            model_text=f"{_ESTIMATE}: the threadpool's threads share one memory bus",
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
            model=_one_at_a_time,
            model_text=f"{_ESTIMATE}: one write at a time, on the loop",
        ),
        Variant(
            id="async-offload",
            label="async def + run_in_executor",
            endpoint=async_offload,
            helpers=(write_file, report),
            explanation=(
                "The fix FastAPI's docs show: `run_in_executor(None, ...)` writes in asyncio's "
                "default executor, min(32, cores + 4) threads (6 on 2 cores), not FastAPI's 40. "
                "For local writes that is no loss, since the memory bus is the limit, and fewer "
                "writers leave the loop more room. Writes that truly wait (a network disk) would "
                "go only 6 at a time, where `def` would wait 40 at a time."
            ),
            model=_memory_bus,
            model_text=f"{_ESTIMATE}: the default executor's cores + 4 threads share it",
        ),
    ),
    lab_lifespan=lab_lifespan,
)
