"""What a load model is: a pydantic model of its knobs, a harness driver and a prediction.

Each load model (`burst.py`, `users.py`, ...) is declared once, as a `LoadModel`; the API
schema, the page's form, the run header, the harness and the prediction all read it.
Its knobs are declared with `knob(...)`: limits, a label, a unit and help in one place.
"""

from __future__ import annotations

import math
from abc import abstractmethod
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar, cast

import annotated_types
from pydantic import BaseModel, ConfigDict, Field

from playground.scenarios.base import QueueModel

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


@dataclass(frozen=True)
class Prediction:
    makespan_s: float
    throughput_rps: float | None
    formula: str
    """The model with this run's numbers in it, in one line."""
    model_text: str | None = None
    """The load model's formula in symbols, where the variant's own (a burst's) does not fit."""


class LoadArrival(BaseModel):
    """The knobs of one load model, as a run request carries them.

    Strict: the JSON API takes no `true` for 1, no `"5"` for 5, no NaN or infinity. The page's
    form posts strings, so it validates with `strict=False` against the same limits.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True, allow_inf_nan=False)

    model: str

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

    def to_json(self) -> dict[str, Any]:
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
    specs = []
    for name, info in arrival.model_fields.items():
        if name == "model":
            continue
        # As declared: an int knob's limits stay ints, so the form and the API show "1", not "1.0".
        low = cast(float, next(m.ge for m in info.metadata if isinstance(m, annotated_types.Ge)))
        high = cast(float, next(m.le for m in info.metadata if isinstance(m, annotated_types.Le)))
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
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
    return tuple(specs)


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
    return f"{seconds * 1000:,.0f} ms"


def capacity_rps(model: QueueModel) -> float:
    """Requests a second the queue can serve at most: its slots over the service time."""
    if model.servers is None or model.service_s <= 0:
        return math.inf
    return model.servers / model.service_s


def capacity_text(model: QueueModel) -> str:
    capacity = capacity_rps(model)
    if capacity == math.inf:
        return "no limit"
    return f"{model.servers_label} / {ms(model.service_s)} = {capacity:,.1f}/s"


def think_in_order(think_min_s: float, think_max_s: float) -> None:
    if think_min_s > think_max_s:
        raise ValueError(f"think_min_s ({think_min_s}) cannot exceed think_max_s ({think_max_s})")
