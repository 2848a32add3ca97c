"""Fan-out: one request needs three things — a database row, a cache entry, an API answer.

This scenario demonstrates:
- three `await`s in a row take the sum of the three waits;
- `asyncio.gather` (or a `TaskGroup`) waits for all three at once: the slowest one decides;
- a `def` endpoint doing the three blocking calls in a row also takes the sum, in the
  threadpool; `async def` is only faster here when the code asks for the parts together.
"""

from __future__ import annotations

import asyncio
import time

from playground.lab.info import LabInfo
from playground.lab.timing import span
from playground.scenarios import models
from playground.scenarios.base import Param, Params, Scenario, Variant


async def sequential(database_ms: int, cache_ms: int, api_ms: int) -> dict[str, str]:
    user = await fetch("database", database_ms)
    settings = await fetch("cache", cache_ms)
    weather = await fetch("API", api_ms)
    return {"user": user, "settings": settings, "weather": weather}


async def gather(database_ms: int, cache_ms: int, api_ms: int) -> dict[str, str]:
    user, settings, weather = await asyncio.gather(
        fetch("database", database_ms),
        fetch("cache", cache_ms),
        fetch("API", api_ms),
    )
    return {"user": user, "settings": settings, "weather": weather}


async def taskgroup(database_ms: int, cache_ms: int, api_ms: int) -> dict[str, str]:
    async with asyncio.TaskGroup() as group:
        user = group.create_task(fetch("database", database_ms))
        settings = group.create_task(fetch("cache", cache_ms))
        weather = group.create_task(fetch("API", api_ms))
    return {"user": user.result(), "settings": settings.result(), "weather": weather.result()}


def sync(database_ms: int, cache_ms: int, api_ms: int) -> dict[str, str]:
    user = fetch_blocking("database", database_ms)
    settings = fetch_blocking("cache", cache_ms)
    weather = fetch_blocking("API", api_ms)
    return {"user": user, "settings": settings, "weather": weather}


async def fetch(part: str, ms: int) -> str:
    """Stands in for an async database query, cache read or API call that takes `ms`."""
    with span(part):  # reports when this part began and ended
        await asyncio.sleep(ms / 1000)
    return f"{part} answered after {ms} ms"


def fetch_blocking(part: str, ms: int) -> str:
    """The same part with a blocking client: the thread waits `ms`."""
    with span(part):
        time.sleep(ms / 1000)
    return f"{part} answered after {ms} ms"


def _parts(params: Params) -> list[float]:
    return [params[name] / 1000 for name in ("database_ms", "cache_ms", "api_ms")]


def _sum(params: Params, lab: LabInfo) -> float:
    return sum(_parts(params))


def _slowest(params: Params, lab: LabInfo) -> float:
    return max(_parts(params))


def _part(name: str, label: str, default: int, what: str) -> Param:
    return Param(name, label, "ms", default=default, min=0, max=5_000, help=what)


SCENARIO = Scenario(
    id="fan-out",
    name="Fan-out",
    summary="Each request needs three things: a database row, a cache entry, an API answer.",
    params=(
        _part("database_ms", "Database", 500, "How long the database query waits."),
        _part("cache_ms", "Cache", 300, "How long the cache read waits."),
        _part("api_ms", "API", 700, "How long the external API call waits."),
    ),
    # Few enough that each request's three parts can be read inside its bar.
    default_load={"model": "burst", "requests": 10},
    variants=(
        Variant(
            id="sequential",
            label="async def, await one by one",
            endpoint=sequential,
            helpers=(fetch,),
            explanation=(
                "Three `await`s in a row: the loop is free for other requests meanwhile, but "
                "this request asks for the cache only once the database has answered. Like a "
                "waiter who fetches the drinks, then the starters, then the bread: each request "
                "takes the sum, `async def` or not."
            ),
            model=models.unlimited(_sum),
            model_text="ceil(N / C) × (database + cache + API)",
        ),
        Variant(
            id="gather",
            label="async def + asyncio.gather",
            endpoint=gather,
            helpers=(fetch,),
            explanation=(
                "`asyncio.gather` starts all three and waits for them together, so a request "
                "takes as long as its slowest part, not the sum. This, not `async def` alone, is "
                "where async code saves time within one request."
            ),
            model=models.unlimited(_slowest),
            model_text="ceil(N / C) × max(database, cache, API)",
        ),
        Variant(
            id="taskgroup",
            label="async def + asyncio.TaskGroup",
            endpoint=taskgroup,
            helpers=(fetch,),
            explanation=(
                "A `TaskGroup` (Python 3.11+) runs the three at once like `gather`, so the "
                "slowest part decides; if one part fails, it cancels the others instead of "
                "leaving them running."
            ),
            model=models.unlimited(_slowest),
            model_text="ceil(N / C) × max(database, cache, API)",
        ),
        Variant(
            id="sync",
            label="def, blocking calls",
            endpoint=sync,
            helpers=(fetch_blocking,),
            explanation=(
                "A `def` endpoint with blocking clients calls the three one after another in its "
                "thread: each request takes the sum. Requests still overlap, up to the "
                "{threadpool} threads of the pool, so the server is not stuck; each request is "
                "just slow."
            ),
            model=models.threadpool(_sum),
            model_text="ceil(N / min(C, threadpool = {threadpool})) × (database + cache + API)",
        ),
    ),
)
