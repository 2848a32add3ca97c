"""Statistics of a run, as pure functions."""

from __future__ import annotations

from playground.schemas import BystanderRow, RequestRow
from playground.stats import max_overlap, percentile, summarize


def row(
    i: int, sent: float, began: float, ended: float, received: float, error: str | None = None
) -> RequestRow:
    return RequestRow(
        i=i,
        sent_s=sent,
        began_s=began,
        ended_s=ended,
        received_s=received,
        status_code=200,
        error=error,
        thread="t",
        pid=1,
        spans=[],
    )


def test_percentile_interpolates_between_ranks() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 50.5
    assert percentile(values, 0) == 1
    assert percentile(values, 100) == 100
    assert percentile([], 95) == 0


def test_touching_intervals_do_not_overlap() -> None:
    assert max_overlap([(0, 1), (1, 2), (2, 3)]) == 1
    assert max_overlap([(0, 2), (1, 3), (1.5, 1.6)]) == 3
    assert max_overlap([]) == 0


def test_summary_counts_errors_and_measures_from_first_send_to_last_response() -> None:
    rows = [
        row(0, 0.0, 0.01, 0.2, 0.21),
        row(1, 0.0, 0.21, 0.4, 0.41),
        row(2, 0.1, 0.0, 0.0, 0.5, error="timed out"),
    ]
    pings = [
        BystanderRow(at_s=0.0, latency_ms=1.0, error=None),
        BystanderRow(at_s=0.05, latency_ms=180.0, error=None),
    ]
    summary = summarize(rows, pings, None)
    assert summary["requests"] == 3
    assert summary["completed"] == 2
    assert summary["errors"] == 1
    assert summary["makespan_s"] == 0.5
    assert summary["max_in_handler"] == 1
    assert abs(summary["max_ms"] - 410) < 1e-6
    assert summary["bystander_max_ms"] == 180
    assert summary["predicted_makespan_s"] is None


def test_requests_a_cancel_left_unanswered_are_counted_cancelled_not_errors() -> None:
    from playground.predict import Prediction
    from playground.schemas import CANCELLED_ERROR

    unanswered = row(2, 0.0, 0.0, 0.0, 0.0, error=CANCELLED_ERROR)
    unanswered.update(began_s=None, ended_s=None, received_s=None, status_code=None)
    rows = [row(0, 0.0, 0.1, 0.2, 0.25), row(1, 0.0, 0.1, 0.2, 0.3, error="HTTP 500"), unanswered]
    prediction = Prediction(makespan_s=5.0, throughput_rps=1.0, formula="f", model_text="m")
    summary = summarize(rows, [], prediction)
    assert (summary["completed"], summary["errors"], summary.get("cancelled")) == (1, 1, 1)
    assert summary["verdict"] is None  # a stopped run's makespan says nothing of the model
    assert summary["failure"] is None  # one failure of three is not "most failed"
