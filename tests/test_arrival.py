"""Arrival models: closed-loop users wait for answers, an open-loop rate keeps its schedule."""

from __future__ import annotations

from tests.conftest import Playground


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
