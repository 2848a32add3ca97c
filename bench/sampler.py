"""Sampler cost: the lab's CPU under the same load with its lanes sampled and without.

Two labs with the same settings, one started the way the playground starts it (a collector
named, so it samples its lanes while it serves) and one with no collector (it samples nothing,
see `playground/lab/sampler.py`), take turns under the same closed-loop load. Each turn counts
the lab's CPU from before the load until the sampler has gone idle again after it, so the
sampler's lingering second is paid for too. The target: the sampled lab uses at most 2% more.
"""

from __future__ import annotations

import asyncio
import contextlib
import statistics
from collections.abc import AsyncIterator

from bench.report import Measure, Row
from bench.servers import cpu_seconds
from bench.sizes import Sizes
from playground.harness import Limits, Recording, Target, fire
from playground.lab.sampler import LINGER_S
from playground.lanes import LaneCollector
from playground.schemas import Users
from playground.settings import LabSettings
from playground.stats import summarize
from playground.supervisor import LabSupervisor

SECTION = "7 sampler"
TARGET_PERCENT = 2.0
SETTLE_S = LINGER_S + 0.5
"""After the load, the sampled lab lingers this long before its sampler sleeps."""


class _NoCollector(LaneCollector):
    """Names no address: a lab started with it samples nothing."""

    async def open(self) -> str:
        return ""


@contextlib.asynccontextmanager
async def _lab(sampled: bool) -> AsyncIterator[LabSupervisor]:
    supervisor = LabSupervisor(LabSettings(), guarded=False)
    if not sampled:
        supervisor.lanes = _NoCollector()
    await supervisor.start()
    try:
        yield supervisor
    finally:
        await supervisor.stop()


def measures(sizes: Sizes) -> list[Measure]:
    return [(SECTION, f"lab CPU with lanes sampled, {sizes.sampler_users} users")]


async def _turn(supervisor: LabSupervisor, sizes: Sizes) -> tuple[float, int]:
    """One turn of the load: the lab's CPU seconds, and the requests answered."""
    assert supervisor.pid is not None
    target = Target(supervisor.base_url, "/s/sleep/async", {"delay_ms": sizes.sampler_delay_ms})
    arrival = Users(
        users=sizes.sampler_users, think_min_s=0, think_max_s=0, duration_s=sizes.sampler_s
    )
    recording = Recording()
    await asyncio.sleep(SETTLE_S)  # whatever came before has wound down
    cpu = cpu_seconds(supervisor.pid)
    await fire(target, arrival, Limits(60, sizes.sampler_s + 60), recording)
    await asyncio.sleep(SETTLE_S)
    cpu = cpu_seconds(supervisor.pid) - cpu
    summary = summarize(recording.rows, recording.pings, None)
    if summary["errors"]:
        raise RuntimeError(f"the harness saw {summary['errors']} errors")
    return cpu, summary["completed"]


async def measure(sizes: Sizes) -> list[Row]:
    on: list[float] = []
    off: list[float] = []
    answered: list[int] = []
    async with _lab(sampled=True) as sampled, _lab(sampled=False) as silent:
        await _turn(sampled, sizes)  # warm both up
        await _turn(silent, sizes)
        for _ in range(sizes.sampler_rounds):
            cpu, count = await _turn(sampled, sizes)
            on.append(cpu / count)
            answered.append(count)
            cpu, count = await _turn(silent, sizes)
            off.append(cpu / count)
            answered.append(count)
    with_lanes, without = statistics.median(on), statistics.median(off)
    extra = 100 * (with_lanes - without) / without
    return [
        Row(
            SECTION,
            measures(sizes)[0][1],
            with_lanes * 1e6,
            "µs/request",
            compared=f"without {without * 1e6:,.0f} µs/request",
            ratio=with_lanes / without,
            target=f"≤ {TARGET_PERCENT:g}% more",
            met=extra <= TARGET_PERCENT,
            note=(
                f"/s/sleep/async, {sizes.sampler_delay_ms} ms, {sizes.sampler_users} users with "
                f"no think time for {sizes.sampler_s:g} s, median of {sizes.sampler_rounds} "
                f"turns each, taking turns, {min(answered):,}–{max(answered):,} requests a "
                f"turn; the lab's CPU from before the load to {SETTLE_S:g} s after it "
                f"(the sampler's linger included): {extra:+.1f}% with lanes sampled"
            ),
        )
    ]
