"""The JSON API: scenarios, runs, their events. The page, the tests and scripts use it."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, HTTPException, Request, status
from sse_starlette import EventSourceResponse

from playground.runs import LiveRun, RunInProgress, RunManager
from playground.scenarios import SCENARIOS, Scenario
from playground.schemas import (
    MAX_DURATION_S,
    MAX_RATE_RPS,
    MAX_REQUESTS,
    MAX_THINK_S,
    MAX_USERS,
    Created,
    LabSettingsIn,
    RunRequest,
)
from playground.settings import LabSettings
from playground.stats import summarize
from playground.store import RunRecord, RunStore
from playground.stream import RenderSummary, run_events
from playground.supervisor import LabSupervisor, LabUnavailable

ARRIVAL_LIMITS = {
    "burst": {"requests": [1, MAX_REQUESTS], "concurrency": [1, MAX_REQUESTS]},
    "users": {
        "users": [1, MAX_USERS],
        "think_min_s": [0, MAX_THINK_S],
        "think_max_s": [0, MAX_THINK_S],
        "duration_s": [1, MAX_DURATION_S],
    },
    "rate": {"rate_rps": [0, MAX_RATE_RPS], "duration_s": [1, MAX_DURATION_S]},
}


def scenario_json(scenario: Scenario) -> dict[str, Any]:
    return {
        "id": scenario.id,
        "name": scenario.name,
        "summary": scenario.summary,
        "params": [asdict(param) for param in scenario.params],
        "variants": [
            {
                "id": variant.id,
                "label": variant.label,
                "kind": "async def" if variant.is_async else "def",
                "explanation": variant.explanation,
                "model": variant.model_text,
                "source": variant.source(),
            }
            for variant in scenario.variants
        ],
    }


def run_brief(record: RunRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "created_at": record.created_at,
        "scenario": record.scenario,
        "variant": record.variant,
        "status": record.status,
        "error": record.error,
        "summary": record.summary,
    }


def live_json(live: LiveRun) -> dict[str, Any]:
    rows = sorted(live.rows, key=lambda row: row["i"])
    return {
        "summary": summarize(rows, live.pings, live.prediction),
        "timeline": rows,
        "bystander": live.pings,
        "lanes": live.lanes,
    }


def api_router(
    *, store: RunStore, runs: RunManager, lab: LabSupervisor, render_summary: RenderSummary
) -> APIRouter:
    router = APIRouter(prefix="/api", tags=["api"])

    async def record_or_404(run_id: int) -> RunRecord:
        record = await store.get_run(run_id)
        if record is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"there is no run {run_id}")
        return record

    @router.get("/scenarios")
    async def list_scenarios() -> dict[str, Any]:
        return {
            "scenarios": [scenario_json(scenario) for scenario in SCENARIOS.values()],
            "arrival": ARRIVAL_LIMITS,
        }

    def lab_json() -> dict[str, Any]:
        return {
            "url": lab.base_url,
            "pid": lab.pid,
            "settings": asdict(lab.settings),
            "info": lab.info.to_json() if lab.info else None,
            "restarts": lab.restarts,
            "busy": runs.busy(),
        }

    @router.get("/lab")
    async def lab_state() -> dict[str, Any]:
        return lab_json()

    @router.put("/lab/settings")
    async def change_lab_settings(body: LabSettingsIn) -> dict[str, Any]:
        """Restart the lab with these settings; refused while a run is going."""
        try:
            await runs.reconfigure(LabSettings(**body.model_dump()))
        except RunInProgress as error:
            raise HTTPException(status.HTTP_409_CONFLICT, str(error)) from error
        except LabUnavailable as error:
            raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, str(error)) from error
        return lab_json()

    @router.post("/runs", status_code=status.HTTP_201_CREATED)
    async def start_run(body: RunRequest) -> Created:
        try:
            live = await runs.start(body)
        except RunInProgress as error:
            raise HTTPException(status.HTTP_409_CONFLICT, str(error)) from error
        except LabUnavailable as error:
            raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, str(error)) from error
        return Created(id=live.id)

    @router.get("/runs")
    async def list_runs(limit: int = 50) -> dict[str, Any]:
        return {"runs": [run_brief(record) for record in await store.list_runs(limit)]}

    @router.get("/runs/{run_id}")
    async def get_run(run_id: int) -> dict[str, Any]:
        record = await record_or_404(run_id)
        body = {
            **run_brief(record),
            "request": record.request,
            "lab": record.lab,
            "prediction": record.prediction,
        }
        live = runs.live(run_id)
        if live is not None and not live.finished.is_set():
            return {**body, **live_json(live)}
        return {
            **body,
            "timeline": await store.timeline(run_id),
            "bystander": await store.bystander(run_id),
            "lanes": await store.lanes(run_id),
        }

    @router.post("/runs/{run_id}/cancel")
    async def cancel_run(run_id: int) -> dict[str, Any]:
        record = await record_or_404(run_id)
        if not await runs.cancel(run_id):
            raise HTTPException(
                status.HTTP_409_CONFLICT, f"run {run_id} is not running (it is {record.status})"
            )
        return {"id": run_id, "status": "cancelled"}

    @router.get("/runs/{run_id}/events")
    async def run_event_stream(run_id: int, request: Request) -> EventSourceResponse:
        await record_or_404(run_id)
        return EventSourceResponse(
            run_events(run_id, runs=runs, store=store, render_summary=render_summary), ping=15
        )

    return router
