"""Ramp: closed-loop users added at a steady rate, from `start_users` to `end_users` over
`duration_s` (like a Locust `LoadTestShape`); each user requests, waits for the answer, thinks
a time drawn from [a, b], and the run ends at `duration_s`."""

from __future__ import annotations

import asyncio
import math
from typing import Literal

from pydantic import model_validator

from playground.load.base import (
    MAX_USERS,
    ClosedLoop,
    LoadModel,
    Prediction,
    Runner,
    capacity_rps,
    capacity_text,
    duration_knob,
    knob,
    think_from,
    think_to,
)
from playground.load.users import user
from playground.scenarios.base import QueueModel


class Ramp(ClosedLoop):
    """Users rising steadily from `start_users` to `end_users` over T seconds."""

    model: Literal["ramp"] = "ramp"
    start_users: int = knob(
        1, label="From", unit="users", help="Users at the start.", ge=0, le=MAX_USERS
    )
    end_users: int = knob(
        50, label="to", unit="users", help="Users at the end.", ge=1, le=MAX_USERS
    )
    think_min_s: float = think_from(0.5)
    think_max_s: float = think_to(1.5)
    duration_s: float = duration_knob(
        20.0, label="Over", help="How long the ramp lasts; the run ends with it."
    )

    @model_validator(mode="after")
    def _rising(self) -> Ramp:
        if self.start_users > self.end_users:
            raise ValueError(
                f"start_users ({self.start_users:,}) cannot exceed end_users"
                f" ({self.end_users:,}); a ramp only adds users"
            )
        return self

    def describe(self) -> str:
        return (
            f"{self.start_users:,} → {self.end_users:,} users over {self.duration_s:g} s,"
            f" {self.think_text}{self.connections_note()}"
        )

    @property
    def in_flight(self) -> int:
        return self.end_users

    def joins_at(self, k: int) -> float:
        """When the k-th added user (0-based) joins: the users step up evenly over the ramp."""
        return k * self.duration_s / (self.end_users - self.start_users)


async def drive(run: Runner, arrival: Ramp) -> None:
    think = (arrival.think_min_s, arrival.think_max_s)
    async with asyncio.TaskGroup() as group:
        for _ in range(arrival.start_users):
            group.create_task(user(run, *think, arrival.duration_s))
        for k in range(arrival.end_users - arrival.start_users):
            await asyncio.sleep(max(0.0, arrival.joins_at(k) - run.elapsed()))
            group.create_task(user(run, *think, arrival.duration_s))


def _offered_rps(users: int, cycle_s: float) -> float:
    if cycle_s > 0:
        return users / cycle_s
    return math.inf if users else 0.0


def served(start_rps: float, end_rps: float, capacity: float, duration_s: float) -> float:
    """∫ min(offered(t), capacity) dt over the ramp, the offered load rising linearly."""
    if end_rps <= capacity:
        return (start_rps + end_rps) / 2 * duration_s
    if start_rps >= capacity:
        return capacity * duration_s
    reached_s = (capacity - start_rps) / (end_rps - start_rps) * duration_s
    return (start_rps + capacity) / 2 * reached_s + capacity * (duration_s - reached_s)


def predict(model: QueueModel, arrival: Ramp) -> Prediction:
    """The offered load rises with the users, each one request per cycle, capped by the slots."""
    cycle = arrival.cycle_s(model)
    requests = served(
        _offered_rps(arrival.start_users, cycle),
        _offered_rps(arrival.end_users, cycle),
        capacity_rps(model),
        arrival.duration_s,
    )
    throughput = requests / arrival.duration_s
    return Prediction(
        makespan_s=arrival.duration_s + model.service_s,
        throughput_rps=throughput if throughput < math.inf else None,
        formula=f"∫ min(U(t)={arrival.start_users:,}→{arrival.end_users:,} users"
        f" / {cycle:.2f} s per cycle, {capacity_text(model)}) dt over {arrival.duration_s:g} s"
        f" ≈ {requests:,.0f} requests, {throughput:,.1f} req/s on average",
        costs=model.costs(arrival.kept_alive),
        model_text="∫ min(U(t) / (service + mean think), slots / service) dt over T",
    )


LOAD = LoadModel(
    arrival=Ramp, title="Ramp: users rising from U₀ to U₁ over T", drive=drive, predict=predict
)
