"""The event stream of a run: what already happened first, then live frames, then the end.

Every message is named and numbered. `update` frames carry what is new since the last one
(requests sent, requests done, bystander pings), at most ~20 a second however fast the run
goes; `summary` is the last message, and the page closes the stream on it, since a stream
that just ends makes browsers reconnect and replay.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from time import perf_counter
from typing import Any

from sse_starlette import ServerSentEvent

from playground.lanes import new_lanes
from playground.runs import LiveRun, RunManager
from playground.store import RunRecord, RunStore

FRAME_INTERVAL_S = 0.05

RenderSummary = Callable[[RunRecord], str]


@dataclass
class _Cursor:
    sent: int = 0
    done: int = 0
    pings: int = 0
    lanes: dict[str, int] = field(default_factory=dict)


def _message(seq: int, event: str, data: dict[str, Any]) -> ServerSentEvent:
    return ServerSentEvent(json.dumps(data, separators=(",", ":")), event=event, id=str(seq))


def _frame(live: LiveRun, cursor: _Cursor, started: float) -> dict[str, Any] | None:
    sent, done, pings = (
        live.sent_times[cursor.sent :],
        live.rows[cursor.done :],
        live.pings[cursor.pings :],
    )
    lanes = new_lanes(live.lanes, cursor.lanes)
    if not (sent or done or pings or lanes):
        return None
    cursor.sent += len(sent)
    cursor.done += len(done)
    cursor.pings += len(pings)
    return {
        "sent": sent,
        "done": done,
        "bystander": pings,
        "lanes": lanes,
        "elapsed_s": perf_counter() - started,
    }


async def _summary(
    run_id: int, store: RunStore, render_summary: RenderSummary, seq: int
) -> ServerSentEvent:
    record = await store.get_run(run_id)
    assert record is not None
    return _message(
        seq,
        "summary",
        {
            "status": record.status,
            "error": record.error,
            "summary": record.summary,
            "html": render_summary(record),
        },
    )


async def run_events(
    run_id: int, *, runs: RunManager, store: RunStore, render_summary: RenderSummary
) -> AsyncIterator[ServerSentEvent]:
    live = runs.live(run_id)
    if live is None or live.finished.is_set():
        rows, pings = await store.timeline(run_id), await store.bystander(run_id)
        sent = [(row["i"], row["sent_s"]) for row in rows]
        lanes = await store.lanes(run_id)
        yield _message(
            1, "update", {"sent": sent, "done": rows, "bystander": pings, "lanes": lanes}
        )
        yield await _summary(run_id, store, render_summary, 2)
        return

    cursor, seq = _Cursor(), 0
    started = live.started
    while True:
        finished = live.finished.is_set()  # read first: what came before it is in the lists
        frame = _frame(live, cursor, started)
        if frame is not None:
            seq += 1
            yield _message(seq, "update", frame)
        if finished:
            yield await _summary(run_id, store, render_summary, seq + 1)
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(live.finished.wait(), FRAME_INTERVAL_S)
