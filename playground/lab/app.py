"""The lab's app factory: every scenario's variants as real endpoints, a ping, and its own facts.

Routes:
- `GET /s/{scenario}/{variant}?param=...` — a variant's endpoint, its JSON wrapped with timing;
- `GET /ping` — the bystander: an `async def` that returns at once, unless the loop is blocked;
- `GET /info` — the lab's pools, read from the running lab;
- `GET /clock` — the lab's `perf_counter()`, to check it agrees with the harness's.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from time import perf_counter
from typing import Any

import anyio.to_thread
from fastapi import FastAPI

from playground.lab.info import read_lab_info
from playground.lab.phases import ArrivalStamp
from playground.lab.sampler import Activity, CountRequests, lab_sampler
from playground.lab.timing import timed
from playground.scenarios import SCENARIOS
from playground.settings import LabSettings

ENV_PREFIX = "PLAYGROUND_LAB_"


def settings_to_env(settings: LabSettings) -> dict[str, str]:
    return {
        f"{ENV_PREFIX}THREADPOOL": str(settings.threadpool),
        f"{ENV_PREFIX}WORKERS": str(settings.workers),
        f"{ENV_PREFIX}PROCESSES": str(settings.processes),
    }


def settings_from_env() -> LabSettings:
    defaults = LabSettings()
    return LabSettings(
        threadpool=int(os.environ.get(f"{ENV_PREFIX}THREADPOOL", defaults.threadpool)),
        workers=int(os.environ.get(f"{ENV_PREFIX}WORKERS", defaults.workers)),
        processes=int(os.environ.get(f"{ENV_PREFIX}PROCESSES", defaults.processes)),
    )


def create_lab_app(settings: LabSettings | None = None) -> FastAPI:
    """Build the lab. With no settings, read them from the environment the supervisor set."""
    settings = settings or settings_from_env()
    activity = Activity()  # requests in flight: the lanes are sampled meanwhile

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.threadpool
        async with AsyncExitStack() as stack:
            await stack.enter_async_context(lab_sampler(activity))  # if a collector was named
            for scenario in SCENARIOS.values():
                if scenario.lab_lifespan is not None:
                    await stack.enter_async_context(scenario.lab_lifespan(app))
            yield

    app = FastAPI(title="Async Playground lab", lifespan=lifespan)
    app.add_middleware(ArrivalStamp)  # each request's `arrived` stamp
    app.add_middleware(CountRequests, activity=activity)
    app.state.settings = settings  # scenarios size their pools from it

    @app.get("/ping")
    async def ping() -> dict[str, str]:
        return {"pong": "ok"}

    @app.get("/info")
    async def info() -> dict[str, Any]:
        return read_lab_info(workers=settings.workers, processes=settings.processes).to_json()

    @app.get("/clock")
    async def clock() -> dict[str, float]:
        return {"perf_counter": perf_counter()}

    for scenario in SCENARIOS.values():
        for variant in scenario.variants:
            app.add_api_route(
                f"/s/{scenario.id}/{variant.id}",
                timed(variant.endpoint),
                methods=["GET"],
                response_model=None,  # the body is the endpoint's result plus its timing
                name=f"{scenario.id}:{variant.id}",
            )
    return app
