"""Rate: an open loop of R requests a second for T seconds, each sent on schedule whatever
came back before it."""

from __future__ import annotations

import asyncio
from typing import Literal

from pydantic import model_validator

from playground.load.base import (
    MAX_REQUESTS,
    LoadModel,
    Prediction,
    Runner,
    Timed,
    capacity_rps,
    capacity_text,
    duration_knob,
    knob,
)
from playground.scenarios.base import QueueModel

MIN_RATE_RPS = 0.1
MAX_RATE_RPS = 2_000.0


class Rate(Timed):
    """Open loop: R requests a second for T seconds, each on schedule whatever came back."""

    model: Literal["rate"] = "rate"
    rate_rps: float = knob(
        50.0,
        label="Rate",
        unit="req/s",
        help="Requests sent each second, on schedule.",
        ge=MIN_RATE_RPS,
        le=MAX_RATE_RPS,
    )
    duration_s: float = duration_knob(10.0, label="For", help="How long the schedule runs.")

    @model_validator(mode="after")
    def _total_within_cap(self) -> Rate:
        if self.total > MAX_REQUESTS:
            raise ValueError(
                f"rate × duration is {self.total:,} requests; at most {MAX_REQUESTS:,} per run"
            )
        return self

    def describe(self) -> str:
        return f"{self.rate_rps:g} req/s for {self.duration_s:g} s{self.connections_note()}"

    @property
    def in_flight(self) -> int:
        return 0  # open loop: as many as the schedule needs

    @property
    def total(self) -> int:
        return max(1, round(self.rate_rps * self.duration_s))


async def drive(run: Runner, arrival: Rate) -> None:
    async with asyncio.TaskGroup() as group:
        for n in range(arrival.total):
            await asyncio.sleep(max(0.0, n / arrival.rate_rps - run.elapsed()))
            group.create_task(run.request(run.next_index()))


def predict(model: QueueModel, arrival: Rate) -> Prediction:
    """The slots serve at most their capacity; beyond it the schedule backs up."""
    throughput = min(arrival.rate_rps, capacity_rps(model))
    busy = arrival.total / throughput
    return Prediction(
        makespan_s=max(arrival.duration_s, busy) + model.service_s,
        throughput_rps=throughput,
        formula=f"min(R={arrival.rate_rps:g}/s, {capacity_text(model)})"
        f" = {throughput:,.1f} req/s; {arrival.total:,} requests take {busy:.2f} s",
        costs=model.costs(arrival.kept_alive),
        model_text="max(T, R × T / min(R, slots / service)) + service",
    )


LOAD = LoadModel(
    arrival=Rate, title="Rate: R requests a second, on schedule", drive=drive, predict=predict
)
