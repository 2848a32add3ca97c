"""External API: each request asks an upstream weather service that answers in `latency_ms`.

This scenario demonstrates:
- `def` + a shared `httpx.Client` waits in FastAPI's threadpool, 40 calls at a time;
- `async def` + a shared `httpx.AsyncClient` waits on the loop, as many as the client's pool
  allows (httpx: 100 connections by default);
- an `AsyncClient` created per request pays for a new connection every time;
- `httpx.Client` inside `async def` blocks the event loop for the whole call.

The upstream runs in a process of its own, started and stopped with the lab: sharing the
lab's event loop, a blocking variant would wait for an answer its own loop must produce.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Annotated, Any

import httpx
from fastapi import Depends, FastAPI

from playground.lab.info import LabInfo
from playground.ports import LOOPBACK, free_port
from playground.scenarios.base import Param, Params, QueueModel, Scenario, Variant

# httpx's default pool: at most 100 connections per client.
HTTPX_MAX_CONNECTIONS = 100


def sync(latency_ms: int, client: Annotated[httpx.Client, Depends(shared_client)]) -> Any:
    response = client.get("/weather", params={"latency_ms": latency_ms})
    return response.json()


async def async_(
    latency_ms: int, client: Annotated[httpx.AsyncClient, Depends(shared_async_client)]
) -> Any:
    response = await client.get("/weather", params={"latency_ms": latency_ms})
    return response.json()


async def async_new_client(latency_ms: int) -> Any:
    async with httpx.AsyncClient(base_url=_lab.upstream) as client:  # a new connection each time
        response = await client.get("/weather", params={"latency_ms": latency_ms})
    return response.json()


async def async_blocking(
    latency_ms: int, client: Annotated[httpx.Client, Depends(shared_client)]
) -> Any:
    response = client.get("/weather", params={"latency_ms": latency_ms})  # blocks the loop
    return response.json()


def shared_client() -> httpx.Client:
    assert _lab.client is not None, "the lab's clients are not open"
    return _lab.client


def shared_async_client() -> httpx.AsyncClient:
    assert _lab.async_client is not None, "the lab's clients are not open"
    return _lab.async_client


@dataclass
class _LabClients:
    upstream: str = ""
    client: httpx.Client | None = None
    async_client: httpx.AsyncClient | None = None


_lab = _LabClients()


async def _wait_for_upstream(url: str, process: asyncio.subprocess.Process) -> None:
    async with httpx.AsyncClient(base_url=url) as client:
        for _ in range(150):
            if process.returncode is not None:
                raise RuntimeError(f"the upstream exited with code {process.returncode}")
            try:
                if (await client.get("/weather")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError("the upstream did not answer within 15 s")


@asynccontextmanager
async def lab_lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Start the upstream in its own process, open the shared clients; close all on exit."""
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "playground.upstream", "--port", str(port)
    )
    try:
        _lab.upstream = f"http://{LOOPBACK}:{port}"
        await _wait_for_upstream(_lab.upstream, process)
        async with httpx.AsyncClient(base_url=_lab.upstream) as async_client:
            with httpx.Client(base_url=_lab.upstream) as client:
                _lab.client, _lab.async_client = client, async_client
                yield
    finally:
        _lab.client = _lab.async_client = None
        if process.returncode is None:
            process.terminate()
            await process.wait()


def _latency_s(params: Params) -> float:
    return params["latency_ms"] / 1000


def _threadpool(params: Params, lab: LabInfo) -> QueueModel:
    slots = min(lab.threadpool, HTTPX_MAX_CONNECTIONS)
    return QueueModel(slots, _latency_s(params), f"{slots} threads")


def _client_pool(params: Params, lab: LabInfo) -> QueueModel:
    slots = HTTPX_MAX_CONNECTIONS * lab.workers
    return QueueModel(slots, _latency_s(params), f"{slots} pooled connections")


def _unlimited(params: Params, lab: LabInfo) -> QueueModel:
    return QueueModel(None, _latency_s(params))


def _event_loops(params: Params, lab: LabInfo) -> QueueModel:
    return QueueModel(lab.workers, _latency_s(params), f"{lab.workers} event loop(s)")


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
            min=0,
            max=5_000,
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
                "40 calls at a time, the loop free. The right way to use a blocking client; it "
                "only falls behind past 40 calls in flight."
            ),
            model=_threadpool,
            model_text="ceil(N / min(C, threadpool, httpx's 100 connections)) × latency",
        ),
        Variant(
            id="async",
            label="async def + shared httpx.AsyncClient",
            endpoint=async_,
            helpers=(shared_async_client,),
            explanation=(
                "One `AsyncClient`, opened with the lab and closed in its lifespan, shared by "
                "every request: calls wait side by side on the loop, reusing connections, up "
                "to the client's pool of 100. Past that they queue for a connection. httpx's "
                "pool also costs CPU that grows with open connections, and that shows here."
            ),
            model=_client_pool,
            model_text="ceil(N / min(C, 100 pooled connections)) × latency",
        ),
        Variant(
            id="async-new-client",
            label="async def + AsyncClient per request",
            endpoint=async_new_client,
            explanation=(
                "A new `AsyncClient` in every request: no pool limit, but a new connection every "
                "time, and building a client loads the TLS certificates, about 17 ms of CPU here "
                "even for plain http. That CPU runs on the event loop, one client at a time: 100 "
                "requests spend ~2 s building clients, and the bystander waits. The model leaves "
                "this out on purpose; the gap is the lesson."
            ),
            model=_unlimited,
            model_text="ceil(N / C) × latency, plus a connection per call",
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
            model=_event_loops,
            model_text="N × latency",
        ),
    ),
    lab_lifespan=lab_lifespan,
)
