"""The waiting scenario's four variants, measured on the real lab."""

from __future__ import annotations

from itertools import pairwise

from tests.conftest import (
    Playground,
    burst,
    handler_intervals,
    loop_stayed_free,
    max_overlap,
    most_ended_within,
    pings_ms,
    span_intervals,
)

DELAY_S = 0.2


def test_async_requests_overlap(playground: Playground) -> None:
    run = playground.run(burst("async", 100))
    assert run["status"] == "done"
    assert run["summary"]["errors"] == 0
    # All 100 wait at once: far more than a threadpool's worth, and one delay long, not a hundred.
    assert max_overlap(handler_intervals(run)) >= 90
    assert run["summary"]["max_in_handler"] >= 90
    assert most_ended_within(run, DELAY_S) >= 25  # together, not a hundred delays in a row


def test_sync_runs_in_waves_no_wider_than_the_threadpool(playground: Playground) -> None:
    threadpool = playground.lab()["info"]["threadpool"]
    run = playground.run(burst("sync", 100))
    assert run["status"] == "done"
    overlap = max_overlap(handler_intervals(run))
    assert threadpool // 2 <= overlap <= threadpool
    # ceil(100 / 40) = 3 waves: at least three delays end to end, since no more than 40 overlap.
    assert run["summary"]["makespan_s"] >= 3 * DELAY_S * 0.95
    threads = {row["thread"] for row in run["timeline"]}
    assert 1 < len(threads) <= threadpool
    assert all("MainThread" not in thread for thread in threads)


def test_async_blocking_serialises_requests_and_starves_the_bystander(
    playground: Playground,
) -> None:
    run = playground.run(burst("async-blocking", 10))
    assert run["status"] == "done"
    assert max_overlap(handler_intervals(run)) == 1
    assert run["summary"]["max_in_handler"] == 1
    assert run["summary"]["makespan_s"] >= 10 * DELAY_S * 0.95
    # Each handler began only after the one before it ended: strictly one after another.
    ordered = sorted(handler_intervals(run))
    assert all(later[0] >= earlier[1] - 1e-6 for earlier, later in pairwise(ordered))
    assert {row["thread"].split(" #")[0] for row in run["timeline"]} == {"MainThread"}
    assert max(pings_ms(run)) >= DELAY_S * 1000 * 0.8


def test_async_offload_overlaps_like_sync(playground: Playground) -> None:
    threadpool = playground.lab()["info"]["threadpool"]
    run = playground.run(burst("async-offload", 100))
    assert run["status"] == "done"
    workers = span_intervals(run, "worker thread")
    assert len(workers) == 100
    assert threadpool // 2 <= max_overlap(workers) <= threadpool
    assert run["summary"]["makespan_s"] >= 3 * DELAY_S * 0.95
    # The handlers themselves wait on the loop, all at once, while the threads do the work.
    assert max_overlap(handler_intervals(run)) > threadpool
    assert loop_stayed_free(run, DELAY_S * 1000)


def test_concurrency_caps_requests_in_flight(playground: Playground) -> None:
    run = playground.run(burst("async", 30, delay_ms=100, concurrency=5))
    assert run["status"] == "done"
    assert max_overlap(handler_intervals(run)) <= 5
    assert run["summary"]["makespan_s"] >= 6 * 0.1 * 0.95
    assert "= 6 waves" in run["prediction"]["formula"]  # beside the loop's calibrated cost
    assert run["prediction"]["makespan_s"] >= 0.6


def test_lab_and_harness_share_one_clock(playground: Playground) -> None:
    run = playground.run(burst("async", 20, delay_ms=50))
    for row in run["timeline"]:
        # The lab's stamps, on the harness's clock, fall between sending and receiving.
        assert row["sent_s"] <= row["began_s"] <= row["ended_s"] <= row["received_s"]
