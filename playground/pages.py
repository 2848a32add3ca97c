"""The HTML pages and the partials htmx swaps into them."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError

from playground.api import cancel_answer
from playground.bounds import RunId, RunIds
from playground.errors import RunNotFound, validation_messages
from playground.load import LOAD_MODELS
from playground.predict import predict
from playground.runs import RunManager
from playground.scenarios import SCENARIOS, Scenario
from playground.schemas import LabSettingsIn, RunRequest
from playground.settings import LabSettings
from playground.store import RunRecord, RunStore
from playground.supervisor import LabSupervisor

DEFAULT_SCENARIO = "sleep"
DEFAULT_LOAD = "burst"
PARAM_PREFIX = "param."
MAX_COMPARED = 4


def request_from_form(form: dict[str, str]) -> RunRequest:
    """Build the API's request from the page's flat form; empty fields take their defaults.

    A form posts strings, so this validates laxly ("5" is 5), against the same limits."""
    scenario = SCENARIOS.get(form.get("scenario", ""))
    model = form.get("model", DEFAULT_LOAD)
    load = LOAD_MODELS.get(model)
    arrival: dict[str, Any] = {"model": model}
    for spec in load.fields if load else ():
        if form.get(spec.name, "").strip():
            arrival[spec.name] = form[spec.name].strip()
    params = {
        key.removeprefix(PARAM_PREFIX): value.strip()
        for key, value in form.items()
        if key.startswith(PARAM_PREFIX) and value.strip()
    }
    return RunRequest.model_validate(
        {
            "scenario": form.get("scenario", ""),
            "variant": form.get("variant") or (scenario.variants[0].id if scenario else ""),
            "arrival": arrival,
            "params": params,
        },
        strict=False,
    )


def error_messages(error: ValidationError) -> list[str]:
    return validation_messages(error.errors())


def form_values(request: RunRequest | None, scenario: Scenario) -> dict[str, Any]:
    """What the form shows: a stored run's settings, or the scenario's defaults, its load too (a
    load's knobs not in it show their declared defaults)."""
    values: dict[str, Any] = {"model": DEFAULT_LOAD, **scenario.default_load}
    values.update({f"{PARAM_PREFIX}{p.name}": p.default for p in scenario.params})
    values["variant"] = scenario.variants[0].id
    if request is not None:
        values["variant"] = request.variant
        values.update(request.arrival.model_dump(exclude_none=True))
        values.update({f"{PARAM_PREFIX}{k}": v for k, v in request.params.items()})
    return values


def time_span(record: RunRecord) -> float:
    """How long a run's timeline must be to show both what happened and what was predicted."""
    measured = record.summary["makespan_s"] if record.summary else 0.0
    predicted = record.prediction["makespan_s"] if record.prediction else 0.0
    return max(measured, predicted)


def pages_router(
    *, templates: Jinja2Templates, store: RunStore, runs: RunManager, lab: LabSupervisor
) -> APIRouter:
    router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)

    def render(request: Request, name: str, status_code: int = 200, **context: Any) -> Response:
        return templates.TemplateResponse(request, name, context, status_code=status_code)

    def variant_context(form: dict[str, str]) -> dict[str, Any]:
        scenario = SCENARIOS.get(form.get("scenario", ""), SCENARIOS[DEFAULT_SCENARIO])
        variant = scenario.variants_by_id.get(form.get("variant", ""), scenario.variants[0])
        context: dict[str, Any] = {"scenario": scenario, "variant": variant, "lab": lab.info}
        try:
            run_request = request_from_form(form)
        except ValidationError as error:
            context["errors"] = error_messages(error)
        else:
            if lab.info is not None:
                context["prediction"] = predict(run_request, lab.info)
        return context

    def page_context(record: RunRecord | None, scenario_id: str) -> dict[str, Any]:
        run_request = RunRequest.model_validate(record.request) if record else None
        scenario = SCENARIOS.get(scenario_id, SCENARIOS[DEFAULT_SCENARIO])
        values = form_values(run_request, scenario)
        flat = {key: str(value) for key, value in values.items()}
        return {
            "scenarios": SCENARIOS,
            "values": values,
            "record": record,
            "lab_supervisor": lab,
            **variant_context({**flat, "scenario": scenario.id}),
        }

    @router.get("/")
    async def index(request: Request, scenario: str = DEFAULT_SCENARIO) -> Response:
        history = await store.list_runs()
        return render(request, "index.html", history=history, **page_context(None, scenario))

    @router.get("/runs/{run_id}")
    async def run_page(request: Request, run_id: RunId) -> Response:
        record = await store.get_run(run_id)
        if record is None:
            raise RunNotFound(run_id)
        history = await store.list_runs()
        context = page_context(record, record.scenario)
        return render(request, "index.html", history=history, **context)

    @router.get("/compare")
    async def compare(request: Request, runs: RunIds = None) -> Response:
        records = [
            record
            for run_id in sorted(set(runs or []))[:MAX_COMPARED]
            if (record := await store.get_run(run_id))
        ]
        if len(records) < 2:
            errors = [f"tick 2 to {MAX_COMPARED} stored runs to compare"]
            return render(request, "compare.html", 422, records=[], errors=errors)
        shared_span = max(time_span(record) for record in records) * 1.05
        return render(request, "compare.html", records=records, shared_span=shared_span)

    @router.get("/partials/form")
    async def form_partial(request: Request, scenario: str = DEFAULT_SCENARIO) -> Response:
        return render(request, "_form.html", **page_context(None, scenario))

    @router.get("/partials/variant")
    async def variant_partial(request: Request) -> Response:
        form = {key: str(value) for key, value in request.query_params.items()}
        return render(request, "_variant.html", **variant_context(form))

    @router.get("/partials/history")
    async def history_partial(request: Request) -> Response:
        return render(request, "_history.html", history=await store.list_runs())

    @router.post("/runs")
    async def start_run(request: Request) -> Response:
        form = {key: str(value) for key, value in (await request.form()).items()}
        try:
            run_request = request_from_form(form)
            live = await runs.start(run_request)
        except ValidationError as error:
            return render(request, "_errors.html", 422, errors=error_messages(error))
        record = await store.get_run(live.id)
        response = render(request, "_run.html", record=record)
        response.headers["HX-Push-Url"] = f"/runs/{live.id}"
        response.headers["HX-Trigger"] = "runs-changed"
        return response

    @router.post("/lab")
    async def change_lab(request: Request) -> Response:
        form = {key: str(value) for key, value in (await request.form()).items()}
        try:
            settings = LabSettingsIn.model_validate(
                {key: value for key, value in form.items() if value.strip()}
            )
            await runs.reconfigure(LabSettings(**settings.model_dump()))
        except ValidationError as error:
            return render(request, "_errors.html", 422, errors=error_messages(error))
        response = render(request, "_lab.html", lab=lab, changed=True)
        response.headers["HX-Trigger"] = "lab-changed"
        return response

    @router.post("/runs/{run_id}/cancel", response_class=JSONResponse)
    async def cancel_run(run_id: RunId) -> dict[str, Any]:
        """The page's cancel button: answers like `POST /api/runs/{id}/cancel`."""
        return await cancel_answer(runs, run_id)

    return router
