"""The time axis the drawn exports share with the page: its span and its round ticks."""

from __future__ import annotations

import math

from playground.exports.run import RunExport


def time_span(export: RunExport) -> float:
    """Seconds the axis spans: the whole run and its prediction, as the page fits them."""
    predicted = (export.record.prediction or {}).get("makespan_s") or 0.0
    return max(export.end_s * 1.02, float(predicted) * 1.05, 0.05)


def nice_step(span: float, count: int) -> float:
    """A step of 1, 2 or 5 x 10^k that gives about `count` ticks over `span`."""
    raw = span / max(1, count)
    power = 10.0 ** math.floor(math.log10(raw))
    scaled = raw / power
    return (1 if scaled < 1.5 else 2 if scaled < 3.5 else 5 if scaled < 7.5 else 10) * power


def tick_label(t: float, step: float) -> str:
    if step < 0.01:
        return f"{t * 1000:.1f} ms"
    if step < 1:
        return f"{t * 1000:.0f} ms"
    return f"{t:.0f} s"


def ticks(span: float, count: int) -> list[tuple[float, str]]:
    step = nice_step(span, count)
    return [(n * step, tick_label(n * step, step)) for n in range(int(span / step + 1e-9) + 1)]
