"""Sampler cost: the lab's CPU under the same load with its lanes sampled and without.

Two labs with the same settings, one started the way the playground starts it (a collector
named, so it samples its lanes while it serves) and one with no collector (it samples nothing,
see `playground/lab/sampler.py`), take turns under the same closed-loop load, in alternating
order. Each turn counts the lab's CPU from before the load until the sampler has gone idle again
after it, so the sampler's lingering second is paid for too.

Two labs' CPU per request differ by 5 to 10% from one turn to the next whatever they sample
(two silent labs compared read from 0.90 to 1.01 in one run), far more than the 2% to measure.
So the sampled lab samples `AMPLIFY` times faster than the playground's (every interval that
much shorter, see `LaneCollector.rate`), and its extra CPU is divided by `AMPLIFY`: the cost at
the real rate, with the noise divided too. The target: at most 2% more.
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
AMPLIFY = 10


class _NoCollector(LaneCollector):
    """Names no address: a lab started with it samples nothing."""

    async def open(self) -> str:
        return ""


@contextlib.asynccontextmanager
async def _lab(sampled: bool) -> AsyncIterator[LabSupervisor]:
    supervisor = LabSupervisor(LabSettings(), guarded=False)
    if sampled:
        supervisor.lanes.rate = AMPLIFY
    else:
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
    extras: list[float] = []
    per_request: dict[bool, list[float]] = {True: [], False: []}
    answered: list[int] = []
    async with _lab(sampled=True) as sampled, _lab(sampled=False) as silent:
        labs = {True: sampled, False: silent}
        await _turn(sampled, sizes)  # warm both up
        await _turn(silent, sizes)
        for round_ in range(sizes.sampler_rounds):
            turn = {}
            for is_sampled in (True, False) if round_ % 2 == 0 else (False, True):
                cpu, count = await _turn(labs[is_sampled], sizes)
                turn[is_sampled] = cpu / count
                per_request[is_sampled].append(cpu / count)
                answered.append(count)
            extras.append((turn[True] / turn[False] - 1) / AMPLIFY)
    extra = 100 * statistics.median(extras)
    without = statistics.median(per_request[False])
    with_lanes = without * (1 + extra / 100)
    amplified = statistics.median(per_request[True])
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
                f"no think time for {sizes.sampler_s:g} s, {sizes.sampler_rounds} rounds of a "
                f"turn each in alternating order, {min(answered):,}–{max(answered):,} requests "
                f"a turn; the lab's CPU from before the load to {SETTLE_S:g} s after it (the "
                f"sampler's linger included); sampled {AMPLIFY}× as often, "
                f"{amplified * 1e6:,.0f} µs/request, each round's extra divided by {AMPLIFY}: "
                f"{extra:+.1f}% (rounds {100 * min(extras):+.1f}% to {100 * max(extras):+.1f}%)"
            ),
        )
    ]
