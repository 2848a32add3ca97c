"""Harness throughput: requests per second the playground's harness gets from the lab's
cheapest endpoint, against wrk's on the same endpoint, same lab, same connections, taking
turns. On two cores the lab's one event loop is the bottleneck for both; a slower harness
would show as a ratio below 1.
"""

from __future__ import annotations

import asyncio
import re
import statistics
from dataclasses import dataclass

from bench import tools
from bench.report import Measure, Row
from bench.servers import cpu_seconds, lab, trivial_target
from playground.harness import Limits, Recording, Target, fire
from playground.schemas import Users
from playground.stats import summarize

SECTION = "2 throughput"
TARGET_RATIO = 0.9


@dataclass(frozen=True)
class Turn:
    rps: float
    lab_us: float
    """The lab's CPU time per request answered: what the client's way of sending costs it."""


async def wrk_rps(wrk: str, url: str, connections: int, seconds: float, lab_pid: int) -> Turn:
    """wrk with one thread (the harness is one event loop too), keep-alive connections."""
    cpu = cpu_seconds(lab_pid)
    process = await asyncio.create_subprocess_exec(
        wrk,
        "-t1",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        url,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out = (await process.communicate())[0].decode()
    cpu = cpu_seconds(lab_pid) - cpu
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    count = re.search(r"(\d+) requests in", out)
    if process.returncode != 0 or rps is None or count is None:
        raise RuntimeError(f"wrk failed: {out.strip()[-300:]}")
    if "Non-2xx" in out or "Socket errors" in out:
        raise RuntimeError(f"wrk saw errors: {out.strip()[-300:]}")
    return Turn(float(rps.group(1)), cpu / int(count.group(1)) * 1e6)


async def harness_rps(target: Target, connections: int, seconds: float, lab_pid: int) -> Turn:
    """The harness's closed loop: `connections` users with no think time, for `seconds`; in
    runs back to back, since one run stops at MAX_REQUESTS."""
    completed, busy = 0, 0.0
    cpu = cpu_seconds(lab_pid)
    while busy < seconds:
        recording = Recording()
        arrival = Users(
            users=connections, think_min_s=0, think_max_s=0, duration_s=max(1, seconds - busy)
        )
        await fire(target, arrival, Limits(60, seconds + 60), recording)
        summary = summarize(recording.rows, recording.pings, None)
        if summary["errors"]:
            raise RuntimeError(f"the harness saw {summary['errors']} errors")
        completed += summary["completed"]
        busy += summary["makespan_s"]
    cpu = cpu_seconds(lab_pid) - cpu
    return Turn(completed / busy, cpu / completed * 1e6)


def measures() -> list[Measure]:
    return [(SECTION, "requests per second")]


async def measure(connections: int, seconds: float, rounds: int) -> list[Row]:
    wrk = tools.wrk()
    wrk_turns: list[Turn] = []
    harness_turns: list[Turn] = []
    async with lab() as supervisor:
        assert supervisor.pid is not None
        target = trivial_target(supervisor.base_url)
        url = str(target.url)
        await wrk_rps(wrk, url, connections, 1, supervisor.pid)  # warm the lab up
        for _ in range(rounds):
            wrk_turns.append(await wrk_rps(wrk, url, connections, seconds, supervisor.pid))
            harness_turns.append(await harness_rps(target, connections, seconds, supervisor.pid))
    wrk_mean = statistics.fmean(turn.rps for turn in wrk_turns)
    harness_mean = statistics.fmean(turn.rps for turn in harness_turns)
    ratio = harness_mean / wrk_mean

    def listed(turns: list[Turn]) -> str:
        return ", ".join(f"{turn.rps:,.0f}" for turn in turns)

    def lab_us(turns: list[Turn]) -> float:
        return statistics.fmean(turn.lab_us for turn in turns)

    return [
        Row(
            SECTION,
            "requests per second",
            harness_mean,
            "req/s",
            compared=f"wrk {wrk_mean:,.0f} req/s",
            ratio=ratio,
            target=f"≥ {TARGET_RATIO}× wrk",
            met=ratio >= TARGET_RATIO,
            note=(
                f"{target.path}, {connections} connections, {seconds:g} s, mean of {rounds} turns "
                f"each (harness {listed(harness_turns)}; wrk {listed(wrk_turns)}); the lab's CPU "
                f"per request: {lab_us(harness_turns):,.0f} µs under the harness, "
                f"{lab_us(wrk_turns):,.0f} µs under wrk"
            ),
        )
    ]
