"""The run's state machine, on its own: which moves it takes, which it refuses, one outcome."""

from __future__ import annotations

from time import perf_counter

import pytest

from playground.run import FINAL, TRANSITIONS, IllegalTransition, Run, State
from playground.schemas import RunRequest


def new_run() -> Run:
    return Run(1, RunRequest(scenario="sleep", variant="async"), None)


def test_a_run_goes_pending_running_finishing_done() -> None:
    run = new_run()
    assert run.state == "pending" and run.elapsed_s() == 0.0
    run.started(perf_counter())
    assert run.state == "running"
    run.settle("done")
    assert (run.state, run.outcome) == ("finishing", "done")
    assert not run.finished.is_set()
    run.move("done")
    assert run.ended and run.finished.is_set()


def test_a_cancel_decides_the_outcome_and_the_natural_end_cannot_change_it() -> None:
    run = new_run()
    run.started(perf_counter())
    run.move("cancelling", outcome="cancelled", error="cancelled by the user")
    run.settle("done")  # the harness ended on its own meanwhile
    assert (run.state, run.outcome, run.error) == (
        "finishing",
        "cancelled",
        "cancelled by the user",
    )
    with pytest.raises(IllegalTransition):
        run.move("done")
    run.move("cancelled")
    assert run.state == "cancelled"


def test_a_second_cancel_is_refused_by_the_machine() -> None:
    run = new_run()
    run.move("cancelling", outcome="cancelled")
    with pytest.raises(IllegalTransition):
        run.move("cancelling", outcome="cancelled")


def test_a_run_is_stopped_only_as_cancelled_or_interrupted() -> None:
    run = new_run()
    with pytest.raises(IllegalTransition):
        run.move("cancelling", outcome="done")
    with pytest.raises(IllegalTransition):
        run.move("finishing")  # no outcome
    assert run.state == "pending" and run.outcome is None


def test_a_cancel_before_the_harness_started_keeps_the_run_cancelling() -> None:
    run = new_run()
    run.move("cancelling", outcome="cancelled")
    run.started(perf_counter())  # the harness reports its t0 after the cancel
    assert run.state == "cancelling" and run.t0 is not None


@pytest.mark.parametrize("final", sorted(FINAL))
def test_an_ended_run_moves_nowhere(final: State) -> None:
    run = new_run()
    run.move("finishing", outcome=final)  # type: ignore[arg-type]
    run.move(final)
    for to in TRANSITIONS:
        with pytest.raises(IllegalTransition):
            run.move(to, outcome=final)  # type: ignore[arg-type]
    assert run.state == final


def test_only_listed_moves_are_taken() -> None:
    for start, allowed in TRANSITIONS.items():
        for to in set(TRANSITIONS) - set(allowed):
            run = new_run()
            run.state = start
            with pytest.raises(IllegalTransition):
                run.move(to, outcome="cancelled")


def test_elapsed_counts_from_the_harness_t0() -> None:
    run = new_run()
    run.started(perf_counter() - 5.0)
    assert 5.0 <= run.elapsed_s() < 60
