"""Harness fidelity: how close a burst's measured makespan comes to the ideal.

N requests to `/s/sleep/async` (each waits the delay on the lab's event loop), all at once,
on fresh connections, as the playground fires them. Ideally the makespan is one delay; what
is over it is the harness's and the lab's own cost. Where that cost goes: the spread of the
sends, when the first and last handlers began, and the CPU each process spent per request.
"""

from __future__ import annotations

import asyncio
import resource
import statistics
from dataclasses import dataclass
from time import perf_counter

import aiohttp

from bench.report import Measure, Row
from bench.servers import cpu_seconds, lab
from bench.sizes import Sizes
from playground.harness import Limits, Recording, Target, fire
from playground.schemas import Burst
from playground.stats import summarize

SECTION = "1 fidelity"
TARGETS_MS = {100: 20.0, 1_000: 150.0}


@dataclass(frozen=True)
class BurstResult:
    makespan_ms: float
    send_spread_ms: float
    first_began_ms: float
    last_began_ms: float
    errors: int
    harness_cpu_s: float
    lab_cpu_s: float


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def one_burst(base_url: str, lab_pid: int, requests: int, delay_ms: int) -> BurstResult:
    recording = Recording()
    target = Target(base_url, "/s/sleep/async", {"delay_ms": delay_ms})
    cpu, lab_cpu = _own_cpu(), cpu_seconds(lab_pid)
    await fire(target, Burst(requests=requests), Limits(60, 120), recording)
    cpu, lab_cpu = _own_cpu() - cpu, cpu_seconds(lab_pid) - lab_cpu
    rows = recording.rows
    summary = summarize(rows, recording.pings, None)
    first = min(row["sent_s"] for row in rows)
    began = [row["began_s"] for row in rows if row["began_s"] is not None] or [first]
    return BurstResult(
        makespan_ms=summary["makespan_s"] * 1000,
        send_spread_ms=(max(row["sent_s"] for row in rows) - first) * 1000,
        first_began_ms=(min(began) - first) * 1000,
        last_began_ms=(max(began) - first) * 1000,
        errors=summary["errors"],
        harness_cpu_s=cpu,
        lab_cpu_s=lab_cpu,
    )


async def warm_burst(base_url: str, requests: int, delay_ms: int) -> float:
    """The same burst over connections opened beforehand, with bare aiohttp: no harness, no
    connection set-up, so what is left over the delay is mostly the lab's own cost. Milliseconds
    of overhead."""
    connector = aiohttp.TCPConnector(limit=requests, limit_per_host=0)
    async with aiohttp.ClientSession(base_url, connector=connector) as session:

        async def burst(delay: int) -> float:
            async def one() -> None:
                async with session.get("/s/sleep/async", params={"delay_ms": delay}) as response:
                    await response.read()

            started = perf_counter()
            await asyncio.gather(*(one() for _ in range(requests)))
            return (perf_counter() - started) * 1000

        await burst(50)  # opens `requests` connections, each kept alive for the next burst
        return await burst(delay_ms) - delay_ms


def measures(sizes: Sizes) -> list[Measure]:
    names = []
    for n in sizes.bursts:
        names += [f"burst of {n:,}: overhead", f"burst of {n:,}: send spread"]
    names += [
        f"burst of {_reference_burst(sizes):,} on open connections: overhead",
        "harness CPU per request",
        "lab CPU per request",
    ]
    return [(SECTION, name) for name in names]


def _reference_burst(sizes: Sizes) -> int:
    """The burst the per-request rows are measured on: the largest of at most 1,000."""
    return max(n for n in sizes.bursts if n <= 1_000)


async def measure(sizes: Sizes) -> list[Row]:
    delay = sizes.burst_delay_ms
    results: dict[int, list[BurstResult]] = {}
    warm: list[float] = []
    async with lab() as supervisor:
        assert supervisor.pid is not None
        await one_burst(supervisor.base_url, supervisor.pid, 20, delay)  # the lab's first calls
        for n in sizes.bursts:
            results[n] = []
            for _ in range(sizes.burst_repeats):
                results[n].append(await one_burst(supervisor.base_url, supervisor.pid, n, delay))
                await asyncio.sleep(0.5)
        for _ in range(sizes.burst_repeats):
            warm.append(await warm_burst(supervisor.base_url, _reference_burst(sizes), delay))
            await asyncio.sleep(0.5)
    rows: list[Row] = []
    for n, runs in results.items():
        rows += _burst_rows(n, delay, runs)
    cpu_n = _reference_burst(sizes)
    harness_ms = statistics.median(run.makespan_ms for run in results[cpu_n]) - delay
    rows.append(
        Row(
            SECTION,
            f"burst of {cpu_n:,} on open connections: overhead",
            statistics.median(warm),
            "ms",
            compared=f"the harness's burst: {harness_ms:,.0f} ms",
            note=(
                "bare aiohttp over connections opened by an earlier burst: no harness, no "
                "connection set-up; what is left is mostly the lab's own cost "
                f"(median of {len(warm)})"
            ),
        )
    )
    per_request = len(results[cpu_n]) * cpu_n / 1e6
    rows.append(
        Row(
            SECTION,
            "harness CPU per request",
            sum(run.harness_cpu_s for run in results[cpu_n]) / per_request,
            "µs",
            note=f"bursts of {cpu_n:,}, a fresh connection each; the whole bench process",
        )
    )
    rows.append(
        Row(
            SECTION,
            "lab CPU per request",
            sum(run.lab_cpu_s for run in results[cpu_n]) / per_request,
            "µs",
            note=f"bursts of {cpu_n:,}: accept, parse, route, respond, close",
        )
    )
    return rows


def _burst_rows(n: int, delay: int, runs: list[BurstResult]) -> list[Row]:
    def median(name: str) -> float:
        return float(statistics.median(getattr(run, name) for run in runs))

    overhead = median("makespan_ms") - delay
    best = min(run.makespan_ms for run in runs) - delay
    target = TARGETS_MS.get(n)
    errors = sum(run.errors for run in runs)
    return [
        Row(
            SECTION,
            f"burst of {n:,}: overhead",
            overhead,
            "ms",
            compared=f"ideal {delay} ms; measured {median('makespan_ms'):,.0f} ms",
            target=f"≤ {target:g} ms" if target else "",
            met=overhead <= target if target else None,
            note=(
                f"median of {len(runs)} bursts (best {best:,.1f} ms); the first handler began "
                f"{median('first_began_ms'):,.1f} ms after the first send, the last "
                f"{median('last_began_ms'):,.1f} ms after"
                + (f"; {errors} errors" if errors else "")
            ),
        ),
        Row(
            SECTION,
            f"burst of {n:,}: send spread",
            median("send_spread_ms"),
            "ms",
            note="from the first request sent to the last (median)",
        ),
    ]
