"""What every scenario shares, checked over the whole catalogue: its endpoints answer through
the guarded lab, its limits hold in the API and in the lab alike, its dependencies never hop
to the threadpool, and its texts name the running lab's facts."""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from playground.lab.app import create_lab_app
from playground.lab.contract import Contract
from playground.lab.info import LabInfo
from playground.scenarios import SCENARIOS, Param, Scenario, Variant
from tests import helpers
from tests.conftest import Playground, without_measured

VARIANTS = [
    pytest.param(scenario, variant, id=f"{scenario.id}:{variant.id}")
    for scenario in SCENARIOS.values()
    for variant in scenario.variants
]
LIMITS = [
    pytest.param(scenario, param, value, id=f"{scenario.id}:{param.name}={value}")
    for scenario in SCENARIOS.values()
    for param in scenario.params
    for value in (param.min - 1, param.max + 1)
]


@pytest.fixture(scope="module")
def lab() -> Iterator[helpers.Helper]:
    yield from helpers.lab(threadpool=8, processes=1)


def smallest(scenario: Scenario) -> dict[str, int]:
    return {param.name: max(param.min, 1) for param in scenario.params}


def dependencies(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    for dependency in dependant.dependencies:
        if dependency.call is not None:
            yield dependency.call
        yield from dependencies(dependency)


def is_async(call: Callable[..., Any]) -> bool:
    return inspect.iscoroutinefunction(call) or inspect.isasyncgenfunction(call)


@pytest.mark.parametrize(("scenario", "variant"), VARIANTS)
def test_no_dependency_of_a_variant_hops_to_the_threadpool(
    scenario: Scenario, variant: Variant
) -> None:
    """FastAPI runs a plain `def` dependency in the threadpool on every request: an
    `async def` variant shown as the right way must not pay that hop, and the lab's own
    resources are handed out without it to `def` variants too. Only a variant marked
    `sync_dependency` (the hop is its lesson) has one, and it must."""
    app = create_lab_app(Contract())
    (route,) = [
        route
        for route in app.routes
        if isinstance(route, APIRoute) and route.path == f"/s/{scenario.id}/{variant.id}"
    ]
    assert is_async(route.dependant.call) == variant.is_async  # the lesson is untouched
    calls = list(dependencies(route.dependant))
    assert calls, "the lab checks every variant's params in a dependency"
    sync = [call.__qualname__ for call in calls if not is_async(call)]
    if variant.sync_dependency:  # declared: the hop is what the variant shows
        assert sync, f"{scenario.id}:{variant.id} is marked sync_dependency but has none"
    else:
        assert sync == [], f"plain def dependencies of {scenario.id}:{variant.id}: {sync}"


@pytest.mark.parametrize(("scenario", "variant"), VARIANTS)
def test_every_variant_answers_through_the_guarded_lab(
    lab: helpers.Helper, scenario: Scenario, variant: Variant
) -> None:
    with lab.client() as client:
        response = client.get(f"/s/{scenario.id}/{variant.id}", params=smallest(scenario))
    assert response.status_code == variant.status, response.text
    if variant.status == 200:
        body = response.json()
        assert body["lab"]["began"] <= body["lab"]["ended"]


@pytest.mark.parametrize(("scenario", "param", "value"), LIMITS)
def test_a_param_beyond_its_limits_is_refused_by_the_api_and_the_lab_alike(
    playground: Playground, lab: helpers.Helper, scenario: Scenario, param: Param, value: int
) -> None:
    expected = f"{param.name} must be within {param.describe_range()}, not {value:,}"
    variant = scenario.variants[0].id
    params = {**smallest(scenario), param.name: value}
    api = playground.client.post(
        "/api/runs",
        json={
            "scenario": scenario.id,
            "variant": variant,
            "params": params,
            "arrival": {"model": "burst", "requests": 1},
        },
    )
    assert api.status_code == 422
    assert expected in api.text
    with lab.client() as client:
        direct = client.get(f"/s/{scenario.id}/{variant}", params=params)
    assert direct.status_code == 422
    assert expected in direct.json()["detail"]


@pytest.mark.parametrize(("scenario", "variant"), VARIANTS)
def test_texts_name_the_labs_facts(
    lab: helpers.Helper, scenario: Scenario, variant: Variant
) -> None:
    with lab.client() as client:
        info = LabInfo.from_json(client.get("/info").json())
    for text in (variant.explain(info), variant.model_line(info)):
        assert "{" not in text and "?" not in text, text
        # it runs 8 threads: no 40 in any text, but what the lab measured
        assert not re.search(r"\b40\b", without_measured(text, info.calibration)), text
