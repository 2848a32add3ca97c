"""Agreement with Locust: the playground's `users` arrival model against Locust's HttpUser,
same users, same think time (uniform between the bounds, after each answer), same endpoint,
same lab, one after the other.

Both are cut the same way: time zero is each one's first request; the steady state is the
requests answered between the warm-up and the cool-down; throughput is those requests over
the window's length, latency their median. Locust's requests are stamped with the same
monotonic clock as the harness's (see bench/locustfile.py).
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench import tools
from bench.report import Measure, Row
from bench.servers import lab
from bench.sizes import Sizes
from playground.harness import Limits, Recording, Target, fire
from playground.schemas import Users

SECTION = "3 vs Locust"
LOCUSTFILE = Path(__file__).parent / "locustfile.py"
TOLERANCE = 0.05
VARIANTS = {"sync": "def", "async": "async def"}


@dataclass(frozen=True)
class Steady:
    rps: float
    median_ms: float
    requests: int
    errors: int


def steady(requests: Sequence[tuple[float, float, bool]], sizes: Sizes) -> Steady:
    """Throughput and median latency of the requests answered inside the steady window."""
    if not requests:
        return Steady(0.0, 0.0, 0, 0)
    t0 = min(started for started, _, _ in requests)
    low = t0 + sizes.users_warmup_s
    high = t0 + sizes.users_duration_s - sizes.users_cooldown_s
    inside = [(s, e, ok) for s, e, ok in requests if low <= e < high]
    latencies = [(e - s) * 1000 for s, e, ok in inside if ok]
    return Steady(
        rps=len(latencies) / (high - low),
        median_ms=statistics.median(latencies) if latencies else 0.0,
        requests=len(inside),
        errors=sum(1 for *_, ok in inside if not ok),
    )


async def run_locust(locust: Path, target: Target, users: int, sizes: Sizes) -> Steady:
    with tempfile.TemporaryDirectory(prefix="bench-locust-") as folder:
        out = Path(folder) / "requests.json"
        process = await asyncio.create_subprocess_exec(
            str(locust),
            "-f",
            str(LOCUSTFILE),
            "--headless",
            "--users",
            str(users),
            "--spawn-rate",
            str(users),
            "--run-time",
            f"{sizes.users_duration_s:g}s",
            "--host",
            target.base_url,
            "--stop-timeout",
            "5",
            "--only-summary",
            "--loglevel",
            "WARNING",
            env={
                **os.environ,
                "BENCH_PATH": target.url.path_qs,
                "BENCH_THINK": ",".join(str(bound) for bound in sizes.think_s),
                "BENCH_OUT": str(out),
            },
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        log = (await process.communicate())[0].decode(errors="replace")
        if not out.exists():
            raise RuntimeError(
                f"locust wrote no requests (exit {process.returncode}): {log[-300:]}"
            )
        records = [(float(s), float(e), bool(ok)) for s, e, ok in json.loads(out.read_text())]
    return steady(records, sizes)


async def run_playground(target: Target, users: int, sizes: Sizes) -> Steady:
    recording = Recording()
    think_min, think_max = sizes.think_s
    arrival = Users(
        users=users, think_min_s=think_min, think_max_s=think_max, duration_s=sizes.users_duration_s
    )
    await fire(target, arrival, Limits(60, sizes.users_duration_s + 60), recording)
    return steady(
        [
            (row["sent_s"], row["received_s"], row["error"] is None)
            for row in recording.rows
            if row["received_s"] is not None
        ],
        sizes,
    )


def measures(sizes: Sizes) -> list[Measure]:
    return [
        (SECTION, f"{users:,} users, {label}: {what}")
        for users in sizes.users
        for label in VARIANTS.values()
        for what in ("req/s", "median latency")
    ]


def _row(measure: str, ours: float, theirs: float, unit: str, note: str) -> Row:
    ratio = ours / theirs if theirs else None
    return Row(
        SECTION,
        measure,
        ours,
        unit,
        compared=f"Locust {theirs:,.{0 if theirs >= 100 else 1}f} {unit}",
        ratio=ratio,
        target=f"within {TOLERANCE:.0%}",
        met=ratio is not None and abs(ratio - 1) <= TOLERANCE,
        note=note,
    )


async def measure(sizes: Sizes) -> list[Row]:
    locust = tools.locust()
    rows: list[Row] = []
    window = sizes.users_duration_s - sizes.users_warmup_s - sizes.users_cooldown_s
    async with lab() as supervisor:
        for users in sizes.users:
            for variant, label in VARIANTS.items():
                params = {"delay_ms": sizes.users_delay_ms}
                target = Target(supervisor.base_url, f"/s/sleep/{variant}", params)
                theirs = await run_locust(locust, target, users, sizes)
                await asyncio.sleep(1)
                ours = await run_playground(target, users, sizes)
                await asyncio.sleep(1)
                note = (
                    f"{target.url.path_qs}, think {sizes.think_s[0]:g}–{sizes.think_s[1]:g} s, "
                    f"{sizes.users_duration_s:g} s runs, steady window {window:g} s: "
                    f"{ours.requests:,} requests vs Locust's {theirs.requests:,}"
                    + (
                        f"; errors {ours.errors} vs {theirs.errors}"
                        if ours.errors or theirs.errors
                        else ""
                    )
                )
                rows.append(
                    _row(f"{users:,} users, {label}: req/s", ours.rps, theirs.rps, "req/s", note)
                )
                rows.append(
                    _row(
                        f"{users:,} users, {label}: median latency",
                        ours.median_ms,
                        theirs.median_ms,
                        "ms",
                        "same window",
                    )
                )
    return rows
