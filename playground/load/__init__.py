"""The load models a run can fire, each declared once in its own module.

`LOAD_MODELS` maps an id to its declaration (knobs, driver, prediction); `Arrival` is the
pydantic type of a run's load, told apart by its `model` field.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from playground.load import burst, ramp, rate, users
from playground.load.base import (
    MAX_REQUESTS,
    FieldSpec,
    LoadArrival,
    LoadModel,
    Prediction,
    Runner,
)
from playground.load.burst import Burst
from playground.load.ramp import Ramp
from playground.load.rate import Rate
from playground.load.users import Users

__all__ = [
    "LOAD_MODELS",
    "MAX_REQUESTS",
    "Arrival",
    "Burst",
    "FieldSpec",
    "LoadArrival",
    "LoadModel",
    "Prediction",
    "Ramp",
    "Rate",
    "Runner",
    "Users",
    "stored_arrival",
]

LOAD_MODELS: dict[str, LoadModel[Any]] = {
    load.id: load for load in (burst.LOAD, users.LOAD, rate.LOAD, ramp.LOAD)
}

Arrival = Annotated[Burst | Users | Rate | Ramp, Field(discriminator="model")]


def stored_arrival(arrival: dict[str, Any]) -> LoadArrival | None:
    """A stored run's load, as its model, for the run's header (stored values are trusted as
    they are, not validated again: limits may have changed since); None if its model is gone."""
    load = LOAD_MODELS.get(str(arrival.get("model")))
    return None if load is None else load.arrival.model_construct(**arrival)
