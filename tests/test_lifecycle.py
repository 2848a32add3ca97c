"""Runs outlive the playground; a run cut short is stored as such; a crashed lab comes back."""

from __future__ import annotations

import contextlib
import os
import random
import signal
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import Playground, burst, read_events


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


def test_the_lab_and_a_harness_for_the_first_run_start_and_stop_with_the_playground(
    fresh_playground: Callable[..., Playground],
) -> None:
    server = fresh_playground()
    # Started with the playground, so the first run does not wait a second for its imports.
    harnesses = harness_pids(server.process.pid)
    assert len(harnesses) == 1
    lab = server.lab()
    server.stop()
    try:
        httpx.get(f"{lab['url']}/info", timeout=2)
        alive = True
    except httpx.TransportError:
        alive = False
    assert not alive
    assert not any(b"playground.harness_process" in cmdline(pid) for pid in harnesses)


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


# A run's end, whatever ends it: cancels from many clients, the harness or the playground dying.


def harness_pids(parent: int) -> list[int]:
    """The harness processes the playground `parent` started, found in /proc."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == parent and b"playground.harness_process" in cmdline:
            pids.append(int(entry.name))
    return pids


def stored(db_path: Path, run_id: int) -> tuple[str, list[int]]:
    """The run's status and request indexes as the SQLite file holds them, read directly."""
    with contextlib.closing(sqlite3.connect(db_path)) as db:
        (status,) = db.execute("SELECT status FROM runs WHERE id = ?", (run_id,)).fetchone()
        rows = db.execute("SELECT i FROM requests WHERE run_id = ? ORDER BY i", (run_id,))
        return status, [i for (i,) in rows]


def assert_every_sent_request_has_one_row(run: dict[str, Any]) -> None:
    """A burst numbers its requests as it sends them: rows 0..n-1, each once, is all it sent."""
    indexes = [row["i"] for row in run["timeline"]]
    assert indexes == list(range(len(indexes)))


def cancel_from_threads(server: Playground, run_id: int, delays_s: list[float]) -> list[Any]:
    """Cancel from one thread per delay, each after its delay; their answers, in order."""
    answers: list[Any] = [None] * len(delays_s)

    def cancel(n: int) -> None:
        time.sleep(delays_s[n])
        with httpx.Client(base_url=server.url, timeout=30) as client:
            response = client.post(f"/api/runs/{run_id}/cancel")
        answers[n] = (response.status_code, response.json())

    threads = [threading.Thread(target=cancel, args=(n,)) for n in range(len(delays_s))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def wait_until_startable(server: Playground, body: dict[str, Any], timeout_s: float) -> int:
    """Start a run as soon as the playground takes it; its id."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        response = server.client.post("/api/runs", json=body)
        if response.status_code == 201:
            return int(response.json()["id"])
        assert response.status_code in (409, 503), response.text
        time.sleep(0.05)
    raise AssertionError(f"no run could start within {timeout_s} s")


@pytest.mark.parametrize("clients", [2, 3])
def test_cancels_from_several_clients_at_random_moments_end_the_run_once_as_cancelled(
    playground: Playground, clients: int
) -> None:
    rng = random.Random(clients)
    started = time.monotonic()
    playground.client.put("/api/lab/settings", json=playground.lab()["settings"])
    restart_s = time.monotonic() - started  # what a lab restart takes on this machine now
    lab_pid = playground.lab()["pid"]

    run_id = playground.start_run(burst("async-blocking", 50, delay_ms=200))  # 10 s alone
    time.sleep(rng.uniform(0.0, 1.5))
    delays = sorted(rng.uniform(0.0, 0.4) for _ in range(clients))
    answers = cancel_from_threads(playground, run_id, delays)
    answered = time.monotonic()

    first_status, first = answers[0]
    assert (first_status, first) == (200, {"id": run_id, "status": "cancelling"})
    for code, body in answers[1:]:  # the same, or the end it already reached
        assert (code, body) in (
            (200, {"id": run_id, "status": "cancelling"}),
            (409, {"detail": f"run {run_id} is not running (it is cancelled)"}),
        )
    next_id = wait_until_startable(playground, burst("async", 10, delay_ms=50), 180)
    ready_s = time.monotonic() - answered

    run = playground.wait(run_id)
    assert run["status"] == "cancelled"
    assert stored(playground.db_path, run_id)[0] == "cancelled"
    assert run["timeline"], "what was measured before the cancel is stored"
    assert_every_sent_request_has_one_row(run)
    assert any(row["error"] == "cancelled" for row in run["timeline"])
    # Held requests cannot spill over: the lab is restarted unless it had settled (it does not
    # when its loop is blocked), and the next run below finds it clean.
    if any(row["began_s"] is not None for row in run["timeline"]):
        assert playground.lab()["pid"] != lab_pid
    # Within 5 s of a lab's start-up: measured, since a busy machine starts a lab slowly.
    assert ready_s < 2 * restart_s + 5, f"ready {ready_s:.1f} s after the cancel ({restart_s:.1f})"

    after = playground.wait(next_id)
    assert after["status"] == "done" and after["summary"]["errors"] == 0


@pytest.mark.parametrize("cancel_after_s", [0.3, 0.6, 0.9, 1.2, 1.5])
def test_a_cancel_racing_the_natural_end_answers_with_what_is_stored(
    playground: Playground, cancel_after_s: float
) -> None:
    run_id = playground.start_run(burst("async", 20, delay_ms=500))
    time.sleep(cancel_after_s)
    answer = playground.client.post(f"/api/runs/{run_id}/cancel")
    run = playground.wait(run_id)
    if answer.status_code == 200:
        assert answer.json()["status"] == "cancelling"
        assert run["status"] == "cancelled"
    else:
        assert answer.status_code == 409
        assert answer.json()["detail"] == f"run {run_id} is not running (it is {run['status']})"
    assert stored(playground.db_path, run_id)[0] == run["status"]
    assert_every_sent_request_has_one_row(run)


def test_the_page_cancel_answers_like_the_api(playground: Playground) -> None:
    missing = playground.client.post("/runs/424242/cancel")
    assert missing.status_code == 404
    assert missing.json() == {"detail": "there is no run 424242"}
    run = playground.run(burst("async", 5, delay_ms=10))
    ended = playground.client.post(f"/runs/{run['id']}/cancel")
    assert ended.status_code == 409
    assert ended.json() == {"detail": f"run {run['id']} is not running (it is done)"}
    run_id = playground.start_run(burst("async-blocking", 20, delay_ms=200))
    cancelled = playground.client.post(f"/runs/{run_id}/cancel")
    assert (cancelled.status_code, cancelled.json()) == (
        200,
        {"id": run_id, "status": "cancelling"},
    )
    assert playground.wait(run_id)["status"] == "cancelled"


def test_a_killed_playground_keeps_the_rows_stored_up_to_the_last_second(
    fresh_playground: Callable[..., Playground],
) -> None:
    first = fresh_playground()
    run_id = first.start_run(burst("async-blocking", 100, delay_ms=200))  # 20 s, 5 rows a second
    seen = len(first.wait_rows(run_id, 10)["timeline"])
    harnesses = harness_pids(first.process.pid)
    time.sleep(1.5)  # what was seen is a second and a half old: it must be stored
    last = len(first.client.get(f"/api/runs/{run_id}").json()["timeline"])
    first.process.kill()
    first.process.wait()

    status, indexes = stored(first.db_path, run_id)
    assert status == "running"  # nobody could say otherwise
    assert len(indexes) >= seen
    print(f"rows seen just before the SIGKILL: {last}; stored: {len(indexes)}")

    deadline = time.monotonic() + 15
    assert harnesses
    while any(b"playground.harness_process" in cmdline(pid) for pid in harnesses):
        assert time.monotonic() < deadline, "the harness outlived the playground"
        time.sleep(0.2)

    second = fresh_playground(db_path=first.db_path)
    run = second.client.get(f"/api/runs/{run_id}").json()
    assert run["status"] == "interrupted"
    assert len(run["timeline"]) == len(indexes)


def cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def test_sigterm_stores_the_run_interrupted_with_its_rows_before_the_process_exits(
    fresh_playground: Callable[..., Playground],
) -> None:
    server = fresh_playground()
    run_id = server.start_run(burst("async-blocking", 100, delay_ms=200))
    seen = server.wait_rows(run_id, 5)

    def watch() -> None:  # a page follows the run's stream as the playground stops
        with contextlib.suppress(httpx.HTTPError):
            read_events(server, run_id, 60)

    watching = threading.Thread(target=watch)
    watching.start()
    time.sleep(0.5)
    server.process.send_signal(signal.SIGTERM)
    server.process.wait(60)  # uvicorn shuts down, then re-raises the signal: -15
    watching.join()

    status, indexes = stored(server.db_path, run_id)
    assert status == "interrupted"
    assert len(indexes) == 100  # all were sent at once: answered, or cancelled when it stopped
    assert indexes == list(range(100))
    assert len(indexes) >= len(seen["timeline"])


def test_a_killed_harness_fails_the_run_with_the_reason_and_the_next_run_works(
    playground: Playground,
) -> None:
    run_id = playground.start_run(burst("async-blocking", 50, delay_ms=200))
    playground.wait_rows(run_id, 3)
    (harness,) = harness_pids(playground.process.pid)
    os.kill(harness, signal.SIGKILL)

    run = playground.wait(run_id)
    assert run["status"] == "failed"
    assert "the harness process was killed by SIGKILL" in run["error"]
    assert_every_sent_request_has_one_row(run)
    assert any("no answer recorded" in (row["error"] or "") for row in run["timeline"])

    after = playground.run(burst("async", 10, delay_ms=50))
    assert after["status"] == "done" and after["summary"]["errors"] == 0


def test_a_cancelled_run_whose_lab_settles_keeps_the_lab(playground: Playground) -> None:
    """Waits on the loop finish within their delay after a cancel: nothing is held, so the
    lab is not restarted and the next run can start at once."""
    lab_pid = playground.lab()["pid"]
    run_id = playground.start_run(burst("async", 100, delay_ms=300))
    playground.wait_rows(run_id, 1)
    assert playground.client.post(f"/api/runs/{run_id}/cancel").status_code in (200, 409)
    run = playground.wait(run_id)
    assert run["status"] in ("cancelled", "done")
    assert playground.lab()["pid"] == lab_pid
    after = playground.run(burst("async", 10, delay_ms=50))
    assert after["status"] == "done" and after["summary"]["errors"] == 0
