"""The external-API scenario: real calls to an upstream process, four ways."""

from __future__ import annotations

import asyncio
import importlib.abc
import importlib.machinery
import os
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import Any

import httpx

from tests import helpers
from tests.conftest import (
    Playground,
    handler_intervals,
    max_overlap,
    most_ended_within,
    pings_ms,
)

LATENCY_S = 0.1


def call(variant: str, requests: int, latency_ms: int = 100) -> dict[str, Any]:
    return {"scenario": "external-api", "variant": variant,
            "arrival": {"model": "burst", "requests": requests},
            "params": {"latency_ms": latency_ms}}  # fmt: skip


def test_sync_calls_wait_in_the_threadpool(playground: Playground) -> None:
    threadpool = playground.lab()["info"]["threadpool"]
    run = playground.run(call("sync", 60))
    assert run["summary"]["errors"] == 0
    assert threadpool // 2 <= max_overlap(handler_intervals(run)) <= threadpool
    assert run["summary"]["makespan_s"] >= 2 * LATENCY_S * 0.95


def test_a_shared_async_client_overlaps_every_call(playground: Playground) -> None:
    run = playground.run(call("async", 60))
    assert run["summary"]["errors"] == 0
    assert max_overlap(handler_intervals(run)) >= 50
    assert most_ended_within(run, LATENCY_S) >= 10  # one after another ends one or two
    assert run["timeline"][0]["status_code"] == 200


def test_a_client_per_request_overlaps_but_builds_clients_on_the_loop(
    playground: Playground,
) -> None:
    run = playground.run(call("async-new-client", 20))
    assert run["summary"]["errors"] == 0
    assert max_overlap(handler_intervals(run)) > 1
    # Not one call after another: but how long the builds take depends on the machine's load,
    # so the overlap says it, not a time.


def test_a_blocking_client_in_async_def_freezes_the_loop(playground: Playground) -> None:
    run = playground.run(call("async-blocking", 8))
    assert run["summary"]["errors"] == 0
    assert max_overlap(handler_intervals(run)) == 1
    assert run["summary"]["makespan_s"] >= 8 * LATENCY_S * 0.95
    assert max(pings_ms(run)) >= LATENCY_S * 1000 * 0.8


def test_the_upstream_runs_in_its_own_process() -> None:
    for lab in helpers.lab(processes=1):
        with lab.client() as client:
            body = client.get("/s/external-api/async", params={"latency_ms": 0}).json()
        assert body["result"]["city"] == "Oslo"
        upstream = body["result"]["pid"]
        assert upstream not in (body["lab"]["pid"], lab.process.pid, os.getpid())
        assert upstream in helpers.children(body["lab"]["pid"])


class _Searches(importlib.abc.MetaPathFinder):
    """Records every module the import system goes looking for, and finds none itself."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        self.names.append(fullname)
        return None


def test_an_httpx_call_looks_for_no_module() -> None:
    """httpcore asks sniffio for the async library at each call: were sniffio missing, each
    call would search sys.path for it, and the lesson's calls would pay for our install."""

    async def calls(url: str, headers: dict[str, str], searches: _Searches) -> None:
        async with httpx.AsyncClient(base_url=url, headers=headers) as client:
            (await client.get("/s/hello/async")).raise_for_status()  # imports what it needs
            sys.meta_path.insert(0, searches)
            try:
                for _ in range(5):
                    (await client.get("/s/hello/async")).raise_for_status()
            finally:
                sys.meta_path.remove(searches)

    for lab in helpers.lab(processes=1):
        searches = _Searches()
        asyncio.run(calls(lab.url, lab.contract.headers, searches))
        assert searches.names == []
