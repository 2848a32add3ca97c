"""The HTML pages and the partials htmx swaps into them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError

from playground.api import cancel_answer, delete_run
from playground.bounds import Before, RunId, RunIds, SeriesQuery
from playground.errors import RunNotFound, validation_messages
from playground.guess import GUESS_REQUIRED, shape_choices
from playground.load import LOAD_MODELS
from playground.predict import predict
from playground.runs import RunManager
from playground.scenarios import SCENARIOS, Scenario
from playground.schemas import LabSettingsIn, RunLabels, RunRequest, SeriesRequest
from playground.series import SeriesNotFound, SeriesRunner
from playground.settings import LabSettings
from playground.store import RunRecord, RunStore
from playground.supervisor import LabSupervisor

DEFAULT_SCENARIO = "sleep"
DEFAULT_LOAD = "burst"
PARAM_PREFIX = "param."
MAX_COMPARED = 4
HISTORY_PAGE = 50
SPAN_MARGIN = 1.05
"""A timeline spans its run and a little more, so the last bar does not touch the edge."""
PREDICT_FIRST = "predict_first"
"""The form's switch: guess before the run, the answer hidden until revealed."""
SWITCH_ON = frozenset({"1", "on", "true", "yes"})


def predicting_first(form: Mapping[str, str]) -> bool:
    return form.get(PREDICT_FIRST, "").strip().lower() in SWITCH_ON


def guess_from_form(form: Mapping[str, str]) -> dict[str, str] | None:
    """The guess the form commits, when predict first is on: a makespan, else a shape."""
    if not predicting_first(form):
        return None
    makespan = form.get("guess_makespan", "").strip()
    if makespan:
        return {"kind": "makespan", "value": makespan}
    shape = form.get("guess_shape", "").strip()
    return {"kind": "shape", "value": shape} if shape else None


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
    guess = guess_from_form(form)
    return RunRequest.model_validate(
        {
            "scenario": form.get("scenario", ""),
            "variant": form.get("variant") or (scenario.variants[0].id if scenario else ""),
            "arrival": arrival,
            "params": params,
            **({"guess": guess} if guess else {}),
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


@dataclass(frozen=True)
class LinkedForm:
    """The run form as a link sets it."""

    scenario: Scenario
    values: dict[str, Any]
    """What each field shows: the link's text as given, the scenario's defaults elsewhere."""
    errors: list[str]
    """The form's own messages for what the link sets wrong; empty when all is valid."""


def form_values_from_query(query: Mapping[str, str]) -> LinkedForm:
    """The run form a link reopens, e.g. `/?scenario=fan-out&variant=gather&model=burst
    &requests=10&concurrency=10&database_ms=200`: the scenario, variant, load model, each of
    the load models' fields (`playground.load`), the scenario's parameters by name (`delay_ms`
    or `param.delay_ms`) and `predict_first` (1 or 0). Starts from the scenario's defaults,
    keeps each value as the link spells it so the form shows exactly that, and runs nothing.
    Keys it does not know are left to others (`present`, a lesson's); an unknown scenario
    falls back to the default one, named in `errors` with every other invalid value."""
    wanted = query.get("scenario", DEFAULT_SCENARIO)
    scenario = SCENARIOS.get(wanted, SCENARIOS[DEFAULT_SCENARIO])
    values = form_values(None, scenario)
    load_fields = {spec.name for load in LOAD_MODELS.values() for spec in load.fields}
    for key in ("variant", "model", *load_fields):
        if key in query:
            values[key] = query[key]
    for param in scenario.params:
        for key in (param.name, f"{PARAM_PREFIX}{param.name}"):
            if key in query:
                values[f"{PARAM_PREFIX}{param.name}"] = query[key]
    if PREDICT_FIRST in query:
        values[PREDICT_FIRST] = "1" if predicting_first(query) else "0"
    flat = {key: str(value) for key, value in values.items() if value is not None}
    try:
        request_from_form({**flat, "scenario": wanted, PREDICT_FIRST: ""})
    except ValidationError as error:
        return LinkedForm(scenario, values, error_messages(error))
    return LinkedForm(scenario, values, [])


def time_span(record: RunRecord) -> float:
    """How long a run's timeline must be to show both what happened and what was predicted."""
    measured = record.summary["makespan_s"] if record.summary else 0.0
    predicted = record.prediction["makespan_s"] if record.prediction else 0.0
    return max(measured, predicted)


def bystander_max(records: list[RunRecord]) -> float:
    """The worst bystander latency of any of these runs, in ms: one scale for all their strips."""
    return max(
        (record.summary["bystander_max_ms"] for record in records if record.summary), default=0.0
    )


def pages_router(
    *,
    templates: Jinja2Templates,
    store: RunStore,
    runs: RunManager,
    series_runner: SeriesRunner,
    lab: LabSupervisor,
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

    def page_context(
        record: RunRecord | None, scenario_id: str, linked: LinkedForm | None = None
    ) -> dict[str, Any]:
        run_request = RunRequest.model_validate(record.request) if record else None
        scenario = SCENARIOS.get(scenario_id, SCENARIOS[DEFAULT_SCENARIO])
        values = linked.values if linked else form_values(run_request, scenario)
        flat = {key: str(value) for key, value in values.items() if value is not None}
        context = {
            "scenarios": SCENARIOS,
            "values": values,
            "record": record,
            "lab_supervisor": lab,
            "shapes": shape_choices(lab.info),
            **variant_context({**flat, "scenario": scenario.id}),
        }
        if linked and linked.errors:
            context["errors"] = linked.errors
            context.pop("prediction", None)
        return context

    async def history_context(before: int | None = None) -> dict[str, Any]:
        page = await store.page_of_runs(HISTORY_PAGE, before)
        return {
            "history": page.runs,
            "next_before": page.next_before,
            "before": before,
            "max_compared": MAX_COMPARED,
        }

    @router.get("/")
    async def index(request: Request) -> Response:
        """The playground; its query string may set every field of the form (a link that
        reopens a prepared scenario: `form_values_from_query`), never starting a run."""
        linked = form_values_from_query(request.query_params)
        history = await history_context()
        context = page_context(None, linked.scenario.id, linked)
        return render(request, "index.html", **history, **context)

    @router.get("/runs/{run_id}")
    async def run_page(request: Request, run_id: RunId) -> Response:
        record = await store.get_run(run_id)
        if record is None:
            raise RunNotFound(run_id)
        history = await history_context()
        context = page_context(record, record.scenario)
        return render(request, "index.html", **history, **context)

    @router.get("/compare")
    async def compare(
        request: Request, runs: RunIds = None, series: SeriesQuery = None
    ) -> Response:
        context: dict[str, Any] = {"records": [], "max_compared": MAX_COMPARED}
        if series is not None:
            found = await store.get_series(series)
            if found is None:
                raise SeriesNotFound(series)
            live = series_runner.live(series)
            context["series"] = found
            context["series_status"] = live.status if live is not None else found.status
            ids = found.run_ids
        else:
            ids = sorted(set(runs or []))
            if len(ids) > MAX_COMPARED:
                errors = [f"compare at most {MAX_COMPARED} runs; you ticked {len(ids)}"]
                return render(request, "compare.html", 422, errors=errors, **context)
        records = [record for run_id in ids if (record := await store.get_run(run_id))]
        if len(records) < (1 if series is not None else 2):
            errors = [f"tick 2 to {MAX_COMPARED} stored runs to compare"]
            return render(request, "compare.html", 422, errors=errors, **context)
        own_spans = {record.id: time_span(record) * SPAN_MARGIN for record in records}
        return render(
            request,
            "compare.html",
            **{
                **context,
                "records": records,
                "shared_span": max(own_spans.values()),
                "own_spans": own_spans,
                "bystander_max": bystander_max(records),
            },
        )

    @router.get("/partials/form")
    async def form_partial(request: Request, scenario: str = DEFAULT_SCENARIO) -> Response:
        return render(request, "_form.html", **page_context(None, scenario))

    @router.get("/partials/variant")
    async def variant_partial(request: Request) -> Response:
        form = {key: str(value) for key, value in request.query_params.items()}
        return render(request, "_variant.html", **variant_context(form))

    @router.get("/partials/history")
    async def history_partial(request: Request, before: Before = None) -> Response:
        """The history, newest first, a page at a time: `before` lists the runs older than it."""
        return render(request, "_history.html", **await history_context(before))

    @router.delete("/runs/{run_id}")
    async def delete_run_page(run_id: RunId) -> Response:
        """The history's delete button: like `DELETE /api/runs/{id}`, then the history redraws."""
        await delete_run(store, runs, run_id)
        return Response(status_code=204, headers={"HX-Trigger": "runs-changed"})

    @router.post("/runs/{run_id}/labels")
    async def label_run(request: Request, run_id: RunId) -> Response:
        """The inline title and note form: like `PATCH /api/runs/{id}`, answering `_labels.html`."""
        form = {key: str(value) for key, value in (await request.form()).items()}
        try:
            labels = RunLabels.model_validate(
                {key: form[key] for key in ("title", "note") if key in form}
            )
        except ValidationError as error:
            return render(request, "_errors.html", 422, errors=error_messages(error))
        record = await store.label_run(run_id, labels.changes())
        if record is None:
            raise RunNotFound(run_id)
        response = render(request, "_labels.html", record=record)
        response.headers["HX-Trigger"] = "runs-changed"
        return response

    @router.post("/series")
    async def start_series(request: Request) -> Response:
        """The form's "Run every variant": the series starts and the page opens its comparison."""
        form = {key: str(value) for key, value in (await request.form()).items()}
        try:
            run_request = request_from_form(form)
            body = SeriesRequest.model_validate(
                run_request.model_dump(exclude={"variant", "guess"}), strict=False
            )
            series = await series_runner.start(body)
        except ValidationError as error:
            return render(request, "_errors.html", 422, errors=error_messages(error))
        return Response(status_code=204, headers={"HX-Redirect": f"/compare?series={series.id}"})

    @router.post("/runs")
    async def start_run(request: Request) -> Response:
        form = {key: str(value) for key, value in (await request.form()).items()}
        if predicting_first(form) and guess_from_form(form) is None:
            return render(request, "_errors.html", 422, errors=[GUESS_REQUIRED])
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
