"""A client of a run's event stream, timing what arrives: frames, rows and bytes."""

from __future__ import annotations

import json
from dataclasses import dataclass
from time import perf_counter

from bench.servers import Playground

READ_BUFSIZE = 2**23
"""aiohttp reads a line of up to twice this. A frame holds at most 1,000 rows (a few hundred
KB), under aiohttp's default; the margin keeps the benchmark measuring if that changes."""


@dataclass(frozen=True)
class Received:
    updates: int
    rows: int
    bytes: int
    first_s: float
    """From connecting to the first `update` frame."""
    last_s: float
    """From connecting to the last `update` frame."""
    summary_s: float
    """From connecting to the final `summary` event."""

    @property
    def updates_per_s(self) -> float:
        span = self.last_s - self.first_s
        return (self.updates - 1) / span if span > 0 else 0.0

    @property
    def rows_per_s(self) -> float:
        return self.rows / self.summary_s if self.summary_s > 0 else 0.0


async def follow(playground: Playground, run_id: int) -> Received:
    """Read `/api/runs/{id}/events` to its `summary` event, as the page's EventSource would."""
    connected = perf_counter()
    updates = rows = size = 0
    first = last = 0.0
    event = ""
    async with playground.session.get(
        f"{playground.url}/api/runs/{run_id}/events", timeout=None, read_bufsize=READ_BUFSIZE
    ) as response:
        response.raise_for_status()
        async for raw in response.content:
            size += len(raw)
            line = raw.decode().rstrip("\r\n")
            if line.startswith("event:"):
                event = line.partition(":")[2].strip()
            elif line.startswith("data:") and event == "update":
                now = perf_counter() - connected
                first = first or now
                last = now
                updates += 1
                rows += len(json.loads(line.partition(":")[2])["done"])
            elif line.startswith("data:") and event == "summary":
                return Received(updates, rows, size, first, last, perf_counter() - connected)
    raise RuntimeError(f"run {run_id}'s stream ended without a summary event")
