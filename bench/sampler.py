"""Sampler cost: the lab's CPU under the same load with its lanes sampled and without.

Two labs with the same settings, one started the way the playground starts it (a collector
named, so it samples its lanes while it serves) and one with no collector (it samples nothing,
see `playground/lab/sampler.py`), serve the same closed-loop load side by side: at the same
time, both pinned to one core, the harness on the others. Each round counts each lab's CPU,
every thread's to the nanosecond, from before the load until the sampler has gone idle again
after it, so the sampler's linger is paid for too.

Why side by side: this host's cores swing between two paces, 1.6 times apart, every few seconds
(docs/benchmarks.md, "Every core of this machine runs at one of two paces"). Labs taking turns
each met a different pace: two silent labs compared turn by turn read from 0.90 to 1.01. On one
core at the same time, both meet the same pace, and what is left is what sampling costs, at the
playground's own rate.
A control pair of two silent labs, measured the same way first, shows the method's own bias:
the lab started first reads about 1% more than the other in most runs, though both are the same.
The cost judged is the sampled lab's extra less that bias.

Between the two, a third pair measures the floor under that cost: a lab whose sampler does
nothing but its lag probe (`bench/probe_lab.py`), the 10 ms timer on the loop the issue asks
for, beside a silent one. Its extra less the bias is what any sampling at that rate costs here.

The last row gives what sampling costs on its own, in ms of CPU a second: each lab holds one
request that waits `sampler_idle_s`, so the sampled lab's loop does nothing but sample. It varies
far less than the share under load, and it is the most sampling can cost: under load, many of
the lag probe's ticks find the loop awake already.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import statistics
from collections.abc import AsyncIterator, Iterator
from typing import Literal

from bench.report import Measure, Row
from bench.servers import pin_threads, threads_cpu_seconds
from bench.sizes import Sizes
from playground.harness import Limits, Recording, Target, fire
from playground.lab.sampler import LAG_INTERVAL_S, LINGER_S
from playground.lanes import LaneCollector
from playground.schemas import Arrival, Burst, Users
from playground.settings import LabSettings
from playground.stats import summarize
from playground.supervisor import LabSupervisor

SECTION = "7 sampler"
TARGET_PERCENT = 2.0
SETTLE_S = LINGER_S + 0.5
"""After the load, the sampled lab lingers this long before its sampler sleeps."""
LAB_CORE = 0


class _NoCollector(LaneCollector):
    """Names no address: a lab started with it samples nothing."""

    async def open(self) -> str:
        return ""


Kind = Literal["sampling", "probe only", "silent"]
"""A lab as the playground starts it; one whose sampler only runs its lag probe
(`bench/probe_lab.py`); one that samples nothing."""


@contextlib.asynccontextmanager
async def _lab(kind: Kind) -> AsyncIterator[LabSupervisor]:
    supervisor = LabSupervisor(LabSettings(), guarded=False)
    if kind == "silent":
        supervisor.lanes = _NoCollector()
    if kind == "probe only":
        supervisor.module = "bench.probe_lab"
    await supervisor.start()
    try:
        yield supervisor
    finally:
        await supervisor.stop()


@contextlib.contextmanager
def _harness_off_the_labs_core() -> Iterator[bool]:
    """The bench's own process (the harness) onto every core but the labs'; False on a
    machine with one core, where all share it."""
    before = os.sched_getaffinity(0)
    others = before - {LAB_CORE}
    if LAB_CORE not in before or not others:
        yield False
        return
    os.sched_setaffinity(0, others)
    try:
        yield True
    finally:
        os.sched_setaffinity(0, before)


def measures(sizes: Sizes) -> list[Measure]:
    return [
        (SECTION, f"lab CPU with lanes sampled, {sizes.sampler_users} users"),
        (SECTION, f"the lag probe's timer alone, {sizes.sampler_users} users"),
        (SECTION, "sampling alone, on an idle loop"),
    ]


async def _sleeps(lab: LabSupervisor, delay_ms: int, arrival: Arrival, seconds: float) -> int:
    """Requests to `/s/sleep/async` on one lab, as `arrival` sends them for about `seconds`;
    returns how many were answered."""
    target = Target(lab.base_url, "/s/sleep/async", {"delay_ms": delay_ms})
    recording = Recording()
    await fire(target, arrival, Limits(60, seconds + 60), recording)
    summary = summarize(recording.rows, recording.pings, None)
    if summary["errors"]:
        raise RuntimeError(f"the harness saw {summary['errors']} errors")
    return int(summary["completed"])


async def _load(lab: LabSupervisor, sizes: Sizes, seconds: float) -> int:
    """The closed-loop load on one lab; returns the requests answered."""
    arrival = Users(users=sizes.sampler_users, think_min_s=0, think_max_s=0, duration_s=seconds)
    return await _sleeps(lab, sizes.sampler_delay_ms, arrival, seconds)


async def _side_by_side(
    labs: tuple[LabSupervisor, LabSupervisor], sizes: Sizes, first_starts_first: bool
) -> list[int]:
    """Both labs' requests answered under the same load at once; which lab's users start
    first alternates from round to round, so neither is always a step ahead."""
    order = labs if first_starts_first else labs[::-1]
    answered = await asyncio.gather(*(_load(lab, sizes, sizes.sampler_s) for lab in order))
    return answered if first_starts_first else answered[::-1]


async def _rounds(kind: Kind, sizes: Sizes, pinned: bool) -> tuple[list[float], list[float], int]:
    """Side by side, a lab of `kind` and one silent: each round's extra CPU per request of the
    first, the silent lab's CPU per request, and the fewest requests a lab answered in a
    round."""
    extras: list[float] = []
    silent_per_request: list[float] = []
    answered_a_round: list[int] = []
    async with _lab(kind) as first, _lab("silent") as silent:
        labs = (first, silent)
        pids = [lab.pid for lab in labs if lab.pid is not None]
        assert len(pids) == len(labs), "a lab has no process"
        if pinned:
            for pid in pids:
                pin_threads(pid, {LAB_CORE})
        await asyncio.gather(*(_load(lab, sizes, 1.0) for lab in labs))  # warm up
        for turn in range(sizes.sampler_rounds):
            await asyncio.sleep(SETTLE_S)  # whatever came before has wound down
            before = [threads_cpu_seconds(pid) for pid in pids]
            answered = await _side_by_side(labs, sizes, first_starts_first=turn % 2 == 0)
            await asyncio.sleep(SETTLE_S)
            per_request = [
                (threads_cpu_seconds(pid) - then) / count
                for pid, then, count in zip(pids, before, answered, strict=True)
            ]
            extras.append(per_request[0] / per_request[1] - 1)
            silent_per_request.append(per_request[1])
            answered_a_round += answered
    return extras, silent_per_request, min(answered_a_round)


async def _idle_cost(sizes: Sizes) -> list[float]:
    """ms of CPU a second that sampling costs a lab otherwise idle, round by round."""
    costs = []
    async with _lab("sampling") as sampled, _lab("silent") as silent:
        labs = (sampled, silent)
        pids = [lab.pid for lab in labs if lab.pid is not None]
        assert len(pids) == len(labs), "a lab has no process"
        # One request waiting on each: the sampled lab samples all the while, and does nothing
        # else.
        held = round(sizes.sampler_idle_s * 1000)
        for _ in range(sizes.sampler_idle_rounds):
            before = [threads_cpu_seconds(pid) for pid in pids]
            await asyncio.gather(
                *(_sleeps(lab, held, Burst(requests=1), sizes.sampler_idle_s) for lab in labs)
            )
            used = [threads_cpu_seconds(pid) - then for pid, then in zip(pids, before, strict=True)]
            costs.append((used[0] - used[1]) / sizes.sampler_idle_s * 1000)
    return costs


async def measure(sizes: Sizes) -> list[Row]:
    idle = await _idle_cost(sizes)
    with _harness_off_the_labs_core() as pinned:
        control, _, _ = await _rounds("silent", sizes, pinned)
        probe, _, _ = await _rounds("probe only", sizes, pinned)
        extras, without_s, fewest = await _rounds("sampling", sizes, pinned)
    extra = 100 * statistics.median(extras)
    bias = 100 * statistics.median(control)
    cost = extra - bias  # the control's labs differ only by which started first, as these do
    probe_extra = 100 * statistics.median(probe)
    floor = probe_extra - bias
    without = statistics.median(without_s)
    with_lanes = without * (1 + cost / 100)
    where = f"both on core {LAB_CORE}, the harness on the others" if pinned else "one core"
    return [
        Row(
            SECTION,
            measures(sizes)[0][1],
            with_lanes * 1e6,
            "µs/request",
            compared=f"without {without * 1e6:,.0f} µs/request",
            ratio=with_lanes / without,
            target=f"≤ {TARGET_PERCENT:g}% more",
            met=cost <= TARGET_PERCENT,
            note=(
                f"/s/sleep/async, {sizes.sampler_delay_ms} ms, {sizes.sampler_users} users with "
                f"no think time on each of two labs at once ({where}) for {sizes.sampler_s:g} "
                f"s, {sizes.sampler_rounds} rounds, at least {fewest:,} requests a lab a round; "
                f"each lab's CPU from before the load to {SETTLE_S:g} s after it (the sampler's "
                f"linger included), which lab's users start first alternating; sampled at the "
                f"playground's rate: {extra:+.1f}% (rounds {100 * min(extras):+.1f}% to "
                f"{100 * max(extras):+.1f}%); two silent labs measured the same way first: "
                f"{bias:+.1f}% (rounds {100 * min(control):+.1f}% to "
                f"{100 * max(control):+.1f}%); the cost, the extra less the control's: "
                f"{cost:+.1f}%, of which the lag probe's own timer {floor:+.1f}% (next row)"
            ),
        ),
        Row(
            SECTION,
            measures(sizes)[1][1],
            floor,
            "%",
            note=(
                f"the floor under the row above: a lab whose sampler only runs its lag probe, a "
                f"timer every {LAG_INTERVAL_S * 1000:g} ms on its loop (`bench/probe_lab.py`), "
                f"beside a silent one, measured the same way: {probe_extra:+.1f}% (rounds "
                f"{100 * min(probe):+.1f}% to {100 * max(probe):+.1f}%), less the control's "
                f"{bias:+.1f}%; no sampling at the issue's rate can cost less"
            ),
        ),
        Row(
            SECTION,
            measures(sizes)[2][1],
            statistics.median(idle),
            "ms/s",
            note=(
                f"ms of CPU a second, the sampled lab's less a silent one's, each holding one "
                f"request that waits {sizes.sampler_idle_s:g} s, so that its loop does nothing "
                f"but sample: a tick every {LAG_INTERVAL_S * 1000:g} ms; median of "
                f"{len(idle)} rounds ({min(idle):.1f}–{max(idle):.1f}); the most sampling can "
                f"cost, since under load many ticks find the loop awake already"
            ),
        ),
    ]
