"""A run in words for the files that show it: its load, parameters, lab and key numbers."""

from __future__ import annotations

from typing import Any

from playground.store import RunRecord


def load_text(arrival: dict[str, Any]) -> str:
    """The load model in one phrase, as the run page says it."""
    model = arrival.get("model")
    if model == "burst":
        at_once = arrival.get("concurrency") or "all"
        return f"{arrival['requests']:,} requests, {at_once} at once"
    if model == "users":
        return (
            f"{arrival['users']:,} users, think {arrival['think_min_s']:g}–"
            f"{arrival['think_max_s']:g} s, for {arrival['duration_s']:g} s"
        )
    if model == "rate":
        return f"{arrival['rate_rps']:g} req/s for {arrival['duration_s']:g} s"
    if model == "ramp":
        return (
            f"{arrival['start_users']:,} → {arrival['end_users']:,} users over "
            f"{arrival['duration_s']:g} s, think {arrival['think_min_s']:g}–"
            f"{arrival['think_max_s']:g} s"
        )
    return ", ".join(f"{key} = {value}" for key, value in arrival.items())


def settings_text(record: RunRecord) -> str:
    """Load, the endpoint's parameters and the lab, in one line."""
    parts = [load_text(record.request.get("arrival", {}))]
    parts += [f"{name} = {value}" for name, value in record.request.get("params", {}).items()]
    settings = record.lab.get("settings", {})
    info = record.lab.get("info") or {}
    workers = settings.get("workers", 1)
    parts.append(
        f"lab: {settings.get('threadpool', '?')} threads, {workers} worker"
        f"{'s' if workers != 1 else ''}, {info.get('cores', '?')} cores"
    )
    return " · ".join(parts)


def _num(value: float | None, digits: int = 0) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def key_numbers(record: RunRecord) -> list[tuple[str, str]]:
    """(label, value) pairs: the numbers the run page shows under the timeline."""
    s = record.summary
    if s is None:
        return []
    predicted = record.prediction.get("makespan_s") if record.prediction else None
    makespan = f"{_num(s['makespan_s'], 2)} s"
    if predicted is not None:
        makespan += f" (predicted {_num(predicted, 2)} s)"
    return [
        ("makespan", makespan),
        ("throughput", f"{_num(s['throughput_rps'], 1)} req/s"),
        ("most in handler at once", str(s["max_in_handler"])),
        ("bystander worst", f"{_num(s['bystander_max_ms'])} ms"),
        ("p50", f"{_num(s['p50_ms'])} ms"),
        ("p95", f"{_num(s['p95_ms'])} ms"),
        ("p99", f"{_num(s['p99_ms'])} ms"),
        ("max", f"{_num(s['max_ms'])} ms"),
        ("completed", f"{s['completed']:,} / {s['requests']:,}"),
        ("errors", f"{s['errors']:,}"),
    ]


LEGEND: tuple[tuple[str, str], ...] = (
    ("waiting", "waiting (sent → handler began)"),
    ("running", "in the handler"),
    ("span", "offloaded work / parts"),
    ("tail", "response on its way"),
    ("error", "failed or timed out"),
    ("bystander", "bystander ping latency"),
    ("predicted", "predicted makespan"),
)
"""(palette colour, words): the page's legend, `templates/_legend.html`."""
