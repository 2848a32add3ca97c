"""The CPU scenario's work, as its pool processes run it.

Nothing here imports more than the standard library: a pool process unpickles these
functions by importing this module, so it starts in a fraction of a second rather than the
seconds FastAPI, SQLAlchemy and every scenario would take.
"""

from __future__ import annotations

import os
from time import perf_counter, thread_time

from playground.lab.orphans import exit_with_parent

SUMS_PER_LOOK = 1_000
"""Sums between two looks at the thread's clock: tens of µs, all the work can overshoot by."""


def crunch(cpu_ms: float) -> int:
    """Pure-Python work until this thread has used `cpu_ms` of CPU. It holds the GIL the whole
    time, but for a switch every 5 ms. Timed by CPU, not by a count of sums: this machine's
    cores change pace with their neighbours' load (the same sums took 0.9 ms, a few seconds
    later 1.6), while a ms of CPU stays a ms."""
    total = 0
    until = thread_time() + cpu_ms / 1000
    while thread_time() < until:
        for i in range(SUMS_PER_LOOK):
            total += i % 7
    return total


def crunch_in_process(cpu_ms: float) -> tuple[float, float, int]:
    """Runs in a pool process: returns when it began and ended there, and the process id."""
    began = perf_counter()
    crunch(cpu_ms)
    return began, perf_counter(), os.getpid()


def start_pool_process(lab_pid: int) -> None:
    """Pool initializer. It imports this module in the new process before any
    request needs it; and the process exits if the lab is killed and never shuts it down."""
    exit_with_parent(lab_pid)
