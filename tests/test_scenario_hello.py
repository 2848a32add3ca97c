"""The hello scenario: nothing to wait for, so only the path each kind of endpoint takes shows."""

from __future__ import annotations

import statistics
from typing import Any

import pytest

from tests.conftest import Playground, handler_intervals, loop_cost_s


def hello(variant: str, requests: int) -> dict[str, Any]:
    return {
        "scenario": "hello",
        "variant": variant,
        "arrival": {"model": "burst", "requests": requests},
    }


def test_sync_hello_hops_to_worker_threads(playground: Playground) -> None:
    threadpool = playground.lab()["info"]["threadpool"]
    run = playground.run(hello("sync", 50))
    assert run["status"] == "done"
    assert run["summary"]["errors"] == 0
    threads = {row["thread"] for row in run["timeline"]}
    assert len(threads) <= threadpool
    assert all("MainThread" not in thread for thread in threads)


def test_async_hello_runs_on_the_event_loop(playground: Playground) -> None:
    run = playground.run(hello("async", 50))
    assert run["status"] == "done"
    assert run["summary"]["errors"] == 0
    assert {row["thread"].split(" #")[0] for row in run["timeline"]} == {"MainThread"}


def test_hello_handlers_take_next_to_no_time_and_predict_only_the_loops_work(
    playground: Playground,
) -> None:
    for variant in ("sync", "async"):
        run = playground.run(hello(variant, 30))
        durations = [ended - began for began, ended in handler_intervals(run)]
        assert len(durations) == 30
        assert statistics.median(durations) < 0.005
        # No waves to wait for: what is left is the loop taking each request in, one by one.
        assert run["prediction"]["makespan_s"] == pytest.approx(loop_cost_s(run))
        assert run["prediction"]["makespan_s"] > 0


def test_hello_takes_no_parameters(playground: Playground) -> None:
    response = playground.client.post("/api/runs", json={**hello("sync", 1), "params": {"x": 1}})
    assert response.status_code == 422
    assert "it takes: none" in response.text
