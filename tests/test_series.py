"""A series on a real playground: every variant of a scenario, one after another, through the
one-run-at-a-time run manager, refused while anything else goes, and stopped by a cancel."""

from __future__ import annotations

from typing import Any

from tests.conftest import Playground, burst

SLEEP_VARIANTS = ["sync", "async", "async-blocking", "async-offload"]


def series_body(requests: int, delay_ms: int) -> dict[str, Any]:
    body = burst("async", requests, delay_ms=delay_ms)
    del body["variant"]
    return body


def wait_series(playground: Playground, series_id: int) -> dict[str, Any]:
    return playground.wait_ended(f"/api/series/{series_id}")


def test_a_series_runs_every_variant_in_order_with_the_same_load(playground: Playground) -> None:
    body = series_body(6, delay_ms=100)
    started = playground.client.post("/api/series", json=body)
    assert started.status_code == 201, started.text
    series_id = started.json()["id"]
    assert started.json()["variants"] == SLEEP_VARIANTS
    assert len(started.json()["runs"]) == 1

    series = wait_series(playground, series_id)
    assert series["status"] == "done"
    assert len(series["runs"]) == 4
    runs = [playground.client.get(f"/api/runs/{run_id}").json() for run_id in series["runs"]]
    assert [run["variant"] for run in runs] == SLEEP_VARIANTS
    assert {run["status"] for run in runs} == {"done"}
    assert all(run["series_id"] == series_id for run in runs)
    assert all(run["request"]["arrival"] == runs[0]["request"]["arrival"] for run in runs)
    assert all(run["request"]["params"] == {"delay_ms": 100} for run in runs)
    # One after another: each began after the one before had ended, never overlapping.
    assert series["runs"] == sorted(series["runs"])
    # The blocking variant serialises its six requests; the loop's own variant overlaps them.
    at_once = {run["variant"]: run["summary"]["max_in_handler"] for run in runs}
    assert at_once["async-blocking"] == 1
    assert at_once["async"] > 1

    page = playground.client.get(f"/compare?series={series_id}")
    assert page.status_code == 200
    assert page.text.count('class="compare-panel"') == 4


def test_a_second_series_or_a_run_while_a_series_goes_gets_409(playground: Playground) -> None:
    first = playground.client.post("/api/series", json=series_body(20, delay_ms=200))
    assert first.status_code == 201, first.text
    series_id = first.json()["id"]
    try:
        second = playground.client.post("/api/series", json=series_body(2, delay_ms=10))
        assert second.status_code == 409
        assert f"series {series_id} is still running" in second.json()["detail"]
        run = playground.client.post("/api/runs", json=burst("async", 2, delay_ms=10))
        assert run.status_code == 409
        lab = playground.client.put("/api/lab/settings", json={"threadpool": 10})
        assert lab.status_code == 409
    finally:
        playground.client.post(f"/api/series/{series_id}/cancel")
        wait_series(playground, series_id)
    assert playground.run(burst("async", 2, delay_ms=10))["status"] == "done"


def test_cancelling_a_series_stops_its_run_and_leaves_later_variants_unrun(
    playground: Playground,
) -> None:
    # `sync` serves 200 requests in five waves of the threadpool's 40: its first rows come
    # back after one wave, about a second before the run ends, while the cancel can still land.
    started = playground.client.post("/api/series", json=series_body(200, delay_ms=300))
    assert started.status_code == 201, started.text
    series_id = started.json()["id"]
    (first,) = started.json()["runs"]
    assert playground.wait_rows(first, 1)["status"] == "running"

    cancelled = playground.client.post(f"/api/series/{series_id}/cancel")
    assert cancelled.json() == {"id": series_id, "status": "cancelling"}
    series = wait_series(playground, series_id)
    assert series["status"] == "cancelled"
    assert series["runs"] == [first]
    assert playground.wait(first)["status"] == "cancelled"
    assert [
        run["variant"]
        for run in playground.client.get("/api/runs?limit=3").json()["runs"]
        if run["series_id"] == series_id
    ] == ["sync"]

    again = playground.client.post(f"/api/series/{series_id}/cancel")
    assert again.status_code == 409
    assert "is not running (it is cancelled)" in again.json()["detail"]
    assert playground.client.post("/api/series/999999/cancel").status_code == 404


def test_a_series_of_bad_input_gets_422_naming_the_problem(playground: Playground) -> None:
    unknown = playground.client.post("/api/series", json={"scenario": "nope"})
    assert unknown.status_code == 422
    assert "unknown scenario 'nope'" in str(unknown.json()["detail"])
    with_variant = playground.client.post("/api/series", json=burst("async", 2))
    assert with_variant.status_code == 422
    too_long = playground.client.post(
        "/api/series", json={"scenario": "sleep", "params": {"delay_ms": 10**9}}
    )
    assert too_long.status_code == 422
    assert "delay_ms must be within" in str(too_long.json()["detail"])
