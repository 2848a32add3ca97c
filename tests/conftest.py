"""Real parts for every test: a playground process on a free loopback port, its own lab
process, and a SQLite file in a temporary folder."""

from __future__ import annotations

import bisect
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx
import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, sync_playwright

from bench.tools import CHROMIUM, CHROMIUM_ARGS
from playground.ports import free_port

RUN_TIMEOUT_S = 180.0


@dataclass
class Playground:
    url: str
    db_path: Path
    process: subprocess.Popen[bytes]
    client: httpx.Client

    def start_run(self, body: dict[str, Any]) -> int:
        response = self.client.post("/api/runs", json=body)
        assert response.status_code == 201, response.text
        return int(response.json()["id"])

    def wait(self, run_id: int, timeout_s: float = RUN_TIMEOUT_S) -> dict[str, Any]:
        return self.wait_ended(f"/api/runs/{run_id}", timeout_s)

    def wait_ended(self, path: str, timeout_s: float = RUN_TIMEOUT_S) -> dict[str, Any]:
        """What `path` (a run, a series) answers once its status is no longer running."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            found = self.client.get(path).json()
            if found["status"] != "running":
                return dict(found)
            time.sleep(0.2)
        raise AssertionError(f"{path} still running after {timeout_s} s")

    def wait_rows(self, run_id: int, count: int, timeout_s: float = 60) -> dict[str, Any]:
        """Wait until `count` of a run's requests have come back (or the run has ended)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            run = self.client.get(f"/api/runs/{run_id}").json()
            if len(run["timeline"]) >= count or run["status"] != "running":
                return dict(run)
            time.sleep(0.05)
        raise AssertionError(f"run {run_id} had not {count} rows after {timeout_s} s")

    def run(self, body: dict[str, Any]) -> dict[str, Any]:
        """Start a run, wait for its end, and return it as the API shows it."""
        return self.wait(self.start_run(body))

    def lab(self) -> dict[str, Any]:
        return dict(self.client.get("/api/lab").json())

    def stop(self) -> None:
        self.client.close()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_playground(db_path: Path, *extra: str, python: str = sys.executable) -> Playground:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [
            python,
            "-m",
            "playground",
            "--port",
            str(port),
            "--db",
            str(db_path),
            "--no-browser",
            *extra,
        ],
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    client = httpx.Client(base_url=url, timeout=30)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the playground exited with code {process.returncode}")
        try:
            if client.get("/api/lab").json()["info"] is not None:
                return Playground(url, db_path, process, client)
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    process.kill()
    raise RuntimeError("the playground did not start within 180 s")


@pytest.fixture(scope="session")
def playground(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Playground]:
    """One playground for the session; runs are one at a time, so tests take turns."""
    server = start_playground(tmp_path_factory.mktemp("playground") / "runs.sqlite3")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless, for a module's page tests (never a downloaded browser)."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def fresh_playground(tmp_path: Path) -> Iterator[Callable[..., Playground]]:
    """Start playgrounds of a test's own, on a database file the test can reuse."""
    started: list[Playground] = []

    def start(*extra: str, db_path: Path | None = None) -> Playground:
        server = start_playground(db_path or tmp_path / "runs.sqlite3", *extra)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def burst(
    variant: str,
    requests: int,
    delay_ms: int = 200,
    concurrency: int | None = None,
    scenario: str = "sleep",
) -> dict[str, Any]:
    """The API's body for a burst of the waiting scenario."""
    arrival: dict[str, Any] = {"model": "burst", "requests": requests}
    if concurrency is not None:
        arrival["concurrency"] = concurrency
    return {
        "scenario": scenario,
        "variant": variant,
        "arrival": arrival,
        "params": {"delay_ms": delay_ms},
    }


def max_overlap(intervals: list[tuple[float, float]]) -> int:
    """Most intervals open at one instant, computed here independently of the playground."""
    events = sorted([(b, 1) for b, _ in intervals] + [(e, -1) for _, e in intervals])
    most = now = 0
    for _, step in events:
        now += step
        most = max(most, now)
    return most


def handler_intervals(run: dict[str, Any]) -> list[tuple[float, float]]:
    return [
        (row["began_s"], row["ended_s"]) for row in run["timeline"] if row["began_s"] is not None
    ]


def most_ended_within(run: dict[str, Any], window_s: float) -> int:
    """The most handlers that ended within `window_s` of each other. Calls that each take
    `window_s` and run one after another end one or two to a window; calls that overlap end
    together, however long a busy machine makes each of them."""
    ends = sorted(row["ended_s"] for row in run["timeline"] if row["ended_s"] is not None)
    together = (bisect.bisect_right(ends, end + window_s) - i for i, end in enumerate(ends))
    return max(together, default=0)


def loop_cost_s(run: dict[str, Any]) -> float:
    """The prediction's loop term for a burst sent all at once on new connections to one worker:
    every request times what the lab calibrated it to cost the event loop."""
    return len(run["timeline"]) * sum(cost["seconds"] for cost in run["prediction"]["costs"])


def pings_ms(run: dict[str, Any]) -> list[float]:
    """How long each of the bystander's answered pings took, in ms."""
    return [row["latency_ms"] for row in run["bystander"] if row["latency_ms"] is not None]


def loop_stayed_free(run: dict[str, Any], block_ms: float) -> bool:
    """The bystander's typical ping did not wait out a block of `block_ms`. Pings that meet a
    loop blocked block after block wait half a block at the median; on a free loop the median
    ping waits for nothing but the machine, which a loaded one can make a few ms, never that."""
    pings = pings_ms(run)
    return len(pings) > 0 and statistics.median(pings) < block_ms / 4


def span_intervals(run: dict[str, Any], name: str) -> list[tuple[float, float]]:
    return [
        (span["began"], span["ended"])
        for row in run["timeline"]
        for span in row["spans"]
        if span["name"] == name
    ]


@dataclass(frozen=True)
class Event:
    name: str
    id: str
    data: dict[str, Any]


def read_events(
    playground: Playground, run_id: int, timeout_s: float = RUN_TIMEOUT_S
) -> list[Event]:
    """Follow a run's event stream to its final `summary` event, as a browser would."""
    events: list[Event] = []
    fields: dict[str, str] = {}
    with httpx.stream(
        "GET", f"{playground.url}/api/runs/{run_id}/events", timeout=timeout_s
    ) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        for line in response.iter_lines():
            if line.startswith(":"):
                continue
            if line:
                key, _, value = line.partition(":")
                fields[key] = value.removeprefix(" ")
                continue
            if "event" in fields:
                events.append(Event(fields["event"], fields["id"], json.loads(fields["data"])))
                if fields["event"] == "summary":
                    break
            fields = {}
    return events


def console_error(message: ConsoleMessage) -> bool:
    """Any error in the console, except the 4xx answers a test provokes from the app's routes
    on purpose (Chromium logs those too); a module that fails to load is one."""
    if message.type != "error":
        return False
    path = urlparse(message.location.get("url", "")).path
    expected = message.text.startswith(
        "Failed to load resource: the server responded with a status of 4"
    )
    return not (expected and not path.startswith("/static/"))


def watch_errors(page: Page, errors: list[str]) -> None:
    """From now on, add to `errors` what goes wrong on the page: an uncaught exception, an
    error in the console (`console_error`), a static file that fails to load."""
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: console_error(message) and errors.append(message.text))
    page.on(
        "response",
        lambda response: (
            urlparse(response.url).path.startswith("/static/")
            and response.status >= 400
            and errors.append(f"{response.status} {response.url}")
        ),
    )


def without_measured(text: str, calibration: dict[str, float]) -> str:
    """The text without the numbers the lab measured at start, which may be anything, in every
    way a text renders them (`{work_takes:.2f}`, `{request_new_ms:.1f}`, ...): whole numbers
    only, never the tail of a longer one."""
    styles = (",.0f", ".0f", ".1f", ".2f")
    shown = {f"{value:{style}}" for value in calibration.values() for style in styles}
    numbers = "|".join(re.escape(number) for number in sorted(shown, key=len, reverse=True))
    return re.sub(rf"(?<![\d.,])({numbers})(?![\d]|[.,]\d)", "", text) if shown else text
