"""The CPU scenario's work, as its pool processes run it.

Nothing here imports more than the standard library: a pool process unpickles these
functions by importing this module, so it starts in a fraction of a second rather than the
seconds FastAPI, SQLAlchemy and every scenario would take.
"""

from __future__ import annotations

import os
from time import perf_counter

from playground.lab.orphans import exit_with_parent


def crunch(iterations: int) -> int:
    """Pure-Python work: it holds the GIL the whole time, but for a switch every 5 ms."""
    total = 0
    for i in range(iterations):
        total += i % 7
    return total


def crunch_in_process(iterations: int) -> tuple[float, float, int]:
    """Runs in a pool process: returns when it began and ended there, and the process id."""
    began = perf_counter()
    crunch(iterations)
    return began, perf_counter(), os.getpid()


def start_pool_process(lab_pid: int) -> None:
    """Pool initializer. It imports this module in the new process before any
    request needs it; and the process exits if the lab is killed and never shuts it down."""
    exit_with_parent(lab_pid)
