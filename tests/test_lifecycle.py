"""Runs outlive the playground; a run cut short is stored as such; a crashed lab comes back."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable

import httpx

from tests.conftest import Playground, burst


def test_a_restart_keeps_the_runs(fresh_playground: Callable[..., Playground]) -> None:
    first = fresh_playground()
    run = first.run(burst("async", 30, delay_ms=50))
    first.stop()

    second = fresh_playground(db_path=first.db_path)
    again = second.client.get(f"/api/runs/{run['id']}").json()
    assert again["status"] == "done"
    assert again["timeline"] == run["timeline"]
    assert again["summary"] == run["summary"]
    page = second.client.get(f"/runs/{run['id']}")
    assert page.status_code == 200
    assert f"/api/runs/{run['id']}/events" in page.text


def test_a_run_in_flight_when_the_playground_dies_is_marked_interrupted(
    fresh_playground: Callable[..., Playground],
) -> None:
    first = fresh_playground()
    run_id = first.start_run(burst("async-blocking", 100, delay_ms=200))
    time.sleep(0.5)
    first.process.kill()  # no chance to clean up
    first.process.wait()

    second = fresh_playground(db_path=first.db_path)
    run = second.client.get(f"/api/runs/{run_id}").json()
    assert run["status"] == "interrupted"
    assert "stopped" in run["error"]


def test_a_graceful_stop_during_a_run_stores_it_interrupted(
    fresh_playground: Callable[..., Playground],
) -> None:
    first = fresh_playground()
    run_id = first.start_run(burst("async", 20, delay_ms=5_000))
    time.sleep(0.5)
    first.stop()  # Ctrl-C

    second = fresh_playground(db_path=first.db_path)
    run = second.client.get(f"/api/runs/{run_id}").json()
    assert run["status"] == "interrupted"
    assert len(run["timeline"]) == 20  # what it measured is kept


def test_a_crashed_lab_fails_the_run_with_the_reason_and_is_restarted(
    fresh_playground: Callable[..., Playground],
) -> None:
    server = fresh_playground()
    lab_pid = server.lab()["pid"]
    run_id = server.start_run(burst("async", 50, delay_ms=3_000))
    time.sleep(0.5)
    os.kill(lab_pid, signal.SIGKILL)

    run = server.wait(run_id, timeout_s=30)
    assert run["status"] == "failed"
    assert "SIGKILL" in run["error"] and "restarted" in run["error"]

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        lab = server.lab()
        if lab["pid"] != lab_pid and lab["info"] and not lab["busy"]:
            break
        time.sleep(0.2)
    assert lab["pid"] != lab_pid
    assert lab["restarts"] >= 1
    after = server.run(burst("async", 10, delay_ms=50))
    assert after["status"] == "done"
    assert after["summary"]["errors"] == 0


def test_the_lab_stops_with_the_playground(fresh_playground: Callable[..., Playground]) -> None:
    server = fresh_playground()
    lab = server.lab()
    server.stop()
    try:
        httpx.get(f"{lab['url']}/info", timeout=2)
        alive = True
    except httpx.TransportError:
        alive = False
    assert not alive


def test_the_run_deadline_records_what_did_not_finish_as_timed_out(
    fresh_playground: Callable[..., Playground],
) -> None:
    server = fresh_playground("--run-deadline", "1.5")
    run = server.run(burst("async-blocking", 30, delay_ms=200))  # 6 s if left alone
    assert run["status"] == "done"
    assert "deadline passed" in run["error"]
    timed_out = [row for row in run["timeline"] if row["error"]]
    assert timed_out and all("deadline passed" in row["error"] for row in timed_out)
    assert len(run["timeline"]) == 30
    assert run["summary"]["errors"] == len(timed_out)
    assert run["summary"]["completed"] <= 10  # 1.5 s of 200 ms requests, one at a time

    after = server.run(burst("async", 10, delay_ms=50))  # a fresh lab: no leftovers
    assert after["summary"]["errors"] == 0
    assert after["summary"]["makespan_s"] < 1
