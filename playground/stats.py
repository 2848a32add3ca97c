"""Statistics of a run, as pure functions over its rows."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence

from playground.predict import Prediction
from playground.schemas import CANCELLED_ERROR, BystanderRow, RequestRow, Summary
from playground.verdict import verdict


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100) by linear interpolation between closest ranks."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def max_overlap(intervals: Iterable[tuple[float, float]]) -> int:
    """Most intervals open at one instant; one that ends as another begins does not overlap."""
    edges = sorted(
        [(began, 1) for began, _ in intervals] + [(ended, -1) for _, ended in intervals],
        key=lambda edge: (edge[0], edge[1]),
    )
    open_now = most = 0
    for _, step in edges:
        open_now += step
        most = max(most, open_now)
    return most


def handler_intervals(rows: Iterable[RequestRow]) -> list[tuple[float, float]]:
    return [
        (row["began_s"], row["ended_s"])
        for row in rows
        if row["began_s"] is not None and row["ended_s"] is not None
    ]


def cancelled(row: RequestRow) -> bool:
    """Never answered because the run was cancelled or interrupted: not a failure."""
    return row["error"] == CANCELLED_ERROR


def failure(rows: Sequence[RequestRow]) -> str | None:
    """When most requests failed (cancelled ones are not failures), how many and the
    commonest reason; else None."""
    errors = [row["error"] for row in rows if row["error"] is not None and not cancelled(row)]
    if not rows or len(errors) * 2 <= len(rows):
        return None
    reason, count = Counter(errors).most_common(1)[0]
    others = f" ({count:,} of them)" if count < len(errors) else ""
    return f"{len(errors):,} of {len(rows):,} requests failed: {reason}{others}"


def summarize(
    rows: Sequence[RequestRow],
    bystander: Sequence[BystanderRow],
    prediction: Prediction | None,
    status: str | None = None,
    loop_waited: float = 0.0,
) -> Summary:
    """The run's numbers and its verdict; `loop_waited`: the share of the run the lab's event
    loop waited for a core (from its lanes)."""
    ok = [row for row in rows if row["error"] is None and row["received_s"] is not None]
    latencies = [(row["received_s"] - row["sent_s"]) * 1000 for row in ok]  # type: ignore[operator]
    ends = [row["received_s"] for row in rows if row["received_s"] is not None]
    first_sent = min((row["sent_s"] for row in rows), default=0.0)
    makespan = max(ends, default=first_sent) - first_sent
    pings = [row["latency_ms"] for row in bystander if row["latency_ms"] is not None]
    stopped = sum(1 for row in rows if cancelled(row))
    return Summary(
        requests=len(rows),
        completed=len(ok),
        errors=len(rows) - len(ok) - stopped,
        cancelled=stopped,
        makespan_s=makespan,
        throughput_rps=len(ok) / makespan if makespan > 0 else 0.0,
        p50_ms=percentile(latencies, 50),
        p95_ms=percentile(latencies, 95),
        p99_ms=percentile(latencies, 99),
        max_ms=max(latencies, default=0.0),
        max_in_handler=max_overlap(handler_intervals(rows)),
        bystander_p50_ms=percentile(pings, 50),
        bystander_max_ms=max(pings, default=0.0),
        predicted_makespan_s=prediction.makespan_s if prediction else None,
        predicted_throughput_rps=prediction.throughput_rps if prediction else None,
        failure=failure(rows),
        # A stopped run's makespan is not what the model predicts: no verdict on it.
        verdict=None if stopped else verdict(makespan, prediction, status, loop_waited),
    )
