"""The dependency scenario: a `def` dependency puts an `async def` endpoint in the threadpool's
queue; the same lookup awaited stays on the loop; a trivial `def` dependency costs little."""

from __future__ import annotations

from typing import Any

from tests.conftest import Playground, max_overlap, span_intervals

LOOKUP_S = 0.2


def lookup(variant: str, requests: int) -> dict[str, Any]:
    return {"scenario": "dependency", "variant": variant,
            "arrival": {"model": "burst", "requests": requests},
            "params": {"lookup_ms": int(LOOKUP_S * 1000)}}  # fmt: skip


def test_a_def_dependency_queues_an_async_endpoint_for_the_threadpool(
    playground: Playground,
) -> None:
    threadpool = playground.lab()["info"]["threadpool"]
    requests = 2 * threadpool + 10  # three waves
    run = playground.run(lookup("sync-dependency", requests))
    assert run["summary"]["errors"] == 0
    lookups = span_intervals(run, "lookup")
    assert len(lookups) == requests
    assert threadpool // 2 <= max_overlap(lookups) <= threadpool
    assert run["summary"]["makespan_s"] >= 3 * LOOKUP_S * 0.95
    threads = {span["thread"] for row in run["timeline"] for span in row["spans"]}
    assert 1 < len(threads) <= threadpool
    assert not any(thread.startswith("MainThread") for thread in threads)


def test_an_async_dependency_looks_everyone_up_at_once(playground: Playground) -> None:
    threadpool = playground.lab()["info"]["threadpool"]
    requests = 2 * threadpool + 10
    run = playground.run(lookup("async-dependency", requests))
    assert run["summary"]["errors"] == 0
    lookups = span_intervals(run, "lookup")
    assert max_overlap(lookups) > threadpool  # wider than any threadpool wave: no waves
    threads = {span["thread"].split(" #")[0] for row in run["timeline"] for span in row["spans"]}
    assert threads == {"MainThread"}


def test_a_trivial_def_dependency_only_hops(playground: Playground) -> None:
    threadpool = playground.lab()["info"]["threadpool"]
    requests = 2 * threadpool + 10
    run = playground.run(lookup("trivial-sync-dependency", requests))
    assert run["summary"]["errors"] == 0
    # The hop gives its thread back at once: the awaited lookups overlap beyond the pool.
    assert max_overlap(span_intervals(run, "lookup")) > threadpool
