"""The event stream: every request and the summary, numbered, and a replay for late clients."""

from __future__ import annotations

import time

from tests.conftest import Playground, burst, read_events


def test_stream_delivers_every_request_then_the_summary(playground: Playground) -> None:
    run_id = playground.start_run(burst("async", 200, delay_ms=300))
    events = read_events(playground, run_id)

    assert [event.name for event in events][-1] == "summary"
    assert {event.name for event in events[:-1]} == {"update"}
    ids = [int(event.id) for event in events]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    done = [row["i"] for event in events[:-1] for row in event.data["done"]]
    sent = [i for event in events[:-1] for i, _ in event.data["sent"]]
    assert sorted(done) == list(range(200))
    assert sorted(sent) == list(range(200))
    summary = events[-1].data
    assert summary["status"] == "done"
    assert summary["summary"]["completed"] == 200
    assert "makespan" in summary["html"]
    # Batched: far fewer frames than the 400+ things that happened.
    assert len(events) < 60


def test_a_late_client_first_gets_what_already_happened(playground: Playground) -> None:
    run_id = playground.start_run(burst("async-blocking", 12, delay_ms=100))
    time.sleep(0.6)  # about half the run has happened
    events = read_events(playground, run_id)
    first = events[0]
    assert first.name == "update"
    assert len(first.data["sent"]) >= 2  # the replay: sent before this client came
    done = sorted(row["i"] for event in events[:-1] for row in event.data["done"])
    assert done == list(range(12))
    assert events[-1].name == "summary"


def test_a_finished_run_replays_from_the_store(playground: Playground) -> None:
    run = playground.run(burst("async", 20, delay_ms=50))
    events = read_events(playground, run["id"])
    assert [event.name for event in events] == ["update", "summary"]
    assert events[0].data["done"] == run["timeline"]
    assert events[0].data["bystander"] == run["bystander"]
    assert events[1].data["summary"] == run["summary"]


def test_stream_of_an_unknown_run_is_404(playground: Playground) -> None:
    assert playground.client.get("/api/runs/999999/events").status_code == 404
