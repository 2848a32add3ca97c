"""The fan-out scenario: three parts a request, in a row (the sum) or together (the max)."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import pytest

from tests.conftest import Playground, handler_intervals, loop_cost_s, max_overlap

PARTS_MS = {"database_ms": 100, "cache_ms": 50, "api_ms": 150}
PART_NAMES = {"database_ms": "database", "cache_ms": "cache", "api_ms": "API"}
SUM_S = sum(PARTS_MS.values()) / 1000
MAX_S = max(PARTS_MS.values()) / 1000
REQUESTS = 5


def fan_out(variant: str, **params: int) -> dict[str, Any]:
    return {
        "scenario": "fan-out",
        "variant": variant,
        "arrival": {"model": "burst", "requests": REQUESTS},
        "params": {**PARTS_MS, **params},
    }


def parts(row: dict[str, Any]) -> dict[str, tuple[float, float]]:
    return {span["name"]: (span["began"], span["ended"]) for span in row["spans"]}


def durations(run: dict[str, Any]) -> list[float]:
    return [ended - began for began, ended in handler_intervals(run)]


@pytest.mark.parametrize("variant", ["sequential", "sync"])
def test_parts_one_after_another_take_the_sum(playground: Playground, variant: str) -> None:
    run = playground.run(fan_out(variant))
    assert run["status"] == "done"
    assert run["summary"]["errors"] == 0
    for row in run["timeline"]:
        spans = parts(row)
        assert set(spans) == set(PART_NAMES.values())
        # database, then cache, then API: each part begins only once the one before ended.
        ordered = [spans["database"], spans["cache"], spans["API"]]
        assert all(later[0] >= earlier[1] - 1e-6 for earlier, later in pairwise(ordered))
        for param, name in PART_NAMES.items():
            began, ended = spans[name]
            assert ended - began >= PARTS_MS[param] / 1000 * 0.95
    assert min(durations(run)) >= SUM_S * 0.95
    # The requests themselves still overlap: the loop, or the threadpool, serves them together.
    assert max_overlap(handler_intervals(run)) >= REQUESTS - 1
    assert run["prediction"]["makespan_s"] == pytest.approx(SUM_S + loop_cost_s(run))


@pytest.mark.parametrize("variant", ["gather", "taskgroup"])
def test_parts_together_take_the_slowest(playground: Playground, variant: str) -> None:
    run = playground.run(fan_out(variant))
    assert run["status"] == "done"
    assert run["summary"]["errors"] == 0
    for row in run["timeline"]:
        spans = parts(row)
        assert set(spans) == set(PART_NAMES.values())
        # All three began before any of them ended: they ran at the same time.
        assert max(began for began, _ in spans.values()) < min(ended for _, ended in spans.values())
    assert min(durations(run)) >= MAX_S * 0.95
    # Well under the sum: 150 ms of slowest part against 300 ms of parts in a row.
    assert max(durations(run)) < SUM_S * 0.85
    assert run["prediction"]["makespan_s"] == pytest.approx(MAX_S + loop_cost_s(run))


def test_async_parts_run_on_the_loop_and_sync_parts_in_one_worker_thread(
    playground: Playground,
) -> None:
    run = playground.run(fan_out("gather"))
    assert {span["thread"].split(" #")[0] for row in run["timeline"] for span in row["spans"]} == {
        "MainThread"
    }
    run = playground.run(fan_out("sync"))
    for row in run["timeline"]:
        assert {span["thread"] for span in row["spans"]} == {row["thread"]}
        assert "MainThread" not in row["thread"]
