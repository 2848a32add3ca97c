"""The event stream: every request and the summary, numbered, and a replay for late clients."""

from __future__ import annotations

import asyncio
import json
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import aiohttp
import httpx
import pytest
from playwright.sync_api import Page, Route, expect, sync_playwright

from bench.tools import CHROMIUM, CHROMIUM_ARGS
from tests.conftest import RUN_TIMEOUT_S, Playground, burst, read_events


def test_stream_delivers_every_request_then_the_summary(playground: Playground) -> None:
    run_id = playground.start_run(burst("async", 200, delay_ms=300))
    events = read_events(playground, run_id)

    assert [event.name for event in events][-1] == "summary"
    assert {event.name for event in events[:-1]} == {"update"}
    ids = [int(event.id) for event in events]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    done = [row["i"] for event in events[:-1] for row in event.data["done"]]
    sent = [i for event in events[:-1] for i, _ in event.data["sent"]]
    assert sorted(done) == list(range(200))
    assert sorted(sent) == list(range(200))
    summary = events[-1].data
    assert summary["status"] == "done"
    assert summary["summary"]["completed"] == 200
    assert "makespan" in summary["html"]
    # Batched: far fewer frames than the 400+ things that happened.
    assert len(events) < 60


def test_a_late_client_first_gets_what_already_happened(playground: Playground) -> None:
    run_id = playground.start_run(burst("async-blocking", 12, delay_ms=100))
    playground.wait_rows(run_id, 2)  # some of the run has happened
    events = read_events(playground, run_id)
    assert events[0].name == "update" and events[0].id == "1"  # every frame from the first
    sent = sorted(i for event in events[:-1] for i, _ in event.data["sent"])
    assert sent == list(range(12))
    done = sorted(row["i"] for event in events[:-1] for row in event.data["done"])
    assert done == list(range(12))
    assert events[-1].name == "summary"


def test_a_finished_run_replays_from_the_store(playground: Playground) -> None:
    run = playground.run(burst("async", 20, delay_ms=50))
    events = read_events(playground, run["id"])
    assert [event.name for event in events] == ["update", "summary"]
    assert events[0].data["done"] == run["timeline"]
    assert events[0].data["bystander"] == run["bystander"]
    assert events[1].data["summary"] == run["summary"]


def test_stream_of_an_unknown_run_is_404(playground: Playground) -> None:
    assert playground.client.get("/api/runs/999999/events").status_code == 404


FRAME_ROWS = 1_000


@pytest.fixture(scope="module")
def big_run(playground: Playground) -> dict[str, Any]:
    """A finished run of 3,000 requests: more than one frame's worth of rows."""
    return playground.run(burst("async", 3_000, delay_ms=50))


def raw_messages(url: str, run_id: int) -> list[bytes]:
    """The stream's messages as sent, without keep-alive comments, up to the summary."""
    messages: list[bytes] = []
    with httpx.stream("GET", f"{url}/api/runs/{run_id}/events", timeout=RUN_TIMEOUT_S) as response:
        assert response.status_code == 200
        buffer = b""
        for chunk in response.iter_bytes():
            buffer += chunk
            while b"\r\n\r\n" in buffer:
                message, buffer = buffer.split(b"\r\n\r\n", 1)
                if message.startswith(b":"):
                    continue
                messages.append(message)
                if b"event: summary" in message:
                    return messages
    raise AssertionError(f"run {run_id}'s stream ended without a summary: {messages[-1:]!r}")


def test_a_finished_runs_replay_comes_in_frames_of_at_most_1000_rows(
    playground: Playground, big_run: dict[str, Any]
) -> None:
    events = read_events(playground, big_run["id"])

    updates = [event.data for event in events[:-1]]
    assert {event.name for event in events[:-1]} == {"update"}
    assert events[-1].name == "summary"
    assert len(updates) >= 3
    for frame in updates:
        assert len(frame["done"]) <= FRAME_ROWS
        assert len(frame["sent"]) <= FRAME_ROWS
        assert len(frame["bystander"]) <= FRAME_ROWS
    done = [row for frame in updates for row in frame["done"]]
    assert sorted(done, key=lambda row: row["i"]) == big_run["timeline"]
    assert sorted(i for frame in updates for i, _ in frame["sent"]) == list(range(3_000))
    assert [ping for frame in updates for ping in frame["bystander"]] == big_run["bystander"]
    assert [int(event.id) for event in events] == list(range(1, len(events) + 1))


def test_two_clients_of_a_finished_run_get_the_same_bytes(
    playground: Playground, big_run: dict[str, Any]
) -> None:
    with ThreadPoolExecutor(2) as pool:
        first, second = pool.map(lambda _: raw_messages(playground.url, big_run["id"]), range(2))
    assert first == second
    assert all(len(message) < 2**19 for message in first)  # aiohttp's longest line


def test_every_client_of_a_live_run_gets_the_same_frames_whenever_it_joins(
    playground: Playground,
) -> None:
    # 30 waves of 300 ms: about 9 s, so the late clients surely join while it goes.
    run_id = playground.start_run(burst("async", 300, delay_ms=300, concurrency=10))
    with ThreadPoolExecutor(50) as pool:
        early = [pool.submit(raw_messages, playground.url, run_id) for _ in range(25)]
        deadline = time.monotonic() + RUN_TIMEOUT_S
        while len(playground.client.get(f"/api/runs/{run_id}").json()["timeline"]) < 30:
            assert time.monotonic() < deadline, "the run did not get going"
            time.sleep(0.05)
        late = [pool.submit(raw_messages, playground.url, run_id) for _ in range(25)]
        streams = [future.result() for future in early + late]

    assert all(stream == streams[0] for stream in streams)
    assert b'"elapsed_s"' in streams[0][0]  # live frames, not a finished run's replay
    assert b"event: summary" in streams[0][-1]
    assert sum(b"event: update" in message for message in streams[0]) >= 5
    assert playground.wait(run_id)["status"] == "done"


def peak_memory_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise AssertionError("no VmHWM in /proc")


async def follow_to_summary(session: aiohttp.ClientSession, url: str) -> int:
    """Read a stream to its summary; how many `update` frames came first."""
    updates = 0
    timeout = aiohttp.ClientTimeout(RUN_TIMEOUT_S)
    async with session.get(url, timeout=timeout, read_bufsize=2**22) as response:
        async for line in response.content:
            updates += line.startswith(b"event: update")
            if line.startswith(b"event: summary"):
                return updates
    raise AssertionError("the stream ended without a summary")


def test_a_crowd_opening_a_finished_run_at_once_costs_little_memory(
    playground: Playground, big_run: dict[str, Any]
) -> None:
    url = f"{playground.url}/api/runs/{big_run['id']}/events"
    messages = raw_messages(playground.url, big_run["id"])
    one = len(b"".join(messages))
    before = peak_memory_kib(playground.process.pid)

    async def crowd() -> list[int]:
        connector = aiohttp.TCPConnector(limit=0)
        async with aiohttp.ClientSession(connector=connector) as session:
            return await asyncio.gather(*(follow_to_summary(session, url) for _ in range(100)))

    updates = asyncio.run(crowd())
    grown_kib = peak_memory_kib(playground.process.pid) - before
    assert updates == [len(messages) - 1] * 100
    # Each client's own copy of the replay would take 100 × `one` and more (about 480 × before
    # the messages were shared); a frame waiting in each client's socket buffer, 40 × at most.
    assert grown_kib * 1024 < 60 * one, f"peak grew {grown_kib} KiB for a {one}-byte replay"


def drawn_canvases(page: Page, url: str, rows: int) -> list[str]:
    """The run page's timeline and bystander strip, as PNG data URLs, once fully drawn."""
    page.goto(url)
    expect(page.locator(".status-line")).to_contain_text("done", timeout=60_000)
    page.wait_for_function(
        f"() => Number(document.querySelector('[data-run-stream]').dataset.drawn) === {rows}"
    )
    return list(
        page.evaluate(
            """() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(
                 () => resolve([...document.querySelectorAll('.timeline-canvas, .bystander-canvas')]
                   .map((canvas) => canvas.toDataURL())))))"""
        )
    )


def test_the_page_draws_a_replay_in_frames_as_it_drew_one_frame(
    playground: Playground, big_run: dict[str, Any]
) -> None:
    run_id = big_run["id"]
    messages = raw_messages(playground.url, run_id)
    assert len(messages) > 2  # several update frames
    one_frame: dict[str, Any] = {"sent": [], "done": [], "bystander": [], "lanes": {}}
    for message in messages[:-1]:
        data = json.loads(message.split(b"\r\ndata: ", 1)[1])
        for key in ("sent", "done", "bystander"):
            one_frame[key] += data[key]
        for lane, samples in data.get("lanes", {}).items():
            one_frame["lanes"].setdefault(lane, []).extend(samples)
    summary = [
        b"id: 2" if line.startswith(b"id:") else line for line in messages[-1].split(b"\r\n")
    ]
    whole = b"\r\n".join(
        [
            b"event: update",
            b"id: 1",
            f"data: {json.dumps(one_frame)}".encode(),
            b"",
            *summary,
            b"",
            b"",
        ]
    )
    url = f"{playground.url}/runs/{run_id}"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        chunked = drawn_canvases(page, url, 3_000)
        replayed: list[str] = []

        def one_frame_replay(route: Route) -> None:
            replayed.append(route.request.url)
            route.fulfill(body=whole, content_type="text/event-stream")

        page.route(f"**/api/runs/{run_id}/events", one_frame_replay)
        unchunked = drawn_canvases(page, url, 3_000)
        browser.close()
    assert len(chunked) == 2
    assert len(replayed) == 1
    assert chunked == unchunked
