"""Burst: N requests, at most C of them in flight at once; the run ends when all are answered."""

from __future__ import annotations

import asyncio
import math
from typing import Literal

from pydantic import model_validator

from playground.load.base import MAX_REQUESTS, LoadArrival, LoadModel, Prediction, Runner, knob, ms
from playground.scenarios.base import QueueModel

START_BATCH = 10
"""A burst starts this many requests, then lets the loop send what is connected."""


class Burst(LoadArrival):
    """N requests, at most C in flight at once."""

    model: Literal["burst"] = "burst"
    requests: int = knob(
        100, label="Requests", unit="N", help="How many requests.", ge=1, le=MAX_REQUESTS
    )
    concurrency: int | None = knob(
        None,
        label="Concurrency",
        unit="C",
        help="Most requests in flight at once; empty: all at once.",
        ge=1,
        le=MAX_REQUESTS,
        placeholder="all at once",
    )

    @model_validator(mode="after")
    def _concurrency_within_requests(self) -> Burst:
        if self.concurrency is not None and self.concurrency > self.requests:
            raise ValueError(
                f"concurrency ({self.concurrency:,}) cannot exceed requests ({self.requests:,}); "
                "leave it empty to send all at once"
            )
        return self

    def describe(self) -> str:
        return f"{self.requests:,} requests, {self.in_flight:,} at once{self.connections_note()}"

    @property
    def in_flight(self) -> int:
        return self.concurrency or self.requests

    @property
    def connection_per_request(self) -> bool:
        """N new clients: a request that starts after another has ended must not find that
        one's connection ready, or a fast endpoint's burst would accept far fewer than N."""
        return not self.kept_alive

    @property
    def planned_s(self) -> float:
        return 0.0

    @property
    def total(self) -> int:
        return self.requests


async def drive(run: Runner, arrival: Burst) -> None:
    gate = asyncio.Semaphore(arrival.in_flight)

    async def one() -> None:
        async with gate:
            await run.request(run.next_index())

    async with asyncio.TaskGroup() as group:
        for n in range(1, arrival.requests + 1):
            group.create_task(one())
            if n % START_BATCH == 0:
                # Without this, every request connects before the first one is written: the lab
                # would see nothing until the harness had opened all N connections.
                await asyncio.sleep(0)


def predict(model: QueueModel, arrival: Burst) -> Prediction:
    """The event loop's own work for every request, then the waves: ceil(N / slots) of them,
    each as long as one request's service.

    The two add up rather than overlap: the loop takes requests in one at a time, so the last
    wave cannot begin before the last request got through it, and a variant that holds the loop
    (one slot) is one request after another anyway. New connections: every request opens
    its own as the run goes; kept alive: all C were opened before the clock.
    """
    n, c = arrival.requests, arrival.in_flight
    slots = min(c, model.servers) if model.servers else c
    waves = math.ceil(n / slots)
    loop = model.loop_s(n, 0 if arrival.kept_alive else n)
    makespan = loop + waves * model.service_s
    limit = f"min(C={c:,}, {model.servers_label})" if model.servers else f"C={c:,}"
    return Prediction(
        makespan_s=makespan,
        throughput_rps=n / makespan if makespan > 0 else None,
        formula=f"N={n:,} × {ms(loop / n)} on the loop"
        f" + ceil(N / {limit}) = {waves:,} wave{'s' * (waves != 1)}"
        f" × {ms(model.service_s)} = {makespan:.2f} s",
        costs=model.costs(arrival.kept_alive),
    )


LOAD = LoadModel(
    arrival=Burst, title="Burst: N requests, C at a time", drive=drive, predict=predict
)
