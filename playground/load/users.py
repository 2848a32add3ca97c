"""Users: U closed-loop users for T seconds, each sending a request, waiting for its answer,
then thinking a time drawn from [a, b] (like Locust's `between(a, b)`)."""

from __future__ import annotations

import asyncio
import math
import random
from typing import Literal

from playground.load.base import (
    MAX_REQUESTS,
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
from playground.scenarios.base import QueueModel


class Users(ClosedLoop):
    """U closed-loop users, each: request, think a time drawn from [a, b]; for T seconds."""

    model: Literal["users"] = "users"
    users: int = knob(
        100, label="Users", unit="U", help="Users, each one request at a time.", ge=1, le=MAX_USERS
    )
    duration_s: float = duration_knob(10.0, label="For", help="How long the users keep sending.")
    think_min_s: float = think_from(1.0)
    think_max_s: float = think_to(3.0)

    def describe(self) -> str:
        return (
            f"{self.users:,} users, {self.think_text},"
            f" for {self.duration_s:g} s{self.connections_note()}"
        )

    @property
    def in_flight(self) -> int:
        return self.users


async def user(run: Runner, think_min_s: float, think_max_s: float, until_s: float) -> None:
    """One closed-loop user: request, wait for the answer, think; until `until_s`."""
    while run.elapsed() < until_s and run.issued < MAX_REQUESTS:
        await run.request(run.next_index())
        think = random.uniform(think_min_s, think_max_s)
        if run.elapsed() + think >= until_s:
            return
        await asyncio.sleep(think)


async def drive(run: Runner, arrival: Users) -> None:
    async with asyncio.TaskGroup() as group:
        for _ in range(arrival.users):
            group.create_task(
                user(run, arrival.think_min_s, arrival.think_max_s, arrival.duration_s)
            )


def predict(model: QueueModel, arrival: Users) -> Prediction:
    """Each user's cycle is one service and one mean think; the slots cap the sum."""
    cycle = arrival.cycle_s(model)
    offered = arrival.users / cycle if cycle > 0 else math.inf
    throughput = min(offered, capacity_rps(model))
    return Prediction(
        makespan_s=arrival.duration_s + model.service_s,
        throughput_rps=throughput if throughput < math.inf else None,
        formula=f"min(U={arrival.users:,} / {cycle:.2f} s per cycle, {capacity_text(model)})"
        f" = {throughput:,.1f} req/s for {arrival.duration_s:g} s",
        costs=model.costs(arrival.kept_alive),
        model_text="min(U / (service + mean think), slots / service) req/s for T",
    )


LOAD = LoadModel(
    arrival=Users, title="Users: U users who think between requests", drive=drive, predict=predict
)
