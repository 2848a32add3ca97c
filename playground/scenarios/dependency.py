"""Dependencies: an `async def` endpoint whose dependency looks the user up for `lookup_ms`.

This scenario demonstrates:
- FastAPI runs a plain `def` dependency in its threadpool, whatever the endpoint is: an
  `async def` endpoint with a blocking `def` dependency queues for threads, in waves as wide
  as the pool, exactly like a `def` endpoint;
- the same lookup written as an `async def` dependency that awaits stays on the event loop:
  every request looks up at once;
- a trivial `def` dependency (it returns at once) costs only the hop to a thread and back:
  cheap, until something else holds every thread and it has to queue for one too.

A dependency runs before the endpoint's body, so its time shows before the handler began;
the lookup reports when it ran, and on which thread, as a part of the request.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from time import perf_counter
from typing import Annotated

from fastapi import Depends, Request

from playground.lab.timing import add_span, thread_label
from playground.scenarios import models
from playground.scenarios.base import Param, Scenario, Variant
from playground.settings import LabSettings

USER_ID = 42


@dataclass(frozen=True)
class User:
    name: str
    looked_up: tuple[float, float, str]
    """When the lookup began and ended, and the thread it ran on: the request's part."""


async def sync_dependency(user: Annotated[User, Depends(blocking_lookup)]) -> dict[str, str]:
    add_span("lookup", *user.looked_up)
    return {"user": user.name}


async def async_dependency(user: Annotated[User, Depends(awaited_lookup)]) -> dict[str, str]:
    add_span("lookup", *user.looked_up)
    return {"user": user.name}


async def trivial_sync_dependency(
    user: Annotated[User, Depends(awaited_lookup)],
    settings: Annotated[LabSettings, Depends(lab_settings)],
) -> dict[str, str]:
    add_span("lookup", *user.looked_up)
    return {"user": user.name, "threadpool": str(settings.threadpool)}


def blocking_lookup(lookup_ms: int) -> User:
    """A `def` dependency with a blocking call: FastAPI runs it in the threadpool."""
    began = perf_counter()
    time.sleep(lookup_ms / 1000)  # a blocking client: a query, a cache read, a token check
    return User(f"user {USER_ID}", (began, perf_counter(), thread_label()))


async def awaited_lookup(lookup_ms: int) -> User:
    """The same lookup with an async client: it waits on the event loop."""
    began = perf_counter()
    await asyncio.sleep(lookup_ms / 1000)
    return User(f"user {USER_ID}", (began, perf_counter(), thread_label()))


def lab_settings(request: Request) -> LabSettings:
    """A `def` dependency with nothing to wait for: only the hop to a thread and back."""
    settings: LabSettings = request.app.state.settings
    return settings


_lookup_s = models.param_s("lookup_ms")


SCENARIO = Scenario(
    id="dependency",
    name="Dependencies",
    summary="An `async def` endpoint that looks the user up in a dependency first.",
    params=(
        Param(
            "lookup_ms",
            "Lookup time",
            "ms",
            default=100,
            min=0,
            max=5_000,
            help="How long the dependency's lookup takes.",
        ),
    ),
    variants=(
        Variant(
            id="sync-dependency",
            label="async def + def dependency",
            endpoint=sync_dependency,
            helpers=(blocking_lookup,),
            sync_dependency=True,
            explanation=(
                "The endpoint is `async def`, but its dependency is a plain `def` with a "
                "blocking lookup, and FastAPI runs every `def` dependency in its threadpool of "
                "{threadpool}. So this 'async' endpoint queues for threads like a `def` "
                "endpoint: {threadpool} lookups at a time, the rest waiting for a free thread."
            ),
            model=models.threadpool(_lookup_s),
            model_text="ceil(N / min(C, threadpool = {threadpool})) × lookup",
        ),
        Variant(
            id="async-dependency",
            label="async def + async def dependency",
            endpoint=async_dependency,
            helpers=(awaited_lookup,),
            explanation=(
                "The same lookup as an `async def` dependency that awaits: it runs on the event "
                "loop with the endpoint, takes no thread, and every request looks up at once."
            ),
            model=models.unlimited(_lookup_s),
            model_text="ceil(N / C) × lookup",
        ),
        Variant(
            id="trivial-sync-dependency",
            label="async def + trivial def dependency",
            endpoint=trivial_sync_dependency,
            helpers=(awaited_lookup, lab_settings),
            sync_dependency=True,
            explanation=(
                "A `def` dependency with nothing to wait for still hops to a thread and back, "
                "but gives the thread back at once: the {threadpool} threads are never all busy "
                "and the lookups overlap on the loop. The hop is cheap until something else "
                "holds every thread; then even this one waits for a thread."
            ),
            model=models.unlimited(_lookup_s, loop=(models.THREAD_HOP,)),
            model_text="ceil(N / C) × lookup, and a thread hop a request on the loop",
        ),
    ),
)
