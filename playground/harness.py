"""The load harness: fires real requests at the lab and records when each was sent, began,
ended and came back, while a bystander pings the lab every 50 ms.

It uses aiohttp, not httpx: at 50 connections httpx's pool manages a few hundred requests a
second here against aiohttp's 14,000, and a slow harness would make `async` look slow for
the wrong reason. A fresh session per run, a connector that never limits below the run's
concurrency, a timeout on every request and a deadline on the whole run.

Its own costs are kept small, since they show up as overhead in every timeline (measured by
`python -m bench`, see docs/benchmarks.md): a burst starts its requests a few at a time,
so early ones are on the wire while later ones connect, and the cyclic garbage collector runs
rarely during a run.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from time import perf_counter
from typing import Any

import aiohttp
from yarl import URL

from playground.load import LOAD_MODELS
from playground.schemas import CANCELLED_ERROR, Arrival, BystanderRow, RequestRow

BYSTANDER_INTERVAL_S = 0.05
BYSTANDER_GRACE_S = 2.0
GC_THRESHOLD_DURING_RUN = 100_000
"""Allocations between young-generation collections while a run fires (Python's default: 700)."""


@dataclass(kw_only=True)
class Recording:
    """What the harness measured, appended as it happens; times are seconds from the run's
    start, `t0`. The harness process streams one to the playground as it grows."""

    t0: float | None = None
    """The run's clock zero, a `perf_counter()` reading: set as firing begins."""
    sent_times: list[tuple[int, float]] = field(default_factory=list)
    rows: list[RequestRow] = field(default_factory=list)
    pings: list[BystanderRow] = field(default_factory=list)

    def began(self, t0: float) -> None:
        self.t0 = t0

    def sent(self, i: int, sent_s: float) -> None:
        self.sent_times.append((i, sent_s))

    def done(self, row: RequestRow) -> None:
        self.rows.append(row)

    def bystander(self, row: BystanderRow) -> None:
        self.pings.append(row)


@dataclass(frozen=True)
class Target:
    base_url: str
    path: str
    params: dict[str, int]
    headers: Mapping[str, str] = field(default_factory=dict)
    """Sent with every request and the bystander's ping: the lab's secret."""

    @property
    def url(self) -> URL:
        return URL(self.base_url + self.path).with_query(
            {name: str(value) for name, value in self.params.items()}
        )


@dataclass(frozen=True)
class Limits:
    request_timeout_s: float
    deadline_s: float
    """The whole run's: requests still out then are recorded as timed out."""


def _error_text(error: BaseException, timeout_s: float) -> str:
    if isinstance(error, TimeoutError):
        return f"timed out after {timeout_s:g} s"
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


def unanswered_row(i: int, sent_s: float, error: str | None = None) -> RequestRow:
    """A request sent and not (yet) answered: the harness fills in the rest when it is."""
    return RequestRow(
        i=i,
        sent_s=sent_s,
        arrived_s=None,
        began_s=None,
        ended_s=None,
        received_s=None,
        status_code=None,
        error=error,
        thread=None,
        pid=None,
        spans=[],
    )


class _Run:
    def __init__(
        self, session: aiohttp.ClientSession, target: Target, limits: Limits, recording: Recording
    ) -> None:
        self.session = session
        self.url = target.url
        self.headers = target.headers
        self.limits = limits
        self.recording = recording
        self.timeout = aiohttp.ClientTimeout(total=limits.request_timeout_s)
        self.t0 = perf_counter()
        self.issued = 0
        self.outstanding: dict[int, float] = {}

    def next_index(self) -> int:
        i = self.issued
        self.issued += 1
        return i

    async def request(self, i: int) -> None:
        sent = perf_counter()
        self.outstanding[i] = sent - self.t0
        self.recording.sent(i, sent - self.t0)
        row = unanswered_row(i, sent - self.t0)
        try:
            async with self.session.get(
                self.url, headers=self.headers, timeout=self.timeout
            ) as resp:
                row["status_code"] = resp.status
                body: dict[str, Any] = await resp.json() if resp.status == 200 else {}
                if resp.status != 200:
                    row["error"] = f"HTTP {resp.status}: {(await resp.text())[:200]}"
        except (aiohttp.ClientError, TimeoutError, ValueError) as error:
            row["error"] = _error_text(error, self.limits.request_timeout_s)
            body = {}
        row["received_s"] = perf_counter() - self.t0
        lab = body.get("lab")
        if lab:
            row["arrived_s"] = lab["arrived"] - self.t0 if lab.get("arrived") else None
            row["began_s"] = lab["began"] - self.t0
            row["ended_s"] = lab["ended"] - self.t0
            row["thread"] = lab["thread"]
            row["pid"] = lab["pid"]
            row["spans"] = [
                {**span, "began": span["began"] - self.t0, "ended": span["ended"] - self.t0}
                for span in lab["spans"]
            ]
        del self.outstanding[i]
        self.recording.done(row)

    def record_unfinished(self, reason: str) -> None:
        for i, sent_s in sorted(self.outstanding.items()):
            self.recording.done(unanswered_row(i, sent_s, error=reason))
        self.outstanding.clear()

    def elapsed(self) -> float:
        return perf_counter() - self.t0


async def _bystander(
    target: Target, t0: float, limits: Limits, recording: Recording, stop: asyncio.Event
) -> None:
    """Ping the lab every 50 ms from a connection of its own, one ping at a time, until `stop`."""
    timeout = aiohttp.ClientTimeout(total=limits.request_timeout_s)
    async with aiohttp.ClientSession(
        target.base_url, headers=target.headers, timeout=timeout
    ) as session:
        while not stop.is_set():
            sent = perf_counter()
            row = BystanderRow(at_s=sent - t0, latency_ms=None, error=None)
            try:
                async with session.get("/ping") as resp:
                    await resp.read()
                row["latency_ms"] = (perf_counter() - sent) * 1000
            except (aiohttp.ClientError, TimeoutError) as error:
                row["error"] = _error_text(error, limits.request_timeout_s)
            except asyncio.CancelledError:
                waited_ms = (perf_counter() - sent) * 1000
                row["error"] = f"no answer after {waited_ms:,.0f} ms, when the run ended"
                recording.bystander(row)
                raise
            recording.bystander(row)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), sent + BYSTANDER_INTERVAL_S - perf_counter())


@contextlib.asynccontextmanager
async def _rare_collections() -> AsyncIterator[None]:
    """Collect young objects rarely while a run fires: with the default threshold the collector
    took a fifth of the harness's CPU in a 1,000-request burst. One run fires at a time."""
    previous = gc.get_threshold()
    gc.set_threshold(GC_THRESHOLD_DURING_RUN, *previous[1:])
    try:
        yield
    finally:
        gc.set_threshold(*previous)


async def warm_connections(session: aiohttp.ClientSession, target: Target, count: int) -> None:
    """Open `count` connections before the run's clock starts, each tried with a `/ping`, and
    leave them in the session's pool: a run on kept-alive connections measures the lab's
    work without its cost of accepting them."""

    async def ping() -> None:
        async with session.get(URL(target.base_url + "/ping"), headers=target.headers) as resp:
            await resp.read()

    async with asyncio.TaskGroup() as group:  # all at once: each needs a connection of its own
        for _ in range(count):
            group.create_task(ping())


def connector_limit(arrival: Arrival) -> int:
    """Connections the run may open: never fewer than the requests it may have in flight
    (0, no limit, for an open loop)."""
    return arrival.in_flight


async def fire(target: Target, arrival: Arrival, limits: Limits, recording: Recording) -> bool:
    """Run the load to its end or the deadline. Returns False if the deadline cut it short.

    Cancelling the task cancels every request; those still out are recorded as cancelled.
    """
    connector = aiohttp.TCPConnector(
        limit=connector_limit(arrival),
        limit_per_host=0,
        force_close=arrival.connection_per_request,
    )
    async with _rare_collections(), aiohttp.ClientSession(connector=connector) as session:
        if arrival.kept_alive:
            async with asyncio.timeout(limits.deadline_s):
                await warm_connections(session, target, arrival.in_flight)
        run = _Run(session, target, limits, recording)  # its clock starts here
        recording.began(run.t0)
        stop_pinging = asyncio.Event()
        bystander = asyncio.create_task(
            _bystander(target, run.t0, limits, recording, stop_pinging), name="bystander"
        )
        completed = False
        try:
            async with asyncio.timeout(limits.deadline_s):
                await LOAD_MODELS[arrival.model].drive(run, arrival)
            completed = True
            return True
        except TimeoutError:
            run.record_unfinished(f"timed out: the run's {limits.deadline_s:g} s deadline passed")
            return False
        except asyncio.CancelledError:
            run.record_unfinished(CANCELLED_ERROR)
            raise
        finally:
            stop_pinging.set()
            if completed:
                # The ping in flight waited through the load's end: its answer is the lesson.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(bystander, BYSTANDER_GRACE_S)
            else:
                bystander.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await bystander
