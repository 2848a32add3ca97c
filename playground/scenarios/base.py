"""What a scenario is: parameters, and variants that are real lab endpoints with a model each."""

from __future__ import annotations

import inspect
import string
import textwrap
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI

from playground.lab.info import LabInfo

Params = Mapping[str, int]


def lab_path(scenario_id: str, variant_id: str) -> str:
    """Where the lab serves a variant's endpoint."""
    return f"/s/{scenario_id}/{variant_id}"


@dataclass(frozen=True)
class Param:
    """An integer knob of a scenario, with the limits a run is validated against."""

    name: str
    label: str
    unit: str
    default: int
    min: int
    max: int
    help: str = ""

    def describe_range(self) -> str:
        return f"{self.min:,}..{self.max:,} {self.unit}".rstrip()


@dataclass(frozen=True)
class Cost:
    """Something each request costs the lab's event loop, as the lab measured it at its start."""

    label: str
    """In words, for the page: "thread hop", "AsyncClient built and called"."""
    seconds: float


@dataclass(frozen=True)
class QueueModel:
    """The small model a prediction comes from: `servers` slots, each busy `service_s` a request,
    and the work each request costs the event loop first, one request after another.

    `servers` is None when nothing inside the lab limits how many requests run at once.
    """

    servers: int | None
    service_s: float
    servers_label: str = ""
    """What the slots are, in words: "40 threads", "1 event loop", "2 processes"."""
    request_new_s: float = 0.0
    """The loop's cost of a request on a connection of its own: accept, parse, route, answer."""
    request_kept_alive_s: float = 0.0
    """The same on a connection already open."""
    loop_costs: tuple[Cost, ...] = ()
    """What the variant itself adds on the loop per request: a thread hop, a client built."""
    loops: int = 1
    """Event loops sharing that work: one per lab worker."""

    def loop_s(self, requests: int, new_connections: int) -> float:
        """Seconds the loops spend on `requests`, `new_connections` of them on a connection of
        their own and the rest on one kept alive."""
        own = sum(cost.seconds for cost in self.loop_costs)
        kept = max(0, requests - new_connections)
        spent = (
            min(requests, new_connections) * self.request_new_s
            + kept * self.request_kept_alive_s
            + requests * own
        )
        return spent / max(1, self.loops)

    def per_request_s(self, kept_alive: bool) -> float:
        """One request's cost on a loop, on a new or a kept-alive connection."""
        return self.loop_s(1, 0 if kept_alive else 1)

    def costs(self, kept_alive: bool) -> tuple[Cost, ...]:
        """What the loop cost is made of, for the page's "calibrated on this machine" line."""
        if kept_alive:
            request = Cost("request on a kept-alive connection", self.request_kept_alive_s)
        else:
            request = Cost("request on a new connection", self.request_new_s)
        return (request, *self.loop_costs)


@dataclass(frozen=True)
class Variant:
    id: str
    label: str
    endpoint: Callable[..., Any]
    """The real endpoint, exactly as the lab serves it and the page shows it."""
    explanation: str
    """A template of the lab's facts: "... a threadpool of {threadpool} ..." (see `explain`)."""
    model: Callable[[Params, LabInfo], QueueModel]
    model_text: str
    """The model in one line, for the page: "ceil(N / min(C, threadpool)) × delay"; a template
    like `explanation`."""
    helpers: tuple[Callable[..., Any], ...] = ()
    """Functions of the scenario the endpoint calls, shown under it."""
    sync_dependency: bool = False
    """It has a plain `def` dependency on purpose: its hop to the threadpool is the lesson.
    No other variant may have one (tests/test_scenario_catalogue.py)."""
    status: int = 200
    """What it answers: 200, or the error that is its lesson (a refused `AsyncSession`)."""
    partial: str = ""
    """What the model leaves out on purpose, because the gap it makes is the lesson ("httpx's
    pool slows down as connections open"): a run off its prediction then reads "as the lesson
    says", not as a miss. Empty: the model means to hold."""

    def explain(self, lab: LabInfo | None) -> str:
        return render_text(self.explanation, lab)

    def model_line(self, lab: LabInfo | None) -> str:
        return render_text(self.model_text, lab)

    @property
    def is_async(self) -> bool:
        return inspect.iscoroutinefunction(self.endpoint)

    def source(self) -> str:
        parts = [self.endpoint, *self.helpers]
        return "\n\n".join(textwrap.dedent(inspect.getsource(part)).strip() for part in parts)


class _Unknown:
    def __format__(self, spec: str) -> str:
        return "?"


class _LabFacts(string.Formatter):
    def get_value(self, key: int | str, args: Sequence[Any], kwargs: Mapping[str, Any]) -> Any:
        return kwargs.get(str(key), _Unknown())


def render_text(text: str, lab: LabInfo | None) -> str:
    """Fill a text's `{threadpool}`, `{cores}`, `{write_ms_per_mb:.1f}` ... from what the lab
    reported; a fact the lab has not reported (it is restarting) reads "?"."""
    return _LabFacts().vformat(text, (), lab.facts() if lab is not None else {})


LabLifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]
LabCheck = Callable[[FastAPI], Awaitable[str | None]]


@dataclass(frozen=True)
class Scenario:
    id: str
    name: str
    summary: str
    params: tuple[Param, ...]
    variants: tuple[Variant, ...]
    lab_lifespan: LabLifespan | None = None
    """Resources the scenario owns in the lab (a database, a client), opened with the lab and
    put on `app.state`; it may add what it measured to `app.state.calibration`."""
    default_load: Mapping[str, Any] = field(
        default_factory=lambda: {"model": "burst", "requests": 100}
    )
    """The load that shows this scenario's lesson best, as a run request carries it: the form
    starts with it when the scenario is picked, and so does every bench of every variant."""
    timed_requests: Mapping[str, tuple[str, Params]] = field(default_factory=dict)
    """Requests to this scenario's own endpoints that the lab times at its start, as it times its
    cheapest one: a name in `LabInfo.calibration` → a variant's id and its params; the lab's ms
    of CPU a request."""
    lab_check: LabCheck | None = None
    """Checks the scenario's helpers (an upstream, a process pool) before a run, restarting a
    dead one; returns what it repaired, or None."""
    variants_by_id: dict[str, Variant] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "variants_by_id", {v.id: v for v in self.variants})

    def timed_paths(self) -> dict[str, str]:
        """`timed_requests` as the lab's paths, with their queries."""
        return {
            name: f"{lab_path(self.id, variant)}?{urlencode(params)}"
            for name, (variant, params) in self.timed_requests.items()
        }

    def default_params(self) -> dict[str, int]:
        return {param.name: param.default for param in self.params}
