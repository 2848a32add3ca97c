"""The load models, each declared once: limits, defaults, descriptions, predictions, strict
JSON validation, and the form and `/api/scenarios` showing exactly what is declared.

In-process and fast: the app without its lifespan answers what needs no lab (validation, the
scenario list, the form partial)."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from playground.app import create_app
from playground.lab.info import LabInfo
from playground.load import LOAD_MODELS, Burst, Ramp, Rate, Users
from playground.load.ramp import served
from playground.pages import form_values, request_from_form
from playground.predict import predict
from playground.scenarios import SCENARIOS
from playground.schemas import RunRequest
from playground.settings import Settings
from playground.templating import make_templates

LAB = LabInfo(threadpool=40, default_executor=6, cores=2, workers=1, processes=2, pid=1)


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    """The real app, its lifespan not started: no lab, no store; validation runs before both."""
    settings = Settings(db_path=tmp_path / "runs.sqlite3")
    transport = httpx.ASGITransport(app=create_app(settings))
    async with httpx.AsyncClient(transport=transport, base_url=settings.url) as client:
        yield client


def body(arrival: dict[str, Any], params: Any = None) -> dict[str, Any]:
    return {
        "scenario": "sleep",
        "variant": "async",
        "arrival": arrival,
        "params": {"delay_ms": 200} if params is None else params,
    }


# The declarations.


def test_the_four_load_models_are_declared() -> None:
    assert list(LOAD_MODELS) == ["burst", "users", "rate", "ramp"]
    assert [load.arrival for load in LOAD_MODELS.values()] == [Burst, Users, Rate, Ramp]


@pytest.mark.parametrize("load_id", list(LOAD_MODELS))
def test_every_knob_has_limits_a_label_a_unit_help_and_a_default_within_them(
    load_id: str,
) -> None:
    load = LOAD_MODELS[load_id]
    assert load.fields
    for spec in load.fields:
        if spec.choices:  # a menu: connections
            assert spec.label and spec.help and spec.default in spec.choices, spec
            continue
        assert spec.label and spec.unit and spec.help, spec
        assert spec.min < spec.max
        assert spec.default is None or spec.min <= spec.default <= spec.max
    load.arrival()  # the defaults make a valid load


@pytest.mark.parametrize(
    ("name", "minimum"),
    [
        ("rate_rps", 0.1),
        ("duration_s", 1.0),
        ("think_min_s", 0.0),
        ("think_max_s", 0.0),
        ("requests", 1),
        ("users", 1),
        ("end_users", 1),
    ],
)
def test_every_rate_duration_and_count_has_a_sensible_minimum(name: str, minimum: float) -> None:
    declared = [s.min for load in LOAD_MODELS.values() for s in load.fields if s.name == name]
    assert declared and set(declared) == {minimum}


@pytest.mark.parametrize(
    ("arrival", "description", "in_flight", "planned_s", "total"),
    [
        (Burst(requests=100, concurrency=10), "100 requests, 10 at once", 10, 0.0, 100),
        (Burst(requests=50), "50 requests, 50 at once", 50, 0.0, 50),
        (
            Users(users=20, think_min_s=0, think_max_s=2, duration_s=5),
            "20 users, think 0–2 s, for 5 s",
            20,
            5.0,
            None,
        ),
        (Rate(rate_rps=2.5, duration_s=4), "2.5 req/s for 4 s", 0, 4.0, 10),
        (
            Ramp(start_users=2, end_users=30, duration_s=12, think_min_s=0.5, think_max_s=1),
            "2 → 30 users over 12 s, think 0.5–1 s",
            30,
            12.0,
            None,
        ),
    ],
)
def test_each_load_describes_itself_and_its_limits(
    arrival: Burst | Users | Rate | Ramp,
    description: str,
    in_flight: int,
    planned_s: float,
    total: int | None,
) -> None:
    assert arrival.describe() == description
    assert arrival.in_flight == in_flight
    assert arrival.planned_s == planned_s
    assert arrival.total == total


def test_a_ramp_adds_its_users_evenly_over_its_duration() -> None:
    ramp = Ramp(start_users=10, end_users=30, duration_s=10)
    joins = [ramp.joins_at(k) for k in range(20)]
    assert joins[0] == 0 and joins[-1] < 10
    assert joins == pytest.approx([k * 0.5 for k in range(20)])


# Predictions, one per load model.


def sleep_request(variant: str, arrival: dict[str, Any], delay_ms: int = 200) -> RunRequest:
    return RunRequest.model_validate({**body(arrival, {"delay_ms": delay_ms}), "variant": variant})


def test_burst_predicts_waves() -> None:
    prediction = predict(sleep_request("sync", {"model": "burst", "requests": 100}), LAB)
    assert prediction.makespan_s == pytest.approx(0.6)
    assert "ceil(N / min(C=100, 40 threads)) = 3 waves" in prediction.formula
    # the variant's own burst model fits, after every request's own work on the event loop
    assert prediction.model_text == "N × loop cost + ceil(N / min(C, threadpool = 40)) × delay"


def test_users_predict_their_own_formula_not_the_bursts() -> None:
    arrival = {"model": "users", "users": 300, "think_min_s": 1, "think_max_s": 3, "duration_s": 30}
    prediction = predict(sleep_request("sync", arrival, delay_ms=1000), LAB)
    assert prediction.throughput_rps == pytest.approx(40.0)
    assert prediction.formula.startswith("min(U=300 / 3.00 s per cycle, 40 threads / 1,000 ms")
    assert prediction.model_text and "ceil" not in prediction.model_text


def test_rate_predicts_a_backlog_beyond_capacity() -> None:
    arrival = {"model": "rate", "rate_rps": 20, "duration_s": 5}
    prediction = predict(sleep_request("async-blocking", arrival, delay_ms=100), LAB)
    assert prediction.throughput_rps == pytest.approx(10.0)
    assert prediction.makespan_s == pytest.approx(100 / 10 + 0.1)


@pytest.mark.parametrize(
    ("start_rps", "end_rps", "capacity", "expected"),
    [
        (0.0, 100.0, math.inf, 500.0),  # never capped: the triangle
        (10.0, 30.0, 40.0, 200.0),  # under capacity: the trapezoid
        (50.0, 80.0, 40.0, 400.0),  # over capacity throughout
        (0.0, 100.0, 50.0, 125.0 + 250.0),  # capped halfway: triangle to 50/s, then flat
    ],
)
def test_ramp_integrates_the_offered_load_capped_by_capacity(
    start_rps: float, end_rps: float, capacity: float, expected: float
) -> None:
    assert served(start_rps, end_rps, capacity, 10.0) == pytest.approx(expected)


def test_ramp_prediction_names_its_own_numbers() -> None:
    arrival = {
        "model": "ramp",
        "start_users": 0,
        "end_users": 300,
        "duration_s": 30,
        "think_min_s": 0.5,
        "think_max_s": 1.5,
    }
    sync = predict(sleep_request("sync", arrival), LAB)  # 40 threads / 200 ms = 200/s
    async_ = predict(sleep_request("async", arrival), LAB)  # no limit
    # 300 users / 1.2 s = 250/s at the end: capped at 200/s from 24 s on.
    assert sync.throughput_rps == pytest.approx((100 * 24 + 200 * 6) / 30)
    assert async_.throughput_rps == pytest.approx(125.0)
    assert sync.makespan_s == pytest.approx(30.2)
    for text in ("U(t)=0→300 users", "1.20 s per cycle", "40 threads / 200 ms", "over 30 s"):
        assert text in sync.formula
    assert "3,600 requests" in sync.formula
    assert sync.model_text and "U(t)" in sync.model_text


def test_a_ramp_with_no_think_and_no_service_time_is_unbounded_not_an_error() -> None:
    arrival = {"model": "ramp", "start_users": 0, "think_min_s": 0, "think_max_s": 0}
    prediction = predict(sleep_request("async", arrival, delay_ms=0), LAB)
    assert prediction.throughput_rps is None


# Strict validation in the JSON API, lax (same limits) in the form.


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        (body({"model": "burst", "requests": True}), "valid integer"),
        (body({"model": "burst", "requests": "5"}), "valid integer"),
        (body({"model": "burst", "requests": 2.5}), "valid integer"),
        (body({"model": "rate", "rate_rps": "5"}), "valid number"),
        (body({"model": "rate", "rate_rps": True}), "valid number"),
        (body({"model": "rate", "rate_rps": 5e-324}), "greater than or equal to 0.1"),
        (body({"model": "rate", "rate_rps": 0}), "greater than or equal to 0.1"),
        (body({"model": "users", "duration_s": 0.5}), "greater than or equal to 1"),
        (body({"model": "users", "think_min_s": -1}), "greater than or equal to 0"),
        (body({"model": "ramp", "end_users": 0, "start_users": 0}), "greater than or equal to 1"),
        (body({"model": "ramp", "start_users": 9, "end_users": 3}), "start_users (9) cannot"),
        (body({"model": "ramp", "think_min_s": 2, "think_max_s": 1}), "think_min_s (2.0) cannot"),
        (body({"model": "ramp", "users": 5}), "Extra inputs are not permitted"),
        (body({"model": "burst"}, {"delay_ms": True}), "valid integer"),
        (body({"model": "burst"}, {"delay_ms": "200"}), "valid integer"),
        (body({"model": "ramp", "end_users": 1_001}), "less than or equal to 1000"),
    ],
)
async def test_the_api_refuses_what_is_not_exactly_a_number_in_range(
    client: httpx.AsyncClient, payload: dict[str, Any], expected: str
) -> None:
    response = await client.post("/api/runs", json=payload)
    assert response.status_code == 422, response.text
    assert expected in response.text


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
async def test_the_api_refuses_nan_and_infinity(client: httpx.AsyncClient, literal: str) -> None:
    for arrival, params in [
        (f'{{"model": "rate", "rate_rps": {literal}}}', "{}"),
        (f'{{"model": "users", "duration_s": {literal}}}', "{}"),
        ('{"model": "burst"}', f'{{"delay_ms": {literal}}}'),
    ]:
        raw = (
            f'{{"scenario": "sleep", "variant": "async", "arrival": {arrival}, "params": {params}}}'
        )
        response = await client.post(
            "/api/runs", content=raw, headers={"content-type": "application/json"}
        )
        assert response.status_code == 422, response.text
        assert "is not a JSON number" in response.text  # refused as the body is read


async def test_the_api_takes_an_int_where_a_number_is_asked(client: httpx.AsyncClient) -> None:
    # Valid input passes validation and reaches the run manager, which has no lab here.
    response = await client.post(
        "/api/runs", json=body({"model": "rate", "rate_rps": 2, "duration_s": 3})
    )
    assert response.status_code == 503, response.text


def test_the_form_coerces_strings_within_the_same_limits() -> None:
    form = {
        "scenario": "sleep",
        "model": "ramp",
        "start_users": "2",
        "end_users": "20",
        "duration_s": "6.5",
        "think_min_s": "0",
        "think_max_s": "",  # empty: the declared default
        "param.delay_ms": "150",
    }
    request = request_from_form(form)
    assert request.arrival == Ramp(start_users=2, end_users=20, duration_s=6.5, think_min_s=0)
    assert request.params == {"delay_ms": 150}
    for bad, expected in [
        ({"model": "rate", "rate_rps": "0.05"}, "greater than or equal to 0.1"),
        ({"model": "rate", "rate_rps": "nan"}, "finite number"),
        ({"model": "users", "users": "1.5"}, "valid integer"),
    ]:
        with pytest.raises(ValidationError, match=expected):
            request_from_form({"scenario": "sleep", **bad})


# What the form and the API show: exactly the declarations.


class _Inputs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.fieldset: str | None = None
        self.inputs: dict[tuple[str, str], dict[str, str | None]] = {}
        self.options: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "fieldset":
            self.fieldset = attributes.get("data-model")
        elif tag == "input" and self.fieldset:
            self.inputs[(self.fieldset, attributes["name"] or "")] = attributes
        elif tag == "option" and attributes.get("value") in LOAD_MODELS:
            self.options.append(attributes["value"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "fieldset":
            self.fieldset = None


def parse_form(html: str) -> _Inputs:
    parser = _Inputs()
    parser.feed(html)
    return parser


async def test_the_form_shows_exactly_the_declared_knobs(client: httpx.AsyncClient) -> None:
    response = await client.get("/partials/form", params={"scenario": "sleep"})
    assert response.status_code == 200
    form = parse_form(response.text)
    assert form.options == list(LOAD_MODELS)
    declared = {
        (load.id, spec.name): spec
        for load in LOAD_MODELS.values()
        for spec in load.fields
        if not spec.choices  # a choice of words is a <select>, checked below
    }
    assert set(form.inputs) == set(declared)
    for load in LOAD_MODELS.values():
        for spec in load.fields:
            for word in spec.choices:
                assert f'value="{word}"' in response.text, (load.id, spec.name, word)
    for key, spec in declared.items():
        attributes = form.inputs[key]
        assert attributes["min"] == str(spec.min), key
        assert attributes["max"] == str(spec.max), key
        # the scenario's own default load first, then the load model's declared default
        default = SCENARIOS["sleep"].default_load.get(key[1], spec.default)
        if key[0] != SCENARIOS["sleep"].default_load["model"]:
            default = spec.default
        assert attributes["value"] == ("" if default is None else str(default)), key
        assert attributes["title"] == spec.help
        assert ("required" in attributes) == (spec.default is not None)


def test_a_stored_zero_stays_zero_in_the_form() -> None:
    stored = RunRequest.model_validate(
        body({"model": "users", "users": 3, "think_min_s": 0, "think_max_s": 0})
    )
    values = form_values(stored, SCENARIOS["sleep"])
    scenario = SCENARIOS["sleep"]
    html = (
        make_templates()
        .get_template("_form.html")
        .render(
            scenarios=SCENARIOS,
            scenario=scenario,
            variant=scenario.variants_by_id["async"],
            values=values,
            lab=None,
        )
    )
    inputs = parse_form(html).inputs
    assert inputs[("users", "think_min_s")]["value"] == "0.0"
    assert inputs[("users", "think_max_s")]["value"] == "0.0"
    assert inputs[("users", "users")]["value"] == "3"


async def test_api_scenarios_lists_exactly_the_declared_knobs(client: httpx.AsyncClient) -> None:
    arrival = (await client.get("/api/scenarios")).json()["arrival"]
    assert list(arrival) == list(LOAD_MODELS)
    for load in LOAD_MODELS.values():
        listed = arrival[load.id]
        assert listed["title"] == load.title
        assert list(listed["fields"]) == [spec.name for spec in load.fields]
        for spec in load.fields:
            assert listed["fields"][spec.name] == spec.to_json()
            if spec.choices:
                continue
            assert listed["fields"][spec.name] == {
                "label": spec.label,
                "unit": spec.unit,
                "help": spec.help,
                "default": spec.default,
                "min": spec.min,
                "max": spec.max,
                "type": "integer" if spec.integer else "number",
            }
    assert arrival["rate"]["fields"]["rate_rps"]["min"] == 0.1
    assert arrival["ramp"]["fields"]["end_users"]["max"] == 1_000
