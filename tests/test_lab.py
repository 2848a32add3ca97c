"""The lab process itself: its clock is the harness's clock, and it reports its own pools."""

from __future__ import annotations

import os
from time import perf_counter

import httpx

from tests.conftest import Playground


def test_the_lab_clock_is_the_harness_clock(playground: Playground) -> None:
    lab_url = playground.lab()["url"]
    with httpx.Client(base_url=lab_url) as client:
        client.get("/clock")  # connect first: only the clock read is timed below
        for _ in range(20):
            before = perf_counter()
            lab_now = client.get("/clock").json()["perf_counter"]
            after = perf_counter()
            assert before <= lab_now <= after


def test_the_lab_is_another_process_on_loopback_reporting_its_pools(
    playground: Playground,
) -> None:
    lab = playground.lab()
    assert lab["url"].startswith("http://127.0.0.1:")
    info = lab["info"]
    assert info["pid"] not in (os.getpid(), playground.process.pid)
    assert info["threadpool"] == lab["settings"]["threadpool"]
    assert info["cores"] == os.cpu_count()
    assert info["default_executor"] == min(32, (os.cpu_count() or 1) + 4)
