"""The session-gather scenario: one `AsyncSession` shared by `asyncio.gather` is refused by
SQLAlchemy; a session per task overlaps; awaits in a row on one session take the sum."""

from __future__ import annotations

from typing import Any

from tests.conftest import Playground, max_overlap

QUERY_S = 0.2
REQUESTS = 6


def lookups(variant: str, requests: int = REQUESTS) -> dict[str, Any]:
    return {"scenario": "session-gather", "variant": variant,
            "arrival": {"model": "burst", "requests": requests},
            "params": {"query_ms": int(QUERY_S * 1000)}}  # fmt: skip


def queries(row: dict[str, Any]) -> list[tuple[float, float]]:
    return [(s["began"], s["ended"]) for s in row["spans"] if s["name"].startswith("query ")]


def test_gather_on_one_session_is_refused_by_sqlalchemy(playground: Playground) -> None:
    run = playground.run(lookups("gather-shared-session"))
    assert run["status"] == "done"
    assert run["summary"]["errors"] == REQUESTS
    for row in run["timeline"]:
        assert row["status_code"] == 500
        assert "concurrent operations are not permitted" in row["error"]
    assert "concurrent operations are not permitted" in run["summary"]["failure"]


def test_a_session_per_task_overlaps_the_three_queries(playground: Playground) -> None:
    run = playground.run(lookups("gather-session-per-task"))
    assert run["summary"]["errors"] == 0
    for row in run["timeline"]:
        assert len(queries(row)) == 3
        assert max_overlap(queries(row)) == 3  # the three queries of a request at once


def test_awaits_in_a_row_on_one_session_take_the_sum(playground: Playground) -> None:
    run = playground.run(lookups("sequential-shared-session"))
    assert run["summary"]["errors"] == 0
    for row in run["timeline"]:
        assert len(queries(row)) == 3
        assert max_overlap(queries(row)) == 1
        assert row["ended_s"] - row["began_s"] >= 3 * QUERY_S * 0.95


def test_the_refused_runs_leave_the_lab_serving_sessions(playground: Playground) -> None:
    """The refused queries leave no connection behind: the working variants run after them."""
    for _ in range(3):
        playground.run(lookups("gather-shared-session", 20))
    run = playground.run(lookups("gather-session-per-task", 20))
    assert run["summary"]["errors"] == 0
    orm = playground.run({"scenario": "database", "variant": "async-orm",
                          "arrival": {"model": "burst", "requests": 20},
                          "params": {"query_ms": 50}})  # fmt: skip
    assert orm["summary"]["errors"] == 0


def test_the_prediction_counts_each_variants_sessions_as_the_lab_timed_them(
    playground: Playground,
) -> None:
    """Sessions, their connections (a thread each) and the ORM cost CPU: the lab times each
    variant's at its start, and the model adds it to every request."""
    calibration = playground.lab()["info"]["calibration"]
    for variant, key, label in (
        ("gather-shared-session", "session_gather_shared_ms", "one query refused"),
        ("gather-session-per-task", "session_gather_per_task_ms", "three sessions"),
        ("sequential-shared-session", "session_gather_sequential_ms", "three queries"),
    ):
        run = playground.run(lookups(variant))
        costs = {cost["label"]: cost["seconds"] for cost in run["prediction"]["costs"]}
        (seconds,) = (s for name, s in costs.items() if label in name)
        assert seconds == calibration[key] / 1000 > 0, variant
