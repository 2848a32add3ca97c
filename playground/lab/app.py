"""The lab's app factory: every scenario's variants as real endpoints, a ping, and its own facts.

Routes (each behind the `Guard`: the secret its supervisor gave it, a loopback Host):
- `GET /s/{scenario}/{variant}?param=...` — a variant's endpoint, its JSON wrapped with timing;
  params outside the scenario's limits get a 422 before the endpoint runs;
- `GET /ping` — the bystander: an `async def` that returns at once, unless the loop is blocked;
- `GET /info` — the lab's pools, read from the running lab, and what it calibrated at start;
- `GET /health` — checks the scenarios' helpers (the upstream, the process pool), restarting a
  dead one, before a run;
- `GET /clock` — the lab's `perf_counter()`, to check it agrees with the harness's.

What the scenarios open in the lab's lifespan lives on `app.state`, never in module globals.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from time import perf_counter
from typing import Any

import anyio.to_thread
from fastapi import Depends, FastAPI

from playground.heap import freeze_the_start
from playground.lab.calibrate import calibrate_requests
from playground.lab.contract import Contract
from playground.lab.guard import Guard
from playground.lab.info import read_lab_info
from playground.lab.limits import within_limits
from playground.lab.phases import ArrivalStamp
from playground.lab.sampler import Activity, CountRequests, lab_sampler
from playground.lab.timing import timed
from playground.scenarios import SCENARIOS, lab_path


def create_lab_app(contract: Contract | None = None) -> FastAPI:
    """Build the lab. With no contract, read it from the environment its supervisor set."""
    contract = contract or Contract.from_env()
    settings = contract.settings
    activity = Activity()  # requests in flight: the lanes are sampled meanwhile

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.threadpool
        freeze_the_start()  # the imports, so the calibration meets the heap a run meets
        async with AsyncExitStack() as stack:
            sampler = lab_sampler(activity, contract.lanes)
            await stack.enter_async_context(sampler)
            for scenario in SCENARIOS.values():
                if scenario.lab_lifespan is not None:
                    await stack.enter_async_context(scenario.lab_lifespan(app))
            scenario_paths = {
                name: path
                for scenario in SCENARIOS.values()
                for name, path in scenario.timed_paths().items()
            }
            app.state.calibration.update(
                await calibrate_requests(app, contract.headers, scenario_paths)
            )
            freeze_the_start()  # the calibration too: not walked by a collection mid-run
            yield

    app = FastAPI(title="Async Playground lab", lifespan=lifespan)
    app.add_middleware(Guard, secret=contract.secret)
    app.add_middleware(ArrivalStamp)  # each request's `arrived` stamp
    app.add_middleware(CountRequests, activity=activity)
    app.state.settings = settings  # scenarios size their pools from it
    app.state.calibration = {}  # and report what they measured at start into it

    @app.get("/ping")
    async def ping() -> dict[str, str]:
        return {"pong": "ok"}

    @app.get("/info")
    async def info() -> dict[str, Any]:
        return read_lab_info(
            workers=settings.workers,
            processes=settings.processes,
            calibration=app.state.calibration,
        ).to_json()

    @app.get("/health")
    async def health() -> dict[str, Any]:
        """Check every scenario's helpers, restarting what died; says what was repaired, and
        how many other requests this worker still holds."""
        repaired = []
        for scenario in SCENARIOS.values():
            if scenario.lab_check is not None:
                note = await scenario.lab_check(app)
                if note:
                    repaired.append(f"{scenario.id}: {note}")
        return {"repaired": repaired, "in_flight": activity.in_flight - 1}

    @app.get("/clock")
    async def clock() -> dict[str, float]:
        return {"perf_counter": perf_counter()}

    for scenario in SCENARIOS.values():
        for variant in scenario.variants:
            app.add_api_route(
                lab_path(scenario.id, variant.id),
                timed(variant.endpoint),
                methods=["GET"],
                response_model=None,  # the body is the endpoint's result plus its timing
                dependencies=[Depends(within_limits(scenario.params))],
                name=f"{scenario.id}:{variant.id}",
            )
    return app
