"""Lanes: what the lab was busy with during a run, sampled inside it, stored and streamed.

Gauges are compared to the lab's own pool sizes, and the loop's lag of a blocking variant to
the same load written with `await`: ratios and counts, never a time bound.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from bench.servers import pin_threads
from playground.lab.contract import Contract
from playground.lab.sampler import (
    GAUGE_INTERVAL_S,
    LAG_INTERVAL_S,
    LANES,
    SEND_INTERVAL_S,
    decode,
)
from playground.load import Prediction
from playground.ports import LOOPBACK
from playground.reading import loop_waited
from playground.verdict import verdict
from tests import helpers
from tests.conftest import Playground, burst, read_events

RESTART_TIMEOUT_S = 120.0
"""A lab restart calibrates the CPU scenario again: slow on a busy machine."""


def cpu(variant: str, requests: int, work_ms: int = 200) -> dict[str, Any]:
    return {
        "scenario": "cpu",
        "variant": variant,
        "arrival": {"model": "burst", "requests": requests},
        "params": {"work_ms": work_ms},
    }


def lane(run: dict[str, Any], name: str) -> list[float]:
    assert run["status"] == "done", run["error"]
    samples = run["lanes"].get(name, [])
    assert samples, f"no {name} samples in run {run['id']}: lanes {sorted(run['lanes'])}"
    return [sample["value"] for sample in samples]


def test_a_blocked_loop_lags_by_its_block_and_an_awaiting_one_does_not(
    playground: Playground,
) -> None:
    delay_ms = 250
    blocked = max(lane(playground.run(burst("async-blocking", 10, delay_ms)), "loop_lag_ms"))
    free = max(lane(playground.run(burst("async", 10, delay_ms)), "loop_lag_ms"))
    assert blocked >= 0.8 * delay_ms
    assert free < blocked / 2, (free, blocked)


def test_def_requests_fill_the_threadpool_lane_to_the_threadpool_size(
    playground: Playground,
) -> None:
    threadpool = playground.lab()["info"]["threadpool"]
    assert threadpool == 40
    run = playground.run(burst("sync", 100, delay_ms=300))
    assert max(lane(run, "threadpool_busy")) == threadpool


def test_a_smaller_threadpool_fills_to_exactly_its_size(
    fresh_playground: Callable[..., Playground],
) -> None:
    server = fresh_playground()  # its own: the shared lab keeps its threadpool of 40
    changed = server.client.put(
        "/api/lab/settings",
        json={**server.lab()["settings"], "threadpool": 10},
        timeout=RESTART_TIMEOUT_S,
    )
    assert changed.status_code == 200, changed.text
    run = server.run(burst("sync", 100, delay_ms=100))
    assert run["lab"]["settings"]["threadpool"] == 10
    assert max(lane(run, "threadpool_busy")) == 10


def test_to_thread_fills_the_default_executor_lane_to_its_size(playground: Playground) -> None:
    executor = playground.lab()["info"]["default_executor"]
    # Its threads and the loop share the GIL, so the loop hands the work out over 100 ms or
    # more: each piece must outlast that, or the first ends before the last begins.
    run = playground.run(cpu("async-offload-thread", executor + 2, work_ms=300))
    assert max(lane(run, "executor_busy")) == executor
    assert max(lane(run, "threadpool_busy")) == 0  # asyncio's threads, not anyio's


def test_the_process_pool_lane_fills_to_the_pool_size_and_the_cpu_lane_rises(
    playground: Playground,
) -> None:
    processes = playground.lab()["info"]["processes"]
    computing = playground.run(cpu("async-offload-process", 3 * processes))
    assert max(lane(computing, "process_pool_busy")) == processes
    waiting = playground.run(burst("async", 3 * processes, delay_ms=600))
    assert max(lane(waiting, "process_pool_busy")) == 0

    def mean(values: list[float]) -> float:
        return sum(values) / len(values)

    # The pool's processes are the lab's children: their CPU is the lab's.
    assert mean(lane(computing, "cpu_percent")) > 2 * mean(lane(waiting, "cpu_percent"))


def test_the_cpu_lane_never_reads_more_than_the_cores_while_threads_fight_for_the_gil(
    playground: Playground,
) -> None:
    # Twenty threads computing take the GIL 5 ms each in turn: a reading whose CPU time and
    # clock were taken apart by them read 341% on 2 cores before they were read together.
    cores = playground.lab()["info"]["cores"]
    run = playground.run(cpu("sync", 20, work_ms=100))
    readings = lane(run, "cpu_percent")  # few: the sampler, too, waits its turn for the GIL
    assert readings
    assert max(readings) <= 105 * cores  # windows of 50 ms or more, read to the µs
    assert max(readings) >= 50  # and it does read the computing


def test_lanes_are_streamed_as_they_come_and_stored_with_the_run(playground: Playground) -> None:
    run_id = playground.start_run(burst("async-blocking", 5, delay_ms=100))
    events = read_events(playground, run_id)
    updates = [event.data for event in events if event.name == "update"]
    assert all("lanes" in update for update in updates)
    streamed: dict[str, list[dict[str, Any]]] = {}
    for update in updates:
        for name, samples in update["lanes"].items():
            streamed.setdefault(name, []).extend(samples)

    stored = playground.client.get(f"/api/runs/{run_id}").json()
    assert stored["lanes"] == streamed  # each sample once, none lost
    lab_pid = stored["timeline"][0]["pid"]
    for samples in stored["lanes"].values():
        assert {sample["pid"] for sample in samples} == {lab_pid}
        times = [sample["at_s"] for sample in samples]
        assert times == sorted(times) and times[0] >= 0

    replayed = read_events(playground, run_id)
    assert replayed[0].name == "update" and replayed[0].data["lanes"] == stored["lanes"]


def _samples_while_a_request_waits(variant: str) -> dict[str, int]:
    """Samples of each lane a lab sends, taken while one request to sleep's `variant` waits 1 s."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as collector:
        collector.bind((LOOPBACK, 0))
        collector.settimeout(0.5)
        address = f"{LOOPBACK}:{collector.getsockname()[1]}"
        contract = Contract(secret=helpers.SECRET, lanes=address)
        with (
            helpers.started("playground.lab", contract, "/info") as lab,
            lab.client() as client,
            ThreadPoolExecutor(1) as request,
        ):
            _until_quiet(collector)  # the sampler idle: the request must wake it
            answer = request.submit(client.get, f"/s/sleep/{variant}", params={"delay_ms": 1_000})
            taken: list[tuple[str, float]] = []
            with contextlib.suppress(TimeoutError):
                while True:  # read as they come, the socket's buffer is small; until quiet
                    _, samples = decode(collector.recv(65_536))
                    taken += [(lane, at) for lane, at, _ in samples]
            stamps = answer.result().json()["lab"]
    counts = dict.fromkeys(LANES, 0)
    for lane, at in taken:
        counts[lane] += stamps["began"] <= at <= stamps["ended"]
    return counts


def test_the_lanes_are_sampled_every_few_ms_while_a_request_waits() -> None:
    counts = _samples_while_a_request_waits("async")
    # A lag sample every 10 ms, the gauges every 20, the CPU every 100: half that on a busy
    # machine still says the loop samples as it should.
    assert counts["loop_lag_ms"] >= 0.5 / LAG_INTERVAL_S, counts
    assert counts["threadpool_busy"] >= 0.5 / GAUGE_INTERVAL_S, counts
    assert counts["cpu_percent"] >= 0.5 / SEND_INTERVAL_S, counts


def test_the_watchdog_sends_the_gauges_and_the_cpu_while_the_loop_is_blocked() -> None:
    counts = _samples_while_a_request_waits("async-blocking")
    assert counts["loop_lag_ms"] == 0, counts  # the loop is stuck in `time.sleep`
    assert counts["threadpool_busy"] >= 0.5 / SEND_INTERVAL_S, counts
    assert counts["cpu_percent"] >= 0.5 / SEND_INTERVAL_S, counts


def _until_quiet(collector: socket.socket) -> None:
    """Read what the lab sends until it sends nothing for the collector's timeout."""
    with contextlib.suppress(TimeoutError):
        while True:
            collector.recv(65_536)


def _loop_waits_while_computing(client: Any, collector: socket.socket, work_ms: int) -> float:
    """The mean `cpu_wait_percent` a lab sent while one request computed on its loop."""
    _until_quiet(collector)
    stamps = client.get("/s/cpu/async-blocking", params={"work_ms": work_ms}).json()["lab"]
    waits: list[float] = []
    with contextlib.suppress(TimeoutError):
        while True:
            _, samples = decode(collector.recv(65_536))
            waits += [
                value
                for lane, at, value in samples
                if lane == "cpu_wait_percent" and stamps["began"] <= at <= stamps["ended"]
            ]
    assert waits, "no cpu_wait_percent samples while the request computed"
    return sum(waits) / len(waits)


def test_the_wait_lane_rises_when_another_program_takes_the_loops_core() -> None:
    core = max(os.sched_getaffinity(0))
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as collector:
        collector.bind((LOOPBACK, 0))
        collector.settimeout(0.5)
        contract = Contract(secret=helpers.SECRET, lanes=f"{LOOPBACK}:{collector.getsockname()[1]}")
        with helpers.started("playground.lab", contract, "/info") as lab, lab.client() as client:
            pin_threads(lab.process.pid, {core})
            alone = _loop_waits_while_computing(client, collector, work_ms=400)
            hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(4)]
            try:
                for hog in hogs:
                    pin_threads(hog.pid, {core})
                # Half the work: at a fifth of the core it still takes a second, and the
                # other tests running meanwhile lose that core for no longer.
                shared = _loop_waits_while_computing(client, collector, work_ms=200)
            finally:
                for hog in hogs:
                    hog.kill()
                    hog.wait()
    # Sharing its core with four programs that never sleep, the computing loop runs about a
    # fifth of the time and waits the rest; alone, it waits only for whatever else passes by
    # (0.1 to 0.3% on a quiet machine, 40 to 60% while two busy programs roam both cores).
    assert shared >= 50, (shared, alone)
    assert shared >= alone + 10, (shared, alone)


def test_a_run_slowed_by_programs_on_the_labs_core_is_judged_with_the_wait_it_measured(
    fresh_playground: Callable[..., Playground],
) -> None:
    server = fresh_playground()  # its own lab: pinned to one core for this test alone
    served_by = server.run(cpu("async-blocking", 1, work_ms=10))["timeline"][0]["pid"]
    core = max(os.sched_getaffinity(0))
    pin_threads(served_by, {core})
    hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in (1, 2)]
    try:
        for hog in hogs:
            pin_threads(hog.pid, {core})
        run = server.run(cpu("async-blocking", 3, work_ms=200))
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait()
    assert {row["pid"] for row in run["timeline"]} == {served_by}, "the lab was restarted"
    # Computing on its loop beside them, the lab got part of its core and waited for the rest:
    # about half with the kernel's autogroups (the programs are this test's session, the lab
    # another), two thirds without.
    waited = loop_waited(run["timeline"], run["lanes"])
    assert waited >= 0.2, waited
    summary = run["summary"]
    assert any("waited for a core" in finding["text"] for finding in summary["reading"])
    # The stored verdict is judged with that wait: `crowded` once the run is off by more than
    # a quarter (usually: the lab runs at about half its pace), whatever pace it calibrated at.
    assert summary["verdict"] == verdict(
        summary["makespan_s"], Prediction(**run["prediction"]), run["status"], waited
    )
    if not summary["verdict"]["agrees"]:
        assert summary["verdict"]["kind"] == "crowded", summary["verdict"]
