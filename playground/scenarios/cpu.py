"""CPU-bound: each request computes for `work_ms` of this machine's CPU, in pure Python.

This scenario demonstrates:
- `def` runs in the threadpool, but the GIL lets one thread compute at a time: 40 threads
  take turns, and N requests take N times the work;
- `async def` computing on the loop freezes it: one request at a time, and the bystander waits;
- `asyncio.to_thread` frees the loop but is no faster: the GIL again;
- a process pool computes in parallel, each process with its own GIL, up to the cores.

The work is a plain loop, sized by a calibration the lab makes when it starts: the fastest of
many short timed runs, so a request's work takes at least `work_ms` on an idle core.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
from collections.abc import AsyncIterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass
from time import perf_counter

from fastapi import FastAPI

from playground.lab.info import LabInfo
from playground.lab.orphans import exit_with_parent
from playground.lab.sampler import CountingProcessPoolExecutor
from playground.lab.timing import add_span, span
from playground.scenarios.base import Param, Params, QueueModel, Scenario, Variant


def sync(work_ms: int) -> dict[str, int]:
    with span("CPU work"):  # reports when the work began and ended
        crunch(iterations(work_ms))
    return {"worked_ms": work_ms}


async def async_blocking(work_ms: int) -> dict[str, int]:
    with span("CPU work"):
        crunch(iterations(work_ms))  # computes on the event loop: nothing else runs meanwhile
    return {"worked_ms": work_ms}


async def async_offload_thread(work_ms: int) -> dict[str, int]:
    await asyncio.to_thread(crunch_in_thread, iterations(work_ms))
    return {"worked_ms": work_ms}


async def async_offload_process(work_ms: int) -> dict[str, int]:
    loop = asyncio.get_running_loop()
    began, ended, pid = await loop.run_in_executor(
        process_pool(), crunch_in_process, iterations(work_ms)
    )
    add_span("CPU work", began, ended, f"process {pid}")  # the stamps it took over there
    return {"worked_ms": work_ms}


def crunch(iterations: int) -> int:
    """Pure-Python work: it holds the GIL the whole time, but for a switch every 5 ms."""
    total = 0
    for i in range(iterations):
        total += i % 7
    return total


def crunch_in_thread(iterations: int) -> None:
    with span("CPU work"):
        crunch(iterations)


def crunch_in_process(iterations: int) -> tuple[float, float, int]:
    """Runs in a pool process: returns when it began and ended there, and the process id."""
    began = perf_counter()
    crunch(iterations)
    return began, perf_counter(), os.getpid()


@dataclass
class _Resources:
    iterations_per_ms: float = 0.0
    pool: ProcessPoolExecutor | None = None


_lab = _Resources()


def iterations(work_ms: int) -> int:
    if not _lab.iterations_per_ms:
        raise RuntimeError("the CPU scenario is not calibrated: its lab lifespan did not run")
    return round(work_ms * _lab.iterations_per_ms)


def process_pool() -> ProcessPoolExecutor:
    if _lab.pool is None:
        raise RuntimeError("the CPU scenario's process pool is not open")
    return _lab.pool


def calibrate(tries: int = 20, sample: int = 50_000) -> float:
    """Iterations of `crunch` per ms on this machine: the fastest of many short timed runs,
    the one least disturbed by whatever else the machine was doing."""
    best = 0.0
    for _ in range(tries):
        began = perf_counter()
        crunch(sample)
        best = max(best, sample / ((perf_counter() - began) * 1000))
    return best


def _start_pool_process(lab_pid: int) -> None:
    """Pool initializer. Being defined here, it imports this module in the new process before
    any request needs it; and the process exits if the lab is killed and never shuts it down."""
    exit_with_parent(lab_pid)


@asynccontextmanager
async def lab_lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Calibrate the work, and open a pool of the lab's `processes`, started before any run."""
    processes: int = app.state.settings.processes
    _lab.iterations_per_ms = calibrate()
    # "spawn": a fork of the lab would copy its threads' locks and its listening socket.
    pool = CountingProcessPoolExecutor(  # counts its busy workers for the lanes
        processes,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_start_pool_process,
        initargs=(os.getpid(),),
    )
    loop = asyncio.get_running_loop()
    try:
        # Submitted at once, each call finds no idle process, so all of them start now.
        await asyncio.gather(*(loop.run_in_executor(pool, os.getpid) for _ in range(processes)))
        _lab.pool = pool
        yield
    finally:
        _lab.pool = None
        pool.shutdown(wait=True, cancel_futures=True)


def _work(params: Params) -> float:
    return params["work_ms"] / 1000


def _one_gil_per_worker(params: Params, lab: LabInfo) -> QueueModel:
    gils = min(lab.workers, lab.cores)
    return QueueModel(gils, _work(params), "1 GIL" if gils == 1 else f"{gils} GILs")


def _processes(params: Params, lab: LabInfo) -> QueueModel:
    processes = lab.workers * lab.processes
    if processes > lab.cores:
        return QueueModel(lab.cores, _work(params), f"{lab.cores} cores")
    return QueueModel(processes, _work(params), f"{processes} processes")


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
    variants=(
        Variant(
            id="sync",
            label="def",
            endpoint=sync,
            helpers=(crunch,),
            explanation=(
                "FastAPI runs `def` in its 40 threads, so requests overlap on the timeline, but "
                "the GIL lets one thread run Python at a time: 40 cooks sharing one knife, N "
                "requests take N × work. Even the bystander suffers: the loop's thread must win "
                "the GIL from 40 busy ones, and a ping can wait a second."
            ),
            model=_one_gil_per_worker,
            model_text="ceil(N / workers) × work: one GIL per lab worker",
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
            model=_one_gil_per_worker,
            model_text="ceil(N / workers) × work: one event loop per lab worker",
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
            model=_one_gil_per_worker,
            model_text="ceil(N / workers) × work: the GIL lets one thread compute",
        ),
        Variant(
            id="async-offload-process",
            label="async def + process pool",
            endpoint=async_offload_process,
            helpers=(crunch_in_process, crunch),
            explanation=(
                "A `ProcessPoolExecutor` computes in other processes, each with its own GIL: "
                "real parallelism, up to the machine's cores (on 2 cores, at most twice as fast). "
                "The price: arguments and results are pickled between processes."
            ),
            model=_processes,
            model_text="ceil(N / min(workers × processes, cores)) × work",
        ),
    ),
    lab_lifespan=lab_lifespan,
)
