"""The queue models variants share: what limits how many requests run at once in the lab.

Each takes how long one request keeps its slot busy (a function of the run's params and the
lab) and returns the variant's model. One event loop per lab worker, the threadpool's size,
the process pool's width: each is decided here once, from what the lab reported.
"""

from __future__ import annotations

from collections.abc import Callable

from playground.lab.info import LabInfo
from playground.scenarios.base import Params, QueueModel

__all__ = [
    "Model",
    "Service",
    "cores",
    "default_executor",
    "event_loops",
    "machine_wide",
    "per_worker",
    "processes",
    "threadpool",
    "unlimited",
]

Service = Callable[[Params, LabInfo], float]
"""Seconds one request keeps its slot busy."""
Model = Callable[[Params, LabInfo], QueueModel]


def _plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count:,} {one if count == 1 else many or one + 's'}"


def threadpool(service: Service, *, at_most: int | None = None) -> Model:
    """FastAPI's threadpool of each worker, for `def` endpoints and `run_in_threadpool`;
    `at_most`: a narrower limit inside each thread's work (a client's connection pool)."""

    def model(params: Params, lab: LabInfo) -> QueueModel:
        threads = lab.threadpool if at_most is None else min(lab.threadpool, at_most)
        slots = threads * lab.workers
        return QueueModel(slots, service(params, lab), _plural(slots, "thread"))

    return model


def default_executor(service: Service) -> Model:
    """asyncio's default executor of each worker: min(32, cores + 4) threads."""

    def model(params: Params, lab: LabInfo) -> QueueModel:
        slots = lab.default_executor * lab.workers
        return QueueModel(slots, service(params, lab), _plural(slots, "thread"))

    return model


def event_loops(service: Service) -> Model:
    """One event loop per lab worker: a request that holds it holds everything."""

    def model(params: Params, lab: LabInfo) -> QueueModel:
        return QueueModel(lab.workers, service(params, lab), _plural(lab.workers, "event loop"))

    return model


def per_worker(slots: int, one: str, service: Service, many: str | None = None) -> Model:
    """`slots` of something each worker holds: one shared connection, a pool of 15."""

    def model(params: Params, lab: LabInfo) -> QueueModel:
        total = slots * lab.workers
        return QueueModel(total, service(params, lab), _plural(total, one, many))

    return model


def cores(service: Service) -> Model:
    """Computing in Python: one GIL per worker, never more at once than the cores."""

    def model(params: Params, lab: LabInfo) -> QueueModel:
        if lab.workers > lab.cores:
            return QueueModel(lab.cores, service(params, lab), _plural(lab.cores, "core"))
        return QueueModel(lab.workers, service(params, lab), _plural(lab.workers, "GIL"))

    return model


def processes(service: Service) -> Model:
    """The CPU scenario's process pool of each worker, never wider than the cores."""

    def model(params: Params, lab: LabInfo) -> QueueModel:
        width = lab.workers * lab.processes
        if width > lab.cores:
            return QueueModel(lab.cores, service(params, lab), _plural(lab.cores, "core"))
        return QueueModel(width, service(params, lab), _plural(width, "process", "processes"))

    return model


def unlimited(service: Service) -> Model:
    """Nothing in the lab limits how many run at once: only the run's own concurrency."""

    def model(params: Params, lab: LabInfo) -> QueueModel:
        return QueueModel(None, service(params, lab))

    return model


def machine_wide(one: str, service: Service) -> Model:
    """One of something the whole machine shares, whatever the workers: its memory bus."""

    def model(params: Params, lab: LabInfo) -> QueueModel:
        return QueueModel(1, service(params, lab), f"1 {one}")

    return model
