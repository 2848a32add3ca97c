"""CPU-bound: each request computes for `work_ms` of this machine's CPU, in pure Python.

This scenario demonstrates:
- `def` runs in the threadpool, but the GIL lets one thread compute at a time: its threads
  take turns, and N requests take N times the work;
- `async def` computing on the loop freezes it: one request at a time, and the bystander waits;
- `asyncio.to_thread` frees the loop but is no faster: the GIL again;
- a process pool computes in parallel, each process with its own GIL, up to the cores.

The work is a plain loop that runs until its thread has used `work_ms` of CPU (`crunch`). The
scenario's own calibration measures what the models add to the work: threads taking turns on
the GIL, and the pool's processes sharing the cores.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import statistics
from collections.abc import AsyncIterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import asynccontextmanager
from functools import partial
from typing import Annotated

from fastapi import Depends, FastAPI, Request

from playground.lab.calibrate import seconds_in_threads
from playground.lab.sampler import CountingProcessPoolExecutor
from playground.lab.timing import add_span, span
from playground.lab.work import crunch, crunch_in_process, start_pool_process
from playground.scenarios import models
from playground.scenarios.base import Param, Scenario, Variant


def sync(work_ms: int) -> dict[str, int]:
    with span("CPU work"):  # reports when the work began and ended
        crunch(work_ms)
    return {"worked_ms": work_ms}


async def async_blocking(work_ms: int) -> dict[str, int]:
    with span("CPU work"):
        crunch(work_ms)  # computes on the event loop: nothing else runs meanwhile
    return {"worked_ms": work_ms}


async def async_offload_thread(work_ms: int) -> dict[str, int]:
    await asyncio.to_thread(crunch_in_thread, work_ms)
    return {"worked_ms": work_ms}


async def async_offload_process(
    work_ms: int, pool: Annotated[ProcessPoolExecutor, Depends(process_pool)]
) -> dict[str, int]:
    loop = asyncio.get_running_loop()
    began, ended, pid = await loop.run_in_executor(pool, crunch_in_process, work_ms)
    add_span("CPU work", began, ended, f"process {pid}")  # the stamps it took over there
    return {"worked_ms": work_ms}


def crunch_in_thread(work_ms: int) -> None:
    with span("CPU work"):
        crunch(work_ms)


async def process_pool(request: Request) -> ProcessPoolExecutor:
    pools: ProcessPool = request.app.state.cpu
    return pools.executor


WORK_TAKES = "work_takes"
GIL_CONTENTION = "gil_contention"
PROCESS_CONTENTION = "process_contention"
CONTENDING_THREADS = 3
"""Threads the GIL contention is measured with: enough to take turns as a threadpool does."""
SAMPLE_MS = 10
"""The CPU of one timed run of `crunch`: several GIL switch intervals long."""
PROCESS_SAMPLE_MS = 50
"""The CPU of a round of the process pool's calibration: half a default request's work, long
enough for the processes to be moved between the cores as a run's are."""


def _timed(cpu_ms: float, threads: int = 1) -> float:
    """Seconds for `threads` threads to crunch `cpu_ms` each, all at once; one: this one."""
    return seconds_in_threads(partial(crunch, cpu_ms), threads)


def calibrate(rounds: int = 5) -> dict[str, float]:
    """What the cpu scenario's models need, measured on this machine in about 0.3 s. The median
    of the rounds:

    - `work_takes`: how much longer than its CPU time one thread's work takes on the clock: the
      turns its core gives the machine's other threads and processes;
    - `gil_contention`: how much longer `CONTENDING_THREADS` threads computing at once take than
      one thread doing all their work alone: the GIL's hand-overs between them.
    """
    takes, contention = [], []
    for _ in range(rounds):
        alone = _timed(SAMPLE_MS * CONTENDING_THREADS)
        together = _timed(SAMPLE_MS, threads=CONTENDING_THREADS)
        takes.append(alone * 1000 / (SAMPLE_MS * CONTENDING_THREADS))
        contention.append(together / alone)
    return {
        WORK_TAKES: max(1.0, statistics.median(takes)),
        GIL_CONTENTION: max(1.0, statistics.median(contention)),
    }


async def process_contention(pool: ProcessPoolExecutor, processes: int, rounds: int = 3) -> float:
    """How much longer than its CPU time `PROCESS_SAMPLE_MS` of work takes on the clock in the
    pool's processes, all computing at once: the cores they share with the lab and the machine.
    A round lasts as long as its slowest process, like a wave of requests; the median round
    counts."""
    loop = asyncio.get_running_loop()
    ratios = []
    for round_ in range(1 + rounds):  # the first round warms each process up
        calls = (
            loop.run_in_executor(pool, crunch_in_process, PROCESS_SAMPLE_MS)
            for _ in range(processes)
        )
        slowest = max(ended - began for began, ended, _ in await asyncio.gather(*calls))
        if round_:
            ratios.append(slowest * 1000 / PROCESS_SAMPLE_MS)
    return max(1.0, statistics.median(ratios))


class ProcessPool:
    """The lab's process pool, renewed when a worker died: a `ProcessPoolExecutor` whose worker
    was killed marks itself broken and refuses all work from then on."""

    def __init__(self, processes: int) -> None:
        self.processes = processes
        self.executor = self._new()

    def _new(self) -> ProcessPoolExecutor:
        # "spawn": a fork of the lab would copy its threads' locks and its listening socket.
        return CountingProcessPoolExecutor(  # counts its busy workers for the lanes
            self.processes,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=start_pool_process,
            initargs=(os.getpid(),),
        )

    async def start(self) -> None:
        """Start every process now, before any run: submitted at once, each call finds no
        idle process."""
        loop = asyncio.get_running_loop()
        pids = (loop.run_in_executor(self.executor, os.getpid) for _ in range(self.processes))
        await asyncio.wait_for(asyncio.gather(*pids), PROCESS_START_TIMEOUT_S)

    async def check(self) -> str | None:
        """Renew the pool if a worker died; returns what was repaired."""
        try:
            await self.start()
            return None
        except (BrokenProcessPool, TimeoutError) as error:
            broken = self.executor
            self.executor = self._new()
            broken.shutdown(wait=False, cancel_futures=True)
            await self.start()
            return f"the process pool was broken ({type(error).__name__}); it was renewed"

    def close(self) -> None:
        self.executor.shutdown(wait=True, cancel_futures=True)


PROCESS_START_TIMEOUT_S = 30.0


@asynccontextmanager
async def lab_lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Calibrate the work, and open a pool of the lab's `processes`, started before any run."""
    app.state.calibration.update(calibrate())
    pool = ProcessPool(app.state.settings.processes)
    app.state.cpu = pool
    try:
        await pool.start()
        contention = await process_contention(pool.executor, pool.processes)
        app.state.calibration[PROCESS_CONTENTION] = contention
        yield
    finally:
        pool.close()


async def lab_check(app: FastAPI) -> str | None:
    pool: ProcessPool = app.state.cpu
    return await pool.check()


_work = models.param_s("work_ms")
_work_alone = models.scaled(_work, WORK_TAKES)
_work_in_turns = models.scaled(_work, WORK_TAKES, GIL_CONTENTION)
_work_side_by_side = models.scaled(_work, PROCESS_CONTENTION)
_IN_TURNS = (
    "ceil(N / min(workers, cores)) × work × {work_takes:.2f} × {gil_contention:.2f}: one GIL per "
    "lab worker; calibrated, work takes ×{work_takes:.2f} its CPU time on the clock, threads "
    "taking turns on the GIL ×{gil_contention:.2f}"
)


SCENARIO = Scenario(
    id="cpu",
    name="CPU-bound",
    summary="Each request computes in pure Python: nothing to wait for, only work to do.",
    params=(
        Param(
            "work_ms",
            "Work",
            "ms",
            default=100,
            min=1,
            max=2_000,
            help="How much CPU each request needs, in ms of this machine's CPU.",
        ),
    ),
    # Enough to see the GIL take turns; the pitfall still ends in seconds.
    default_load={"model": "burst", "requests": 20},
    variants=(
        Variant(
            id="sync",
            label="def",
            endpoint=sync,
            helpers=(crunch,),
            explanation=(
                "FastAPI runs `def` in its {threadpool} threads, so requests overlap on the "
                "timeline, but the GIL lets one thread run Python at a time: {threadpool} cooks "
                "sharing one knife, N requests take N × work. Even the bystander suffers: the "
                "loop's thread must win the GIL from {threadpool} busy ones, and a ping can wait "
                "a second."
            ),
            model=models.cores(_work_in_turns),
            model_text=_IN_TURNS,
        ),
        Variant(
            id="async-blocking",
            label="async def, computing",
            endpoint=async_blocking,
            helpers=(crunch,),
            explanation=(
                "Computing inside `async def` holds the event loop: one request at a time, and "
                "the bystander's ping waits for the whole computation. The makespan is the same "
                "as `def`, but here nothing else gets an answer meanwhile."
            ),
            model=models.cores(_work_alone),
            model_text=(
                "ceil(N / min(workers, cores)) × work × {work_takes:.2f}: one event loop per lab "
                "worker; calibrated, work takes ×{work_takes:.2f} its CPU time on the clock"
            ),
        ),
        Variant(
            id="async-offload-thread",
            label="async def + asyncio.to_thread",
            endpoint=async_offload_thread,
            helpers=(crunch_in_thread, crunch),
            explanation=(
                "`asyncio.to_thread` frees the loop, so the bystander is answered (slowly: it "
                "needs the GIL too), but the threads still take turns on the GIL, so it is no "
                "faster than `def`. Offloading to a thread helps waiting, not computing."
            ),
            model=models.cores(_work_in_turns),
            model_text=_IN_TURNS,
        ),
        Variant(
            id="async-offload-process",
            label="async def + process pool",
            endpoint=async_offload_process,
            helpers=(crunch_in_process, crunch),
            explanation=(
                "A `ProcessPoolExecutor` computes in other processes, each with its own GIL: "
                "real parallelism, up to the machine's cores ({cores} here: at most {cores}× as "
                "fast). "
                "The price: arguments and results are pickled between processes."
            ),
            model=models.processes(_work_side_by_side),
            model_text=(
                "ceil(N / min(workers × processes, cores)) × work × {process_contention:.2f}: "
                "calibrated, {processes} processes computing at once each took "
                "×{process_contention:.2f} the work, on cores shared with the lab and the machine"
            ),
        ),
    ),
    lab_lifespan=lab_lifespan,
    lab_check=lab_check,
)
