"""What a load model is: a pydantic model of its knobs, a harness driver and a prediction.

Each load model (`burst.py`, `users.py`, ...) is declared once, as a `LoadModel`; the API
schema, the page's form, the run header, the harness and the prediction all read it.
Its knobs are declared with `knob(...)`: limits, a label, a unit and help in one place. Knobs
several models share are declared here once (`duration_knob`, `think_from`, `think_to`), with
what they mean for the model (`Timed`, `ClosedLoop`).
"""

from __future__ import annotations

import math
from abc import abstractmethod
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Literal, Protocol, Self, TypeVar, cast

import annotated_types
from pydantic import Field, model_validator

from playground.scenarios.base import Cost, QueueModel
from playground.strict_json import StrictModel

MAX_REQUESTS = 10_000
"""The most requests one run may send, whatever its load model."""
MAX_USERS = 1_000
MIN_DURATION_S = 1.0
MAX_DURATION_S = 120.0
MAX_THINK_S = 60.0


def knob(
    default: float | None,
    *,
    label: str,
    unit: str,
    help: str,
    ge: float,
    le: float,
    placeholder: str = "",
) -> Any:
    """A field of a load model: its limits (inclusive), and how the form and the API name it."""
    extra: dict[str, Any] = {"unit": unit}
    if placeholder:
        extra["placeholder"] = placeholder
    return Field(default, ge=ge, le=le, title=label, description=help, json_schema_extra=extra)


Connections = Literal["new", "kept-alive"]
CONNECTIONS_HELP = (
    "new: connections are opened as the run goes, and the lab's cost of accepting them is part "
    "of the measurement (a burst's every request opens one of its own and closes it, as that "
    "many separate clients would; users and a rate's arrivals keep theirs for their next "
    "requests); kept alive: the harness opens and tries them before the clock starts."
)


@dataclass(frozen=True)
class Prediction:
    makespan_s: float
    throughput_rps: float | None
    formula: str
    """The model with this run's numbers in it, in one line."""
    model_text: str | None = None
    """The load model's formula in symbols, where the variant's own (a burst's) does not fit."""
    costs: tuple[Cost, ...] = ()
    """What each request costs the lab's event loop, as the lab calibrated it at its start."""
    partial: str = ""
    """What the variant's model leaves out on purpose (`Variant.partial`)."""


class LoadArrival(StrictModel):
    """The knobs of one load model, as a run request carries them (strict: no `true` for 1, no
    `"5"` for 5, no NaN or infinity; the page's form validates with `strict=False`)."""

    model: str
    connections: Connections = Field(
        "new",
        title="Connections",
        description=CONNECTIONS_HELP,
        json_schema_extra={"unit": "", "choices": ["new", "kept-alive"]},
    )

    @property
    def kept_alive(self) -> bool:
        return self.connections == "kept-alive"

    @property
    def connection_per_request(self) -> bool:
        """Whether every request opens a connection of its own and closes it after its answer,
        rather than one a finished request left open."""
        return False

    def connections_note(self) -> str:
        """For the run's header: nothing for new connections, the default."""
        return ", connections kept alive" if self.kept_alive else ""

    @abstractmethod
    def describe(self) -> str:
        """The load in one line, for the run's header."""

    @property
    @abstractmethod
    def in_flight(self) -> int:
        """Most requests (and so connections) it may have out at once; 0 if unbounded."""

    @property
    @abstractmethod
    def planned_s(self) -> float:
        """How long it is meant to send for; the run's deadline is counted after it."""

    @property
    @abstractmethod
    def total(self) -> int | None:
        """How many requests it sends, when that is known before the run."""


def duration_knob(default: float, *, label: str, help: str) -> Any:
    """How long a timed load sends for: its label and help are the model's, its limits every
    timed load's."""
    return knob(default, label=label, unit="s", help=help, ge=MIN_DURATION_S, le=MAX_DURATION_S)


THINK_HELP = "Each user thinks a time drawn uniformly from [from, to] between requests."


def think_from(default: float) -> Any:
    """`think_min_s` of a `ClosedLoop`: the shortest time a user thinks."""
    return knob(default, label="Think from", unit="s", help=THINK_HELP, ge=0, le=MAX_THINK_S)


def think_to(default: float) -> Any:
    """`think_max_s` of a `ClosedLoop`: the longest time a user thinks."""
    return knob(default, label="to", unit="s", help=THINK_HELP, ge=0, le=MAX_THINK_S)


class Timed(LoadArrival):
    """A load that sends for `duration_s` seconds: its planned time.

    The knob itself is declared by each model with `duration_knob`, where its form lists it (a
    pydantic base's fields would come before the model's own, and a model's first knob names
    it on the command line).
    """

    if TYPE_CHECKING:
        duration_s: float

    @property
    def planned_s(self) -> float:
        return self.duration_s


class ClosedLoop(Timed):
    """Users who each send a request, wait for its answer, then think a time drawn from
    [`think_min_s`, `think_max_s`] (like Locust's `between(a, b)`), until `duration_s`.

    The knobs are declared by each model with `think_from` and `think_to` (see `Timed`).
    """

    if TYPE_CHECKING:
        think_min_s: float
        think_max_s: float

    @model_validator(mode="after")
    def _think_range_in_order(self) -> Self:
        if self.think_min_s > self.think_max_s:
            raise ValueError(
                f"think_min_s ({self.think_min_s}) cannot exceed think_max_s ({self.think_max_s})"
            )
        return self

    @property
    def think_text(self) -> str:
        """For the run's header: "think 1-3 s" (with an en dash)."""
        return f"think {self.think_min_s:g}–{self.think_max_s:g} s"

    def cycle_s(self, model: QueueModel) -> float:
        """One user's mean cycle: a request's service, then the mean think."""
        return model.service_s + (self.think_min_s + self.think_max_s) / 2

    @property
    def total(self) -> None:
        return None  # as many as the users' cycles get through


class Runner(Protocol):
    """What a driver may do with the harness's run: send request `i`, see the clock."""

    @property
    def issued(self) -> int: ...

    def next_index(self) -> int: ...

    async def request(self, i: int) -> None: ...

    def elapsed(self) -> float: ...


A = TypeVar("A", bound=LoadArrival)


@dataclass(frozen=True)
class FieldSpec:
    """One knob as the form and `/api/scenarios` show it, read from the pydantic field."""

    name: str
    label: str
    unit: str
    help: str
    default: float | None
    min: float
    max: float
    integer: bool
    placeholder: str
    choices: tuple[str, ...] = ()
    """A choice among words (connections: new or kept-alive), not a number; then min and max
    mean nothing."""

    def to_json(self) -> dict[str, Any]:
        if self.choices:
            return {
                "label": self.label,
                "help": self.help,
                "default": self.default,
                "choices": list(self.choices),
                "type": "choice",
            }
        return {
            "label": self.label,
            "unit": self.unit,
            "help": self.help,
            "default": self.default,
            "min": self.min,
            "max": self.max,
            "type": "integer" if self.integer else "number",
        }


def _field_specs(arrival: type[LoadArrival]) -> tuple[FieldSpec, ...]:
    specs, choices = [], []
    for name, info in arrival.model_fields.items():
        if name == "model":
            continue
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        if "choices" in extra:
            words = tuple(str(word) for word in cast(list[Any], extra["choices"]))
            choices.append(
                FieldSpec(
                    name=name,
                    label=info.title or name,
                    unit="",
                    help=info.description or "",
                    default=info.default,
                    min=0,
                    max=0,
                    integer=False,
                    placeholder="",
                    choices=words,
                )
            )
            continue
        # As declared: an int knob's limits stay ints, so the form and the API show "1", not "1.0".
        low = cast(float, next(m.ge for m in info.metadata if isinstance(m, annotated_types.Ge)))
        high = cast(float, next(m.le for m in info.metadata if isinstance(m, annotated_types.Le)))
        specs.append(
            FieldSpec(
                name=name,
                label=info.title or name,
                unit=str(extra.get("unit", "")),
                help=info.description or "",
                default=info.default,
                min=low,
                max=high,
                integer=int in _types(info.annotation),
                placeholder=str(extra.get("placeholder", "")),
            )
        )
    return (*specs, *choices)  # the numbers first, as the form lays them out


def _types(annotation: Any) -> tuple[Any, ...]:
    return getattr(annotation, "__args__", (annotation,))


@dataclass(frozen=True)
class LoadModel(Generic[A]):
    """A load model, declared once: its knobs, how the harness drives it, what it predicts."""

    arrival: type[A]
    title: str
    """For the form's menu: "Burst: N requests, C at a time"."""
    drive: Callable[[Runner, A], Awaitable[None]]
    """Send the load through the harness's run, to its end."""
    predict: Callable[[QueueModel, A], Prediction]

    @property
    def id(self) -> str:
        return str(self.arrival.model_fields["model"].default)

    @property
    def fields(self) -> tuple[FieldSpec, ...]:
        return _field_specs(self.arrival)

    def to_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "fields": {spec.name: spec.to_json() for spec in self.fields},
        }


def ms(seconds: float) -> str:
    """A time in ms, with decimals where it is small enough to need them: "100 ms", "0.28 ms"."""
    if 0 < seconds < 0.01:
        return f"{seconds * 1000:.2f} ms"
    return f"{seconds * 1000:,.0f} ms"


def _slots_rps(model: QueueModel) -> float:
    if model.servers is None or model.service_s <= 0:
        return math.inf
    return model.servers / model.service_s


def _loop_rps(model: QueueModel) -> float:
    """Requests a second the event loops get through, each costing them its per-request work
    (on connections kept alive: a closed loop's users and a rate reuse theirs)."""
    per_request = model.per_request_s(kept_alive=True)
    return 1 / per_request if per_request > 0 else math.inf


def capacity_rps(model: QueueModel) -> float:
    """Requests a second the lab can serve at most: its slots over the service time, or what
    its event loops get through, whichever is less."""
    return min(_slots_rps(model), _loop_rps(model))


def capacity_text(model: QueueModel) -> str:
    capacity = capacity_rps(model)
    if capacity == math.inf:
        return "no limit"
    if capacity < _slots_rps(model):
        per_request = model.per_request_s(kept_alive=True)
        return f"the loop at {ms(per_request)} a request = {capacity:,.1f}/s"
    return f"{model.servers_label} / {ms(model.service_s)} = {capacity:,.1f}/s"
