"""Waiting: the plainest lesson. Each request waits `delay_ms`, the way a slow query or call would.

This scenario demonstrates:
- `def` runs in FastAPI's threadpool: waits overlap, in waves as wide as the pool;
- `async def` with `await asyncio.sleep` overlaps every request on one event loop;
- `async def` with a blocking `time.sleep` freezes the loop: one request at a time,
  and every other request, even a trivial one, waits;
- `await run_in_threadpool(...)` is the fix: the blocking call moves to the threadpool.
"""

from __future__ import annotations

import asyncio
import time

from starlette.concurrency import run_in_threadpool

from playground.lab.timing import span
from playground.scenarios import models
from playground.scenarios.base import Param, Scenario, Variant


def sync(delay_ms: int) -> dict[str, int]:
    time.sleep(delay_ms / 1000)
    return {"waited_ms": delay_ms}


async def async_(delay_ms: int) -> dict[str, int]:
    await asyncio.sleep(delay_ms / 1000)
    return {"waited_ms": delay_ms}


async def async_blocking(delay_ms: int) -> dict[str, int]:
    time.sleep(delay_ms / 1000)  # blocks the event loop: nothing else runs meanwhile
    return {"waited_ms": delay_ms}


async def async_offload(delay_ms: int) -> dict[str, int]:
    await run_in_threadpool(blocking_wait, delay_ms / 1000)
    return {"waited_ms": delay_ms}


def blocking_wait(seconds: float) -> None:
    with span("worker thread"):  # reports when the worker thread began and ended
        time.sleep(seconds)


_delay = models.param_s("delay_ms")


SCENARIO = Scenario(
    id="sleep",
    name="Waiting",
    summary="Each request waits, like a slow query or an API call would. Nothing else to it.",
    params=(
        Param(
            "delay_ms",
            "Delay",
            "ms",
            default=200,  # long beside what each request costs the harness and the lab
            min=0,
            max=10_000,
            help="How long each request waits.",
        ),
    ),
    # Two waves of the default threadpool for `def`, and the pitfall over in seconds.
    default_load={"model": "burst", "requests": 60},
    variants=(
        Variant(
            id="sync",
            label="def",
            endpoint=sync,
            explanation=(
                "A plain `def` endpoint does not handle one request at a time, whatever tutorials "
                "say: FastAPI runs it in a threadpool, so up to {threadpool} requests wait side by "
                "side. Only past {threadpool} at once do the rest queue, and the timeline shows "
                "waves."
            ),
            model=models.threadpool(_delay),
            model_text="ceil(N / min(C, threadpool = {threadpool})) × delay",
        ),
        Variant(
            id="async",
            label="async def",
            endpoint=async_,
            explanation=(
                "`await asyncio.sleep` hands the event loop back while it waits, like a waiter "
                "who takes the next order instead of standing at the kitchen door. Every request "
                "waits at the same time; the makespan is one delay, however many come."
            ),
            model=models.unlimited(_delay),
            model_text="ceil(N / C) × delay",
        ),
        Variant(
            id="async-blocking",
            label="async def + time.sleep",
            endpoint=async_blocking,
            explanation=(
                "The pitfall: `time.sleep` inside `async def` blocks the one event loop. Requests "
                "run strictly one after another, and the bystander's trivial ping waits too: the "
                "whole server is frozen, worse than a plain `def`."
            ),
            model=models.event_loops(_delay),
            model_text="ceil(N / workers) × delay: one request at a time per event loop",
        ),
        Variant(
            id="async-offload",
            label="async def + run_in_threadpool",
            endpoint=async_offload,
            helpers=(blocking_wait,),
            explanation=(
                "The fix when a blocking call must stay: `run_in_threadpool` moves it to the same "
                "threadpool a `def` endpoint uses, and the loop stays free. It behaves like `def`, "
                "in waves of {threadpool}."
            ),
            model=models.threadpool(_delay),
            model_text="ceil(N / min(C, threadpool = {threadpool})) × delay",
        ),
    ),
)
