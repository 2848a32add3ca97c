"""The event stream of a run: what already happened first, then live frames, then the end.

Every message is named and numbered. `update` frames carry what is new since the last one
(requests sent, requests done, bystander pings), at most ~20 a second however fast the run
goes and at most `FRAME_ROWS` of each kind, so no line is too long for an SSE client;
`summary` is the last message, and the page closes the stream on it, since a stream that just
ends makes browsers reconnect and replay.

A crowd of clients costs the playground little: each message is encoded once for all of
them. A live run has one `LiveStream`, a list of encoded messages that grows as the run goes;
every client walks it at its own pace, so a client that joins late first gets every frame so
far, the same bytes the others got. A finished run's messages are built once from the store
and kept in a small cache bounded in bytes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from time import perf_counter
from typing import Any, Protocol

from sse_starlette import ServerSentEvent

from playground.lanes import new_lanes
from playground.schemas import BystanderRow, LaneSample, RequestRow
from playground.store import FINISHED, RunRecord, RunStore

FRAME_INTERVAL_S = 0.05
FRAME_ROWS = 1_000
"""At most this many sent times, done rows and pings in one `update` frame."""
REPLAY_CACHE_RUNS = 4
REPLAY_CACHE_BYTES = 64 * 2**20

RenderSummary = Callable[[RunRecord], str]
Messages = Sequence[bytes]


class LiveView(Protocol):
    """What the stream reads of a run in flight: lists that only grow, and its end."""

    @property
    def sent(self) -> list[tuple[int, float]]: ...
    @property
    def rows(self) -> list[RequestRow]: ...
    @property
    def pings(self) -> list[BystanderRow]: ...
    @property
    def lanes(self) -> dict[str, list[LaneSample]]: ...
    @property
    def finished(self) -> asyncio.Event: ...
    def elapsed_s(self) -> float: ...


FindLive = Callable[[int], LiveView | None]


def encode(seq: int, event: str, data: dict[str, Any]) -> bytes:
    """One SSE message, `event:` and `id:` included, as the bytes every client is sent."""
    text = json.dumps(data, separators=(",", ":"))
    return ServerSentEvent(text, event=event, id=str(seq)).encode()


def update_frames(
    first_seq: int,
    sent: Sequence[tuple[int, float]],
    done: Sequence[RequestRow],
    pings: Sequence[BystanderRow],
    lanes: Mapping[str, Sequence[LaneSample]],
    elapsed_s: float | None,
) -> list[bytes]:
    """`update` messages numbered from `first_seq`, with at most `FRAME_ROWS` of each list."""
    frames: list[bytes] = []
    longest = max([len(sent), len(done), len(pings), *map(len, lanes.values())])
    for start in range(0, longest, FRAME_ROWS):
        end = start + FRAME_ROWS
        data: dict[str, Any] = {
            "sent": sent[start:end],
            "done": done[start:end],
            "bystander": pings[start:end],
            "lanes": {name: samples[start:end] for name, samples in lanes.items()},
        }
        if elapsed_s is not None:
            data["elapsed_s"] = elapsed_s
        frames.append(encode(first_seq + len(frames), "update", data))
    return frames


def summary_message(seq: int, record: RunRecord, render_summary: RenderSummary) -> bytes:
    data = {
        "status": record.status,
        "error": record.error,
        "summary": record.summary,
        "html": render_summary(record),
    }
    return encode(seq, "summary", data)


@dataclass
class LiveStream:
    """The messages of one run in flight, encoded once, in the order every client gets them."""

    live: LiveView
    summary: Callable[[int], Awaitable[bytes]]
    """Builds the final message, numbered as given, once the run is stored."""
    messages: list[bytes] = field(default_factory=list)
    ended: bool = False
    _sent: int = 0
    _done: int = 0
    _pings: int = 0
    _lanes: dict[str, int] = field(default_factory=dict)
    _next_at: float = 0.0
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def advance(self, seen: int) -> None:
        """Return once there are more than `seen` messages. One client at a time reads the run
        (the others wait on the lock and then find the new messages), every `FRAME_INTERVAL_S`
        at most."""
        async with self._lock:
            while len(self.messages) <= seen and not self.ended:
                delay = self._next_at - perf_counter()
                if delay > 0:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self.live.finished.wait(), delay)
                finished = self.live.finished.is_set()  # first: what came before is in the lists
                self._collect()
                self._next_at = perf_counter() + FRAME_INTERVAL_S
                if finished:
                    self.messages.append(await self.summary(len(self.messages) + 1))
                    self.ended = True

    def _collect(self) -> None:
        live = self.live
        sent, done, pings = (
            live.sent[self._sent :],
            live.rows[self._done :],
            live.pings[self._pings :],
        )
        self._sent += len(sent)
        self._done += len(done)
        self._pings += len(pings)
        lanes = new_lanes(live.lanes, self._lanes)
        elapsed = live.elapsed_s()
        self.messages += update_frames(len(self.messages) + 1, sent, done, pings, lanes, elapsed)

    async def follow(self) -> AsyncIterator[bytes]:
        """One client's messages from the first. A client holds only its place in the list,
        so one that goes (its generator cancelled) leaves nothing to clean up."""
        seen = 0
        while True:
            while seen < len(self.messages):
                yield self.messages[seen]
                seen += 1
            if self.ended:
                return
            await self.advance(seen)


class ReplayCache:
    """Finished runs' messages, least recently used first out, within a budget of bytes."""

    def __init__(self, *, runs: int = REPLAY_CACHE_RUNS, budget: int = REPLAY_CACHE_BYTES) -> None:
        self.runs = runs
        self.budget = budget
        self._entries: OrderedDict[int, tuple[bytes, ...]] = OrderedDict()
        self._lock = asyncio.Lock()

    @property
    def size(self) -> int:
        return sum(len(message) for entry in self._entries.values() for message in entry)

    async def get(
        self, run_id: int, build: Callable[[], Awaitable[tuple[Messages, bool]]]
    ) -> Messages:
        """The run's messages: cached, or built once however many clients ask at once.
        `build` says whether what it built is final (a finished run) and may be kept."""
        async with self._lock:
            if run_id in self._entries:
                self._entries.move_to_end(run_id)
                return self._entries[run_id]
            messages, final = await build()
            entry = tuple(messages)
            if final and sum(map(len, entry)) <= self.budget:
                self._entries[run_id] = entry
                while len(self._entries) > self.runs or self.size > self.budget:
                    self._entries.popitem(last=False)
            return entry


class RunStreams:
    """Every client's stream of every run, sharing the encoded messages."""

    def __init__(
        self, *, find_live: FindLive, store: RunStore, render_summary: RenderSummary
    ) -> None:
        self.find_live = find_live
        self.store = store
        self.render_summary = render_summary
        self.replays = ReplayCache()
        self._live: dict[int, LiveStream] = {}

    def events(self, run_id: int) -> AsyncIterator[bytes]:
        """The messages a client of `run_id`'s stream is sent, from the first."""
        live = self.find_live(run_id)
        self._live = {
            key: stream for key, stream in self._live.items() if not stream.live.finished.is_set()
        }
        if live is None or live.finished.is_set():
            return self._replay(run_id)
        stream = self._live.get(run_id)
        if stream is None or stream.live is not live:
            stream = self._live[run_id] = LiveStream(live, lambda seq: self._summary(run_id, seq))
        return stream.follow()

    async def _summary(self, run_id: int, seq: int) -> bytes:
        record = await self.store.get_run(run_id)
        if record is None:
            raise LookupError(f"run {run_id} is not in the store")
        return summary_message(seq, record, self.render_summary)

    async def _build_replay(self, run_id: int) -> tuple[Messages, bool]:
        rows, pings = await self.store.timeline(run_id), await self.store.bystander(run_id)
        record = await self.store.get_run(run_id)
        if record is None:
            raise LookupError(f"run {run_id} is not in the store")
        sent = [(row["i"], row["sent_s"]) for row in rows]
        lanes = await self.store.lanes(run_id)
        messages = update_frames(1, sent, rows, pings, lanes, None)
        messages.append(summary_message(len(messages) + 1, record, self.render_summary))
        return messages, record.status in FINISHED

    async def _replay(self, run_id: int) -> AsyncIterator[bytes]:
        messages = await self.replays.get(run_id, lambda: self._build_replay(run_id))
        for message in messages:
            yield message
