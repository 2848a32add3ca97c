"""The queue models variants share: what limits how many requests run at once in the lab.

Each takes how long one request keeps its slot busy (a function of the run's params and the
lab) and returns the variant's model. One event loop per lab worker, the threadpool's size,
the process pool's width: each is decided here once, from what the lab reported.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from playground.lab import calibrate
from playground.lab.info import LabInfo
from playground.scenarios.base import Cost, Params, QueueModel

__all__ = [
    "THREAD_HOP",
    "Calibrated",
    "LoopCost",
    "Model",
    "Service",
    "cores",
    "default_executor",
    "event_loops",
    "machine_wide",
    "param_s",
    "per_worker",
    "processes",
    "scaled",
    "threadpool",
    "unlimited",
]

Service = Callable[[Params, LabInfo], float]
"""Seconds one request keeps its slot busy."""
Model = Callable[[Params, LabInfo], QueueModel]


def param_s(name: str, times: int = 1) -> Service:
    """The service of a request that waits `times` times a param in ms: `param_s("delay_ms")`."""

    def service(params: Params, lab: LabInfo) -> float:
        return times * params[name] / 1000

    return service


def scaled(service: Service, *keys: str) -> Service:
    """`service` times factors the lab measured at its start, by their names in
    `LabInfo.calibration` (1 when it did not): `scaled(work, "gil_contention")`."""

    def scaled_service(params: Params, lab: LabInfo) -> float:
        return math.prod(
            (lab.calibration.get(key, 1.0) for key in keys), start=service(params, lab)
        )

    return scaled_service


@dataclass(frozen=True)
class Calibrated:
    """A cost per request on the event loop that the lab measured at its start, by its name in
    `LabInfo.calibration` (in ms)."""

    key: str
    label: str

    def cost(self, params: Params, lab: LabInfo) -> Cost:
        return Cost(self.label, lab.calibration.get(self.key, 0.0) / 1000)


class LoopCost(Protocol):
    """A cost per request on the event loop, as a variant's params and the lab make it."""

    def cost(self, params: Params, lab: LabInfo) -> Cost: ...


THREAD_HOP = Calibrated(calibrate.THREAD_HOP, "thread hop")
"""Handing a call to a pool's thread and picking the result up: every `def` endpoint, every
`run_in_threadpool` or `run_in_executor`."""
Loop = tuple[LoopCost, ...]


def _queue(
    servers: int | None, label: str, service: Service, params: Params, lab: LabInfo, loop: Loop
) -> QueueModel:
    return QueueModel(
        servers,
        service(params, lab),
        label,
        request_new_s=lab.calibration.get(calibrate.REQUEST_NEW, 0.0) / 1000,
        request_kept_alive_s=lab.calibration.get(calibrate.REQUEST_KEPT_ALIVE, 0.0) / 1000,
        loop_costs=tuple(cost.cost(params, lab) for cost in loop),
        loops=lab.workers,
    )


def _plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count:,} {one if count == 1 else many or one + 's'}"


def threadpool(service: Service, *, at_most: int | None = None, loop: Loop = ()) -> Model:
    """FastAPI's threadpool of each worker, for `def` endpoints and `run_in_threadpool`;
    `at_most`: a narrower limit inside each thread's work (a client's connection pool)."""

    def model(params: Params, lab: LabInfo) -> QueueModel:
        threads = lab.threadpool if at_most is None else min(lab.threadpool, at_most)
        slots = threads * lab.workers
        label = _plural(slots, "thread")
        return _queue(slots, label, service, params, lab, (THREAD_HOP, *loop))

    return model


def default_executor(service: Service, *, loop: Loop = ()) -> Model:
    """asyncio's default executor of each worker: min(32, cores + 4) threads."""

    def model(params: Params, lab: LabInfo) -> QueueModel:
        slots = lab.default_executor * lab.workers
        label = _plural(slots, "thread")
        return _queue(slots, label, service, params, lab, (THREAD_HOP, *loop))

    return model


def event_loops(service: Service, *, loop: Loop = ()) -> Model:
    """One event loop per lab worker: a request that holds it holds everything."""

    def model(params: Params, lab: LabInfo) -> QueueModel:
        label = _plural(lab.workers, "event loop")
        return _queue(lab.workers, label, service, params, lab, loop)

    return model


def per_worker(
    slots: int, one: str, service: Service, many: str | None = None, *, loop: Loop = ()
) -> Model:
    """`slots` of something each worker holds: one shared connection, an engine's pool."""

    def model(params: Params, lab: LabInfo) -> QueueModel:
        total = slots * lab.workers
        return _queue(total, _plural(total, one, many), service, params, lab, loop)

    return model


def cores(service: Service, *, loop: Loop = ()) -> Model:
    """Computing in Python: one GIL per worker, never more at once than the cores."""

    def model(params: Params, lab: LabInfo) -> QueueModel:
        if lab.workers > lab.cores:
            return _queue(lab.cores, _plural(lab.cores, "core"), service, params, lab, loop)
        label = _plural(lab.workers, "GIL")
        return _queue(lab.workers, label, service, params, lab, loop)

    return model


def processes(service: Service, *, loop: Loop = ()) -> Model:
    """The CPU scenario's process pool of each worker, never wider than the cores."""

    def model(params: Params, lab: LabInfo) -> QueueModel:
        width = lab.workers * lab.processes
        if width > lab.cores:
            return _queue(lab.cores, _plural(lab.cores, "core"), service, params, lab, loop)
        label = _plural(width, "process", "processes")
        return _queue(width, label, service, params, lab, loop)

    return model


def unlimited(service: Service, *, loop: Loop = ()) -> Model:
    """Nothing in the lab limits how many run at once: only the run's own concurrency."""

    def model(params: Params, lab: LabInfo) -> QueueModel:
        return _queue(None, "", service, params, lab, loop)

    return model


def machine_wide(one: str, service: Service, *, loop: Loop = ()) -> Model:
    """One of something the whole machine shares, whatever the workers: its memory bus."""

    def model(params: Params, lab: LabInfo) -> QueueModel:
        return _queue(1, f"1 {one}", service, params, lab, loop)

    return model
