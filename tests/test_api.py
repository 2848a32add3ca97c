"""The JSON API: scenarios, validation with messages a person understands, one run at a time."""

from __future__ import annotations

import inspect
from typing import Any

import pytest

from playground.scenarios import SCENARIOS
from tests.conftest import Playground, burst


def test_scenarios_list_variants_with_their_real_source(playground: Playground) -> None:
    body = playground.client.get("/api/scenarios").json()
    listed = {scenario["id"]: scenario for scenario in body["scenarios"]}
    assert set(listed) == set(SCENARIOS)
    sleep = listed["sleep"]
    variants = {variant["id"]: variant for variant in sleep["variants"]}
    assert list(variants) == ["sync", "async", "async-blocking", "async-offload"]
    assert variants["sync"]["kind"] == "def"
    assert variants["async-blocking"]["kind"] == "async def"
    endpoint = SCENARIOS["sleep"].variants_by_id["async-blocking"].endpoint
    assert inspect.getsource(endpoint).strip() in variants["async-blocking"]["source"]
    delay = sleep["params"][0]
    assert (delay["name"], delay["min"], delay["max"]) == ("delay_ms", 0, 10_000)


def messages(response: Any) -> str:
    return " ".join(item["msg"] for item in response.json()["detail"])


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (burst("async", 10_001), "less than or equal to 10000"),
        (burst("async", 0), "greater than or equal to 1"),
        (burst("async", 10, concurrency=11), "concurrency (11) cannot exceed requests (10)"),
        (burst("async", 10, delay_ms=10_001), "delay_ms must be within 0..10,000 ms"),
        (burst("async", 10, delay_ms=-1), "delay_ms must be within 0..10,000 ms"),
        ({**burst("nope", 10)}, "unknown variant 'nope' of scenario 'sleep'; choose one of: sync"),
        ({**burst("async", 10), "scenario": "nap"}, "unknown scenario 'nap'; choose one of: sleep"),
        ({**burst("async", 10), "params": {"delay": 5}}, "unknown parameter delay"),
        (
            {**burst("async", 10), "arrival": {"model": "poisson"}},
            "expected tags: 'burst', 'users', 'rate'",
        ),
        (
            {
                **burst("async", 10),
                "arrival": {"model": "rate", "rate_rps": 2000, "duration_s": 10},
            },
            "20,000 requests; at most 10,000",
        ),
        (
            {
                **burst("async", 1),
                "arrival": {"model": "users", "think_min_s": 3, "think_max_s": 1},
            },
            "think_min_s (3.0) cannot exceed think_max_s (1.0)",
        ),
        ({"variant": "async"}, "Field required"),
    ],
)
def test_bad_input_gets_422_naming_what_is_valid(
    playground: Playground, body: dict[str, Any], expected: str
) -> None:
    response = playground.client.post("/api/runs", json=body)
    assert response.status_code == 422
    assert expected in messages(response)


def test_not_json_gets_422(playground: Playground) -> None:
    response = playground.client.post(
        "/api/runs", content=b"requests=10", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422


def test_unknown_run_is_404(playground: Playground) -> None:
    response = playground.client.get("/api/runs/424242")
    assert response.status_code == 404
    assert response.json()["detail"] == "there is no run 424242"
    page = playground.client.get("/runs/424242")
    assert page.status_code == 404
    assert "There is no run 424242." in page.text


def test_a_second_run_while_one_runs_gets_409_and_cancel_stops_it(playground: Playground) -> None:
    first = playground.start_run(burst("async-blocking", 50, delay_ms=200))  # 10 s if left alone
    second = playground.client.post("/api/runs", json=burst("async", 10))
    assert second.status_code == 409
    assert f"run {first} is still going" in second.json()["detail"]

    playground.wait_rows(first, 1)  # by then all 50 were sent: one at a time, 200 ms each
    cancelled = playground.client.post(f"/api/runs/{first}/cancel")
    assert cancelled.status_code == 200
    run = playground.wait(first)
    assert run["status"] == "cancelled"
    assert len(run["timeline"]) == 50
    assert any(row["error"] == "cancelled" for row in run["timeline"])
    assert run["summary"]["makespan_s"] < 8

    again = playground.client.post(f"/api/runs/{first}/cancel")
    assert again.status_code == 409
    # The lab was restarted after the cancel, so the next run is not slowed by the leftovers.
    after = playground.run(burst("async", 10, delay_ms=50))
    assert after["status"] == "done"
    assert after["summary"]["makespan_s"] < 1


def test_history_lists_runs_newest_first(playground: Playground) -> None:
    first = playground.run(burst("async", 5, delay_ms=10))["id"]
    second = playground.run(burst("sync", 5, delay_ms=10))["id"]
    runs = playground.client.get("/api/runs").json()["runs"]
    ids = [run["id"] for run in runs]
    assert ids.index(second) < ids.index(first)
    assert {"id", "status", "scenario", "variant", "summary"} <= set(runs[0])
