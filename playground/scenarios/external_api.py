"""External API: each request asks an upstream weather service that answers in `latency_ms`.

This scenario demonstrates:
- `def` + a shared `httpx.Client` waits in FastAPI's threadpool, a pool's width at a time;
- `async def` + a shared `httpx.AsyncClient` waits on the loop, as many as the client's pool
  allows (httpx: 100 connections by default);
- an `AsyncClient` created per request pays for a new connection every time;
- `httpx.Client` inside `async def` blocks the event loop for the whole call.

The upstream runs in a process of its own, started and stopped with the lab: sharing the
lab's event loop, a blocking variant would wait for an answer its own loop must produce.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from time import perf_counter, process_time
from typing import Annotated, Any

import httpx
from fastapi import Depends, FastAPI, Request

from playground.lab import calibrate
from playground.lab.contract import Contract, new_secret
from playground.ports import LOOPBACK, free_port
from playground.scenarios import models
from playground.scenarios.base import Param, Scenario, Variant
from playground.upstream import MAX_LATENCY_MS, MIN_LATENCY_MS

HTTPX_MAX_CONNECTIONS = 100
POOL_LIMITS = httpx.Limits(max_connections=HTTPX_MAX_CONNECTIONS, max_keepalive_connections=20)
"""httpx's own defaults, stated: the shared clients are built with them, and the texts name
the pool's size."""


def sync(latency_ms: int, client: Annotated[httpx.Client, Depends(shared_client)]) -> Any:
    response = client.get("/weather", params={"latency_ms": latency_ms})
    return response.json()


async def async_(
    latency_ms: int, client: Annotated[httpx.AsyncClient, Depends(shared_async_client)]
) -> Any:
    response = await client.get("/weather", params={"latency_ms": latency_ms})
    return response.json()


async def async_new_client(
    latency_ms: int, upstream: Annotated[Upstream, Depends(the_upstream)]
) -> Any:
    # A new client, and a new connection, each time.
    async with httpx.AsyncClient(base_url=upstream.url, headers=upstream.headers) as client:
        response = await client.get("/weather", params={"latency_ms": latency_ms})
    return response.json()


async def async_blocking(
    latency_ms: int, client: Annotated[httpx.Client, Depends(shared_client)]
) -> Any:
    response = client.get("/weather", params={"latency_ms": latency_ms})  # blocks the loop
    return response.json()


async def shared_client(request: Request) -> httpx.Client:
    """The lab's one `httpx.Client`, opened in its lifespan (an `async def` dependency: a plain
    `def` one would itself hop to the threadpool on every request)."""
    clients: LabClients = request.app.state.external_api
    return clients.client


async def shared_async_client(request: Request) -> httpx.AsyncClient:
    """The lab's one `httpx.AsyncClient`, opened in its lifespan."""
    clients: LabClients = request.app.state.external_api
    return clients.async_client


async def the_upstream(request: Request) -> Upstream:
    clients: LabClients = request.app.state.external_api
    return clients.upstream


@dataclass(frozen=True)
class Upstream:
    """Where the upstream answers, and the headers it wants from its caller."""

    url: str
    headers: dict[str, str]
    process: asyncio.subprocess.Process


async def start_upstream() -> Upstream:
    """Start the upstream in its own process, with a secret of its own: it answers the lab only."""
    port = free_port()
    contract = Contract(secret=new_secret(), parent_pid=os.getpid())
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "playground.upstream", "--port", str(port), env=contract.environ()
    )
    upstream = Upstream(f"http://{LOOPBACK}:{port}", contract.headers, process)
    try:
        await _wait_for_upstream(upstream)
    except BaseException:
        await _stop_upstream(upstream)
        raise
    return upstream


async def _answers(upstream: Upstream, client: httpx.AsyncClient) -> bool:
    try:
        response = await client.get("/weather", params={"latency_ms": 0}, timeout=2)
    except httpx.TransportError:
        return False
    return response.status_code == 200


async def _wait_for_upstream(upstream: Upstream) -> None:
    async with httpx.AsyncClient(base_url=upstream.url, headers=upstream.headers) as client:
        for _ in range(150):
            if upstream.process.returncode is not None:
                raise RuntimeError(f"the upstream exited with code {upstream.process.returncode}")
            if await _answers(upstream, client):
                return
            await asyncio.sleep(0.1)
    raise RuntimeError("the upstream did not answer within 15 s")


async def _stop_upstream(upstream: Upstream) -> None:
    if upstream.process.returncode is None:
        upstream.process.terminate()
        await upstream.process.wait()


class LabClients:
    """The scenario's part of the lab: the upstream process and the clients shared by every
    request; restarted together when the upstream is found dead."""

    def __init__(self, upstream: Upstream) -> None:
        self._open(upstream)

    def _open(self, upstream: Upstream) -> None:
        self.upstream = upstream
        self.client = httpx.Client(
            base_url=upstream.url, headers=upstream.headers, limits=POOL_LIMITS
        )
        self.async_client = httpx.AsyncClient(
            base_url=upstream.url, headers=upstream.headers, limits=POOL_LIMITS
        )

    async def close(self) -> None:
        self.client.close()
        await self.async_client.aclose()
        await _stop_upstream(self.upstream)

    async def check(self) -> str | None:
        """Restart the upstream and the clients if the upstream no longer answers."""
        if await _answers(self.upstream, self.async_client):
            return None
        code = self.upstream.process.returncode
        await self.close()
        self._open(await start_upstream())
        how = f"exited with code {code}" if code is not None else "did not answer"
        return f"the upstream {how}; it was restarted"


CLIENT_BUILD_MS = "async_client_build_ms"


def _time_client_build(tries: int = 3) -> float:
    """ms of CPU to build an `httpx.AsyncClient` here (it loads TLS certificates): the fastest
    of a few."""
    best = float("inf")
    for _ in range(tries):
        began = perf_counter()
        httpx.AsyncClient()
        best = min(best, perf_counter() - began)
    return best * 1000


POOLED_CALL_MS, NEW_CLIENT_CALL_MS = "httpx_pooled_call_ms", "httpx_new_client_call_ms"
SYNC_CALL_MS = "httpx_sync_call_ms"


POOL_TIMING_LATENCY_MS = 50
"""Long enough that all of a burst's calls hold their connections at once, as a run's do."""


async def _time_calls(clients: LabClients, tries: int = 10) -> dict[str, float]:
    """ms of the lab's CPU for a call: through the shared `AsyncClient`, a pool's worth at once;
    through a new client per call, built, connected and closed; and through the shared
    `httpx.Client`. CPU time, not wall time: it runs on the event loop, or in a thread under
    the same GIL, where calls at once take turns."""

    async def call(client: httpx.AsyncClient, latency_ms: int = 0) -> None:
        (await client.get("/weather", params={"latency_ms": latency_ms})).raise_for_status()

    upstream = clients.upstream
    new_tries = 3  # each builds a client: slow, and much the same every time
    began = process_time()
    for _ in range(new_tries):
        async with httpx.AsyncClient(base_url=upstream.url, headers=upstream.headers) as client:
            await call(client)
    new_client = (process_time() - began) / new_tries
    clients.client.get("/weather", params={"latency_ms": 0}).raise_for_status()  # connected
    began = process_time()
    for _ in range(tries):  # a blocking call, here on the loop: nothing else runs yet
        clients.client.get("/weather", params={"latency_ms": 0}).raise_for_status()
    sync_call = (process_time() - began) / tries
    # httpx's pool walks its connections whenever a call comes or goes, so a call costs more
    # the more it holds: timed a pool's worth at once, as a run of the default load fills it.
    # Last, for the garbage and the closing connections its burst leaves behind.
    pooled_ms = await calibrate.cpu_ms(
        lambda: call(clients.async_client, POOL_TIMING_LATENCY_MS), at_once=HTTPX_MAX_CONNECTIONS
    )
    return {
        POOLED_CALL_MS: pooled_ms,
        NEW_CLIENT_CALL_MS: new_client * 1000,
        SYNC_CALL_MS: sync_call * 1000,
    }


@asynccontextmanager
async def lab_lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Start the upstream in its own process, open the shared clients; close all on exit.
    Building a client and calls through either kind are timed at the start."""
    app.state.calibration[CLIENT_BUILD_MS] = _time_client_build()
    clients = LabClients(await start_upstream())
    app.state.external_api = clients
    try:
        app.state.calibration.update(await _time_calls(clients))
        yield
    finally:
        await clients.close()


async def lab_check(app: FastAPI) -> str | None:
    clients: LabClients = app.state.external_api
    return await clients.check()


POOLED_CALL = models.Calibrated(POOLED_CALL_MS, "httpx call, pool full")
NEW_CLIENT_CALL = models.Calibrated(NEW_CLIENT_CALL_MS, "AsyncClient built and called")
SYNC_CALL = models.Calibrated(SYNC_CALL_MS, "httpx.Client call, under the GIL in its thread")


_latency_s = models.param_s("latency_ms")


SCENARIO = Scenario(
    id="external-api",
    name="External API call",
    summary="Each request calls an upstream weather service, a real server in its own process.",
    params=(
        Param(
            "latency_ms",
            "Upstream latency",
            "ms",
            default=100,
            min=MIN_LATENCY_MS,
            max=MAX_LATENCY_MS,
            help="How long the upstream takes to answer.",
        ),
    ),
    variants=(
        Variant(
            id="sync",
            label="def + httpx.Client",
            endpoint=sync,
            helpers=(shared_client,),
            explanation=(
                "A `def` endpoint with a shared `httpx.Client` waits in FastAPI's threadpool: "
                "{threadpool} calls at a time, the loop free. The right way to use a blocking "
                "client; it only falls behind past {threadpool} calls in flight. Each call's "
                "own Python (about {httpx_sync_call_ms:.1f} ms here) still takes turns with the "
                "loop for the GIL."
            ),
            model=models.threadpool(_latency_s, at_most=HTTPX_MAX_CONNECTIONS, loop=(SYNC_CALL,)),
            model_text=(
                "ceil(N / min(C, threadpool = {threadpool}, "
                f"httpx's {HTTPX_MAX_CONNECTIONS} connections)) × latency"
            ),
        ),
        Variant(
            id="async",
            label="async def + shared httpx.AsyncClient",
            endpoint=async_,
            helpers=(shared_async_client,),
            explanation=(
                "One `AsyncClient`, opened with the lab and closed in its lifespan, shared by "
                "every request: calls wait side by side on the loop, reusing connections, up "
                f"to the client's pool of {HTTPX_MAX_CONNECTIONS}. Past that they queue for a "
                "connection. httpx's pool walks its connections at every call, so a call costs "
                "more CPU the more it holds: {httpx_pooled_call_ms:.1f} ms here with all "
                f"{HTTPX_MAX_CONNECTIONS} in use, as the lab timed it at its start."
            ),
            model=models.per_worker(
                HTTPX_MAX_CONNECTIONS, "pooled connection", _latency_s, loop=(POOLED_CALL,)
            ),
            model_text=f"ceil(N / min(C, {HTTPX_MAX_CONNECTIONS} pooled connections)) × latency",
        ),
        Variant(
            id="async-new-client",
            label="async def + AsyncClient per request",
            endpoint=async_new_client,
            helpers=(the_upstream,),
            explanation=(
                "A new `AsyncClient` in every request: no pool limit, but a new connection every "
                "time, and building a client loads the TLS certificates, about "
                "{async_client_build_ms:.0f} ms of CPU here (the lab timed it at its start) even "
                "for plain http. That CPU runs on the event loop, one client at a time: N "
                "requests spend N times that building clients, and the bystander waits. The "
                "model counts it, one client after another on the loop: that is the lesson."
            ),
            model=models.unlimited(_latency_s, loop=(NEW_CLIENT_CALL,)),
            partial="that building a client slows down while the rest of the burst are alive",
            model_text="ceil(N / C) × latency, each after its client was built on the loop",
        ),
        Variant(
            id="async-blocking",
            label="async def + httpx.Client",
            endpoint=async_blocking,
            helpers=(shared_client,),
            explanation=(
                "The blocking `httpx.Client` inside `async def` freezes the event loop for the "
                "whole call: one call at a time, and the bystander waits. The upstream is in "
                "another process; were it on the same loop, this would never finish."
            ),
            model=models.event_loops(_latency_s),
            model_text="ceil(N / workers) × latency: one event loop per lab worker",
        ),
    ),
    lab_lifespan=lab_lifespan,
    lab_check=lab_check,
)
