"""Isolation: what a crowd does to the playground. The same burst alone, and watched by many
event-stream clients while an oversized invalid body is posted to the API; and the peak memory
of many clients opening a finished run's stream at once.

The harness fires from inside the playground process, so whatever the crowd costs that
process shows in the burst's makespan and tail; the target is that it does not.
"""

from __future__ import annotations

import asyncio
import statistics
from dataclasses import dataclass
from time import perf_counter

import aiohttp

from bench.app import run_body
from bench.report import Measure, Row
from bench.servers import Playground, memory_kib, playground
from bench.sizes import Sizes

ISOLATION = "6 isolation"
WITHIN = 0.10
"""The watched burst's makespan and p99 within 10% of the burst alone."""
MEMORY_TARGET_MIB = 400
INVALID_BODY_AT_S = 0.5
"""When, after the watched burst starts, the oversized invalid body is posted."""


def measures(sizes: Sizes) -> list[Measure]:
    burst = f"burst of {sizes.isolation_requests:,}"
    watched = f"with {sizes.isolation_clients} stream clients"
    crowd = f"{sizes.crowd_clients} clients opening a finished {sizes.crowd_rows:,}-row run"
    return [
        (ISOLATION, f"{burst}: makespan {watched}"),
        (ISOLATION, f"{burst}: p99 {watched}"),
        (ISOLATION, f"{crowd}: peak memory"),
    ]


@dataclass(frozen=True)
class Burst:
    makespan_s: float
    p99_ms: float


@dataclass(frozen=True)
class Posted:
    status: int
    took_s: float


async def follow(session: aiohttp.ClientSession, url: str) -> int:
    """Read a run's event stream to its summary, as a page would; the bytes read."""
    size = 0
    async with session.get(url, timeout=aiohttp.ClientTimeout(None)) as response:
        response.raise_for_status()
        async for line in response.content:
            size += len(line)
            if line.startswith(b"event: summary"):
                return size
    raise RuntimeError(f"{url} ended without a summary event")


async def post_invalid(server: Playground, size: int) -> Posted:
    """`size` bytes that are not JSON, to `/api/runs`: the answer's status and how long it took."""
    began = perf_counter()
    body = b"{" + b"x" * (size - 1)
    headers = {"content-type": "application/json"}
    async with server.session.post(f"{server.url}/api/runs", data=body, headers=headers) as reply:
        await reply.read()
        return Posted(reply.status, perf_counter() - began)


async def burst(server: Playground, sizes: Sizes, clients: int) -> tuple[Burst, Posted | None]:
    """One burst; with `clients`, that many stream clients watch it and an invalid body of
    `sizes.isolation_body_mb` MB is posted mid-run."""
    run_id = await server.start_run(run_body(sizes.isolation_requests, sizes.isolation_delay_ms))
    url = f"{server.url}/api/runs/{run_id}/events"
    posted = None
    async with aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=0), read_bufsize=2**22
    ) as session:
        watchers = [asyncio.create_task(follow(session, url)) for _ in range(clients)]
        if clients:
            await asyncio.sleep(INVALID_BODY_AT_S)
            posted = await post_invalid(server, sizes.isolation_body_mb * 2**20)
        await asyncio.gather(*watchers)
    summary = (await server.wait(run_id))["summary"]
    return Burst(summary["makespan_s"], summary["p99_ms"]), posted


async def crowd_memory(server: Playground, sizes: Sizes) -> tuple[dict[str, int], float]:
    """The playground's memory once a run of `crowd_rows` has finished, and how long it took
    `crowd_clients` opening its stream at once to read it all."""
    run_id = await server.start_run(run_body(sizes.crowd_rows, sizes.isolation_delay_ms))
    await server.wait(run_id)
    before = memory_kib(server.pid)
    url = f"{server.url}/api/runs/{run_id}/events"
    began = perf_counter()
    async with aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=0), read_bufsize=2**22
    ) as session:
        await asyncio.gather(*(follow(session, url) for _ in range(sizes.crowd_clients)))
    return before, perf_counter() - began


def _compared(name: str, alone: list[float], watched: list[float], unit: str, note: str) -> Row:
    ratio = statistics.median(watched) / statistics.median(alone)
    return Row(
        ISOLATION,
        name,
        statistics.median(watched),
        unit,
        compared=f"alone {statistics.median(alone):,.0f} {unit}",
        ratio=ratio,
        target=f"≤ {1 + WITHIN:.2f}× alone",
        met=ratio <= 1 + WITHIN,
        note=note,
    )


async def measure(sizes: Sizes) -> list[Row]:
    names = [name for _, name in measures(sizes)]
    alone: list[Burst] = []
    watched: list[Burst] = []
    posts: list[Posted] = []
    async with playground() as server:
        for _ in range(sizes.isolation_turns):  # taking turns: the machine's noise hits both
            alone.append((await burst(server, sizes, 0))[0])
            result, posted = await burst(server, sizes, sizes.isolation_clients)
            watched.append(result)
            if posted is not None:
                posts.append(posted)
        before, took = await crowd_memory(server, sizes)
        after = memory_kib(server.pid)
    what = (
        f"/s/sleep/async?delay_ms={sizes.isolation_delay_ms}, median of "
        f"{sizes.isolation_turns} turns each, alternating"
    )
    answers = ", ".join(f"{post.status} in {post.took_s * 1000:,.0f} ms" for post in posts)
    peak_mib = after["VmHWM"] / 1024
    return [
        _compared(
            names[0],
            [run.makespan_s * 1000 for run in alone],
            [run.makespan_s * 1000 for run in watched],
            "ms",
            f"{what}; the {sizes.isolation_body_mb} MB invalid body posted "
            f"{INVALID_BODY_AT_S:g} s in was answered {answers}",
        ),
        _compared(
            names[1],
            [run.p99_ms for run in alone],
            [run.p99_ms for run in watched],
            "ms",
            "latency from sent to received; same bursts",
        ),
        Row(
            ISOLATION,
            names[2],
            peak_mib,
            "MiB",
            target=f"< {MEMORY_TARGET_MIB} MiB",
            met=peak_mib < MEMORY_TARGET_MIB,
            note=f"VmHWM of the playground process (the same one, after the bursts); "
            f"{before['VmHWM'] / 1024:,.0f} MiB before the crowd, with the run finished; "
            f"every client read to the summary in {took:.1f} s",
        ),
    ]
