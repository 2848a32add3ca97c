"""Predictions against measurements: every variant of every scenario at the scenario's
default load, through the real playground API, as a teacher would run them; and a burst of
1,000 waits on new connections against the same on connections kept alive.

Each is run `prediction_runs` times in a row, as a class would repeat a demo; the median run's
makespan is judged, and the note gives the range. A prediction holds when that makespan is within
±25% of it (`playground.verdict`). Every variant is judged: one whose model leaves a cost out
on purpose (`Variant.partial`) says which in its note.
"""

from __future__ import annotations

from typing import Any

from bench.report import Measure, Row
from bench.servers import Playground, playground
from bench.sizes import Sizes
from playground.scenarios import SCENARIOS
from playground.verdict import TOLERANCE

SECTION = "8 predictions"
CONNECTIONS_DELAY_MS = 250


def _variants(sizes: Sizes) -> list[tuple[str, str]]:
    chosen = sizes.prediction_scenarios or tuple(SCENARIOS)
    return [(s, v.id) for s in chosen for v in SCENARIOS[s].variants]


def _connection_runs(sizes: Sizes) -> list[str]:
    return [f"sleep async, {sizes.connections_burst:,} requests, {c} connections"
            for c in ("new", "kept-alive")]  # fmt: skip


def measures(sizes: Sizes) -> list[Measure]:
    return [(SECTION, f"{s} {v}") for s, v in _variants(sizes)] + [
        (SECTION, name) for name in _connection_runs(sizes)
    ]


def _row(name: str, runs: list[dict[str, Any]], partial: str = "") -> Row:
    failed = next((run for run in runs if run["status"] != "done"), None)
    if failed is not None:
        return Row(SECTION, name, None, "s", note=f"run {failed['status']}: {failed.get('error')}")
    runs = sorted(runs, key=lambda run: run["summary"]["makespan_s"])
    median = runs[len(runs) // 2]
    measured, predicted = median["summary"]["makespan_s"], median["prediction"]["makespan_s"]
    ratio = measured / predicted
    ratios = [run["summary"]["makespan_s"] / run["prediction"]["makespan_s"] for run in runs]
    spread = f"median of {len(runs)} runs, {min(ratios):.2f}–{max(ratios):.2f}×"
    return Row(
        SECTION,
        name,
        measured,
        "s",
        compared=f"predicted {predicted:.2f} s",
        ratio=ratio,
        target=f"within ±{TOLERANCE:.0%}",
        met=abs(ratio - 1) <= TOLERANCE,
        note=f"{spread}; the model leaves out {partial}" if partial else spread,
    )


async def _runs(server: Playground, body: dict[str, Any], sizes: Sizes) -> list[dict[str, Any]]:
    return [await server.wait(await server.start_run(body)) for _ in range(sizes.prediction_runs)]


async def measure(sizes: Sizes) -> list[Row]:
    rows = []
    async with playground() as server:
        for scenario_id, variant_id in _variants(sizes):
            scenario = SCENARIOS[scenario_id]
            body = {
                "scenario": scenario_id,
                "variant": variant_id,
                "arrival": dict(scenario.default_load),
                "params": scenario.default_params(),
            }
            partial = scenario.variants_by_id[variant_id].partial
            runs = await _runs(server, body, sizes)
            rows.append(_row(f"{scenario_id} {variant_id}", runs, partial))
        for name, connections in zip(_connection_runs(sizes), ("new", "kept-alive"), strict=True):
            arrival = {
                "model": "burst",
                "requests": sizes.connections_burst,
                "connections": connections,
            }
            body = {
                "scenario": "sleep",
                "variant": "async",
                "arrival": arrival,
                "params": {"delay_ms": CONNECTIONS_DELAY_MS},
            }
            rows.append(_row(name, await _runs(server, body, sizes)))
    return rows
