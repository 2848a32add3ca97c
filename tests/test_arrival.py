"""Arrival models with a real lab: closed-loop users wait for answers, an open-loop rate keeps
its schedule, a ramp adds users as it goes."""

from __future__ import annotations

from tests.conftest import Playground, max_overlap


def test_open_loop_rate_sends_on_schedule_even_when_the_lab_is_frozen(
    playground: Playground,
) -> None:
    run = playground.run(
        {
            "scenario": "sleep",
            "variant": "async-blocking",
            "arrival": {"model": "rate", "rate_rps": 20, "duration_s": 2},
            "params": {"delay_ms": 100},
        }
    )
    assert run["status"] == "done"
    rows = sorted(run["timeline"], key=lambda row: row["i"])
    assert len(rows) == 40
    # Request i goes out at i / 20 s whatever happened to the ones before it.
    late = [row["sent_s"] - row["i"] / 20 for row in rows]
    assert max(late) < 0.25
    # The lab serves 10 a second, one at a time, so the answers fall behind the schedule.
    assert run["summary"]["makespan_s"] >= 40 * 0.1 * 0.95
    assert run["summary"]["max_ms"] > 1000
    assert run["summary"]["max_in_handler"] == 1


def test_closed_loop_users_wait_for_their_answer_before_the_next_request(
    playground: Playground,
) -> None:
    run = playground.run(
        {
            "scenario": "sleep",
            "variant": "async-blocking",
            "arrival": {
                "model": "users",
                "users": 4,
                "think_min_s": 0,
                "think_max_s": 0,
                "duration_s": 2,
            },
            "params": {"delay_ms": 100},
        }
    )
    assert run["status"] == "done"
    # One request at a time in the lab, 100 ms each, for 2 s: about 20, never 4 × 20.
    assert 12 <= run["summary"]["requests"] <= 26
    assert run["summary"]["max_in_handler"] == 1
    assert run["prediction"]["throughput_rps"] == 10.0


def test_a_ramp_adds_users_over_its_duration_and_ends_with_it(playground: Playground) -> None:
    duration_s = 6.0
    run = playground.run(
        {
            "scenario": "sleep",
            "variant": "async",
            "arrival": {
                "model": "ramp",
                "start_users": 1,
                "end_users": 30,
                "duration_s": duration_s,
                "think_min_s": 0.2,
                "think_max_s": 0.2,
            },
            "params": {"delay_ms": 100},
        }
    )
    assert run["status"] == "done"
    assert run["summary"]["errors"] == 0
    sent = [row["sent_s"] for row in run["timeline"]]
    # Closed-loop users join over the ramp: few send at first, many at the end (about 1→10
    # users in the first third against 20→30 in the last), and none after it.
    first = sum(1 for t in sent if t < duration_s / 3)
    last = sum(1 for t in sent if t >= duration_s * 2 / 3)
    assert first > 0
    assert last > 2 * first, (first, last)
    assert max(sent) < duration_s
    # Never more requests out than users: each waits for its answer before the next.
    out = [(row["sent_s"], row["received_s"]) for row in run["timeline"]]
    assert max_overlap(out) <= 30
    assert run["prediction"]["formula"].startswith("∫ min(U(t)=1→30 users")
    page = playground.client.get(f"/runs/{run['id']}").text
    assert "1 → 30 users over 6 s, think 0.2–0.2 s" in page
