"""The database scenario on the lab's real SQLite file: which drivers wait side by side."""

from __future__ import annotations

import re
from typing import Any

from playground.scenarios.database import MAX_OVERFLOW, POOL_SIZE, POOL_WIDTH, SCENARIO
from tests.conftest import (
    Playground,
    handler_intervals,
    loop_stayed_free,
    max_overlap,
    most_ended_within,
    pings_ms,
)

QUERY_S = 0.1


def query(variant: str, requests: int, query_ms: int = 100) -> dict[str, Any]:
    return {"scenario": "database", "variant": variant,
            "arrival": {"model": "burst", "requests": requests},
            "params": {"query_ms": query_ms}}  # fmt: skip


def ends(run: dict[str, Any]) -> list[float]:
    return sorted(row["ended_s"] for row in run["timeline"])


def test_sync_queries_wait_in_the_threadpool(playground: Playground) -> None:
    threadpool = playground.lab()["info"]["threadpool"]
    run = playground.run(query("sync", 60))
    assert run["summary"]["errors"] == 0
    assert threadpool // 2 <= max_overlap(handler_intervals(run)) <= threadpool
    assert run["summary"]["makespan_s"] >= 2 * QUERY_S * 0.95
    assert loop_stayed_free(run, QUERY_S * 1000)


def test_a_connection_per_request_lets_every_query_wait_at_once(playground: Playground) -> None:
    run = playground.run(query("async", 50))
    assert run["summary"]["errors"] == 0
    assert max_overlap(handler_intervals(run)) >= 40
    assert most_ended_within(run, QUERY_S) >= 10  # 50 queries in a row end one or two at a time


def test_one_shared_connection_runs_one_query_at_a_time(playground: Playground) -> None:
    run = playground.run(query("async-shared", 12))
    assert run["summary"]["errors"] == 0
    # The handlers all wait at once on the loop, but the queries run one after another on the
    # connection's thread: the whole burst takes 12 queries' time, and the typical request
    # waits for at least half of them.
    assert max_overlap(handler_intervals(run)) > 1
    assert run["summary"]["makespan_s"] >= 12 * QUERY_S * 0.95
    assert run["summary"]["p50_ms"] >= 6 * QUERY_S * 1000 * 0.9
    assert loop_stayed_free(run, QUERY_S * 1000)


def test_the_orm_is_as_wide_as_its_engine_pool(playground: Playground) -> None:
    run = playground.run(query("async-orm", 3 * POOL_WIDTH, query_ms=200))
    assert run["summary"]["errors"] == 0
    # POOL_WIDTH connections: 3 × POOL_WIDTH queries of 200 ms take 3 waves, so at least
    # ~0.6 s, and no more than POOL_WIDTH queries ever end within one query's time of each other.
    assert run["summary"]["makespan_s"] >= 3 * 0.2 * 0.95
    finished = ends(run)
    widest = max(sum(1 for t in finished if start <= t < start + 0.19) for start in finished)
    assert widest <= POOL_WIDTH
    assert "= 3 waves" in run["prediction"]["formula"]  # beside the loop's calibrated cost
    assert run["prediction"]["makespan_s"] >= 0.6


def test_the_orm_text_names_only_the_engines_declared_pool() -> None:
    orm = SCENARIO.variants_by_id["async-orm"]
    numbers = {int(n) for n in re.findall(r"\d+", orm.explanation + orm.model_text)}
    assert numbers == {POOL_SIZE, MAX_OVERFLOW, POOL_WIDTH}


def test_sqlite3_inside_async_def_freezes_the_loop(playground: Playground) -> None:
    run = playground.run(query("async-blocking", 8))
    assert max_overlap(handler_intervals(run)) == 1
    assert run["summary"]["makespan_s"] >= 8 * QUERY_S * 0.95
    assert max(pings_ms(run)) >= QUERY_S * 1000 * 0.8
