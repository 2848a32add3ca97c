"""The JSON API: scenarios, runs, their events. The page, the tests and scripts use it."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, HTTPException, Request, Response, status
from fastapi.concurrency import run_in_threadpool
from sse_starlette import EventSourceResponse

from playground.bounds import Before, HistoryLimit, RunId, SeriesId
from playground.errors import RunNotFound
from playground.exports import (
    FORMATS,
    NoLocustEquivalent,
    StillRunning,
    load_export,
    unknown_format_message,
)
from playground.lab.info import LabInfo
from playground.load import LOAD_MODELS
from playground.runs import RunInProgress, RunManager, summary_of
from playground.scenarios import SCENARIOS, Scenario
from playground.schemas import Created, LabSettingsIn, RunLabels, RunRequest, SeriesRequest
from playground.series import SeriesNotFound, SeriesRunner
from playground.settings import LabSettings
from playground.store import RunRecord, RunStore, SeriesRecord
from playground.stream import RenderSummary, RunStreams
from playground.strict_json import StrictJSONRoute
from playground.supervisor import LabSupervisor


def scenario_json(scenario: Scenario, lab: LabInfo | None) -> dict[str, Any]:
    """A scenario, its texts rendered with the facts of the lab running now."""
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
                "explanation": variant.explain(lab),
                "model": variant.model_line(lab),
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
        "title": record.title,
        "note": record.note,
        "series_id": record.series_id,
    }


def series_json(record: SeriesRecord, series_runner: SeriesRunner) -> dict[str, Any]:
    """A series: its variants in order, its runs so far, and which one is running now."""
    live = series_runner.live(record.id)
    current = live.current if live is not None else None
    return {
        "id": record.id,
        "created_at": record.created_at,
        "scenario": record.scenario,
        "variants": record.variants,
        "status": live.status if live is not None else record.status,
        "error": live.error if live is not None else record.error,
        "runs": record.run_ids,
        "current": current.id if current is not None else None,
    }


async def delete_run(store: RunStore, runs: RunManager, run_id: int) -> None:
    """Delete a run that has ended; 409 while it runs, 404 if there is none."""
    record = await store.get_run(run_id)
    if record is None:
        raise RunNotFound(run_id)
    live = runs.live(run_id)
    if record.status == "running" or (live is not None and not live.ended):
        raise RunInProgress(run_id)
    if not await store.delete_run(run_id):
        raise RunNotFound(run_id)  # deleted meanwhile


async def cancel_answer(runs: RunManager, run_id: int) -> dict[str, Any]:
    """Stop a run: answers `cancelling` at once; it then ends `cancelled`. A run that has
    ended (or is ending otherwise) gets a 409 naming its status. The page's button uses it too."""
    return {"id": run_id, "status": await runs.cancel(run_id)}


def api_router(
    *,
    store: RunStore,
    runs: RunManager,
    series_runner: SeriesRunner,
    lab: LabSupervisor,
    render_summary: RenderSummary,
) -> APIRouter:
    router = APIRouter(prefix="/api", tags=["api"], route_class=StrictJSONRoute)
    streams = RunStreams(find_live=runs.live, store=store, render_summary=render_summary)

    async def record_or_404(run_id: int) -> RunRecord:
        record = await store.get_run(run_id)
        if record is None:
            raise RunNotFound(run_id)
        return record

    @router.get("/scenarios")
    async def list_scenarios() -> dict[str, Any]:
        return {
            "scenarios": [scenario_json(scenario, lab.info) for scenario in SCENARIOS.values()],
            "arrival": {load.id: load.to_json() for load in LOAD_MODELS.values()},
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
        await runs.reconfigure(LabSettings(**body.model_dump()))
        return lab_json()

    @router.post("/runs", status_code=status.HTTP_201_CREATED)
    async def start_run(body: RunRequest) -> Created:
        live = await runs.start(body)
        return Created(id=live.id)

    @router.get("/runs")
    async def list_runs(limit: HistoryLimit = 50, before: Before = None) -> dict[str, Any]:
        """Runs newest first; `next_before` lists the page after (None on the last)."""
        page = await store.page_of_runs(limit, before)
        return {
            "runs": [run_brief(record) for record in page.runs],
            "next_before": page.next_before,
        }

    @router.delete("/runs/{run_id}", status_code=status.HTTP_204_NO_CONTENT)
    async def delete_run_route(run_id: RunId) -> Response:
        """Delete a run and everything measured of it; refused (409) while it runs."""
        await delete_run(store, runs, run_id)
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    @router.patch("/runs/{run_id}")
    async def label_run(run_id: RunId, body: RunLabels) -> dict[str, Any]:
        """Give a run a title or a note (a field left out stays, an empty one is cleared)."""
        record = await store.label_run(run_id, body.changes())
        if record is None:
            raise RunNotFound(run_id)
        return run_brief(record)

    @router.post("/series", status_code=status.HTTP_201_CREATED)
    async def start_series(body: SeriesRequest) -> dict[str, Any]:
        """Run every variant of the scenario one after another with the same load and params;
        refused (409) while a run or another series goes."""
        series = await series_runner.start(body)
        return {
            "id": series.id,
            "runs": [run.id for run in series.runs],
            "variants": [request.variant for request in series.requests],
        }

    @router.get("/series/{series_id}")
    async def get_series(series_id: SeriesId) -> dict[str, Any]:
        record = await store.get_series(series_id)
        if record is None:
            raise SeriesNotFound(series_id)
        return series_json(record, series_runner)

    @router.post("/series/{series_id}/cancel")
    async def cancel_series(series_id: SeriesId) -> dict[str, Any]:
        """Cancel the series' current run and skip the variants not run yet."""
        return {"id": series_id, "status": await series_runner.cancel(series_id)}

    @router.get("/runs/{run_id}")
    async def get_run(run_id: RunId) -> dict[str, Any]:
        record = await record_or_404(run_id)
        body = {
            **run_brief(record),
            "request": record.request,
            "guess": record.guess,
            "lab": record.lab,
            "prediction": record.prediction,
        }
        measured = await runs.measured(run_id)
        if measured.run is None:
            return {
                **body,
                "timeline": measured.rows,
                "bystander": measured.pings,
                "lanes": measured.lanes,
            }
        return {
            **body,
            "status": "running",  # until it has ended and the lab is ready for the next
            "state": measured.run.state,
            "summary": summary_of(measured.run),
            "timeline": measured.rows,
            "bystander": measured.pings,
            "lanes": measured.lanes,
        }

    @router.post("/runs/{run_id}/cancel")
    async def cancel_run(run_id: RunId) -> dict[str, Any]:
        return await cancel_answer(runs, run_id)

    @router.get("/runs/{run_id}/events")
    async def run_event_stream(run_id: RunId, request: Request) -> EventSourceResponse:
        await record_or_404(run_id)
        return EventSourceResponse(streams.events(run_id), ping=15)

    @router.get("/runs/{run_id}/export/{format_name}")
    async def export_run(run_id: RunId, format_name: str) -> Response:
        """The run as a file to download: one of `playground.exports.FORMATS`."""
        export_format = FORMATS.get(format_name)
        if export_format is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, unknown_format_message(format_name))
        try:
            export = await load_export(store, run_id, lab_url=lab.base_url or None)
        except StillRunning as error:
            raise HTTPException(status.HTTP_409_CONFLICT, str(error)) from error
        if export is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"there is no run {run_id}")
        try:
            # In a thread: a big run takes a while to draw, and the harness shares this loop.
            body = await run_in_threadpool(export_format.render, export)
        except NoLocustEquivalent as error:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY, str(error)) from error
        disposition = f'attachment; filename="{export_format.filename(export)}"'
        return Response(
            body,
            media_type=export_format.media_type,
            headers={"Content-Disposition": disposition},
        )

    return router
