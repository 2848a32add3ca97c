"""The CPU-bound scenario: the GIL serialises threads; only processes compute side by side.

The work is calibrated in the lab as the fastest of many tries, so each request's work takes
at least about `work_ms` of CPU; a busy machine only makes it longer. The lower bounds below
(N times the work, for what the GIL serialises) therefore hold however loaded the machine is.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import pytest

from tests.conftest import (
    Playground,
    handler_intervals,
    loop_stayed_free,
    max_overlap,
    pings_ms,
    span_intervals,
)

WORK_MS = 100
WORK_S = WORK_MS / 1000
REQUESTS = 4


def cpu(variant: str, requests: int = REQUESTS, work_ms: int = WORK_MS) -> dict[str, Any]:
    return {
        "scenario": "cpu",
        "variant": variant,
        "arrival": {"model": "burst", "requests": requests},
        "params": {"work_ms": work_ms},
    }


def test_async_blocking_computes_one_at_a_time_and_starves_the_bystander(
    playground: Playground,
) -> None:
    run = playground.run(cpu("async-blocking"))
    assert run["status"] == "done"
    assert run["summary"]["errors"] == 0
    ordered = sorted(handler_intervals(run))
    assert all(later[0] >= earlier[1] - 1e-6 for earlier, later in pairwise(ordered))
    work = span_intervals(run, "CPU work")
    assert len(work) == REQUESTS
    # 2P + 1 requests on P processes: three waves of work, one after another.
    shortest = min(ended - began for began, ended in work)
    assert shortest > 0
    assert run["summary"]["makespan_s"] >= 3 * shortest
    assert run["summary"]["makespan_s"] >= REQUESTS * WORK_S * 0.8
    assert max(pings_ms(run)) >= WORK_MS * 0.8


@pytest.mark.parametrize("variant", ["sync", "async-offload-thread"])
def test_threads_overlap_in_time_but_compute_in_turns(playground: Playground, variant: str) -> None:
    run = playground.run(cpu(variant))
    assert run["status"] == "done"
    assert run["summary"]["errors"] == 0
    work = span_intervals(run, "CPU work")
    assert len(work) == REQUESTS
    # The threads are all in their loops at once on the timeline...
    assert max_overlap(work) >= 2
    threads = {span["thread"] for row in run["timeline"] for span in row["spans"]}
    assert len(threads) >= 2
    assert all("MainThread" not in thread for thread in threads)
    # ...but one GIL lets one compute at a time: together they take N × work, not one work.
    assert run["summary"]["makespan_s"] >= REQUESTS * WORK_S * 0.8
    assert max(ended for _, ended in work) - min(began for began, _ in work) >= (
        REQUESTS * WORK_S * 0.8
    )


def test_process_pool_computes_in_other_processes_at_most_pool_wide(
    playground: Playground,
) -> None:
    info = playground.lab()["info"]
    run = playground.run(cpu("async-offload-process", requests=2 * info["processes"] + 1))
    assert run["status"] == "done"
    assert run["summary"]["errors"] == 0
    spans = [span for row in run["timeline"] for span in row["spans"]]
    assert len(spans) == 2 * info["processes"] + 1
    pids = {int(span["thread"].removeprefix("process ")) for span in spans}
    assert info["pid"] not in pids
    assert {row["pid"] for row in run["timeline"]} == {info["pid"]}
    assert len(pids) <= info["processes"]
    work = span_intervals(run, "CPU work")
    assert max_overlap(work) <= info["processes"]
    # 2P + 1 requests on P processes: three waves of work, one after another.
    shortest = min(ended - began for began, ended in work)
    assert shortest > 0
    assert run["summary"]["makespan_s"] >= 3 * shortest
    # The handlers only await: they all overlap on the loop, which stays free for the ping.
    assert max_overlap(handler_intervals(run)) > info["processes"]
    assert loop_stayed_free(run, WORK_MS)


def test_the_models_render_the_costs_the_lab_calibrated(playground: Playground) -> None:
    calibration = playground.lab()["info"]["calibration"]
    for name in ("work_takes", "gil_contention", "process_contention"):
        assert calibration[name] >= 1.0, name
    for variant, names in (
        ("async-blocking", ("work_takes",)),
        ("sync", ("work_takes", "gil_contention")),
        ("async-offload-process", ("process_contention",)),
    ):
        page = playground.client.get(
            "/partials/variant",
            params={"scenario": "cpu", "variant": variant, "model": "burst", "requests": "20"},
        ).text
        for name in names:
            assert f"×{calibration[name]:.2f}" in page, (variant, name)
