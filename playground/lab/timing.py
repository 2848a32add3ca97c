"""Timing stamps for lab endpoints that leave `def` a `def` and `async def` an `async def`.

FastAPI decides how to call an endpoint from what it is: an `async def` runs on the event
loop, a `def` in the threadpool. `timed` wraps each kind in its own kind, so the lesson is
untouched, and adds when the handler body began and ended, in which thread and process, and
the spans its code marked with `span` (offloaded work, the parts of a fan-out).

`time.perf_counter()` is CLOCK_MONOTONIC on Linux, one clock for every process on the
machine, so the harness can place the lab's stamps on its own timeline.
"""

from __future__ import annotations

import functools
import inspect
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from time import perf_counter
from typing import Any, TypedDict

from playground.lab.phases import arrived


class SpanReport(TypedDict):
    name: str
    began: float
    ended: float
    thread: str


class TimingReport(TypedDict):
    arrived: float | None
    """When the app first saw the request (`lab/phases.py`), if it was stamped."""
    began: float
    ended: float
    thread: str
    pid: int
    spans: list[SpanReport]


_spans: ContextVar[list[SpanReport] | None] = ContextVar("spans", default=None)


def thread_label() -> str:
    thread = threading.current_thread()
    return f"{thread.name} #{thread.native_id}"


@contextmanager
def span(name: str) -> Iterator[None]:
    """Report when the enclosed work began and ended, and which thread ran it."""
    began = perf_counter()
    try:
        yield
    finally:
        add_span(name, began, perf_counter(), thread_label())


def add_span(name: str, began: float, ended: float, thread: str) -> None:
    """Report work timed elsewhere: in another process, or a thread that did not inherit the
    request's context (`loop.run_in_executor` does not copy it; `asyncio.to_thread` and
    `run_in_threadpool` do). Call it from the endpoint, with the stamps the work returned."""
    spans = _spans.get()
    if spans is not None:
        spans.append(SpanReport(name=name, began=began, ended=ended, thread=thread))


def _report(result: Any, began: float, spans: list[SpanReport]) -> dict[str, Any]:
    timing = TimingReport(
        arrived=arrived(),
        began=began,
        ended=perf_counter(),
        thread=thread_label(),
        pid=os.getpid(),
        spans=spans,
    )
    return {"result": result, "lab": timing}


def timed(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap an endpoint in its own kind, adding a `lab` timing report to its JSON."""
    if inspect.iscoroutinefunction(endpoint):

        @functools.wraps(endpoint)
        async def timed_async(*args: Any, **kwargs: Any) -> dict[str, Any]:
            spans: list[SpanReport] = []
            _spans.set(spans)
            began = perf_counter()
            return _report(await endpoint(*args, **kwargs), began, spans)

        return timed_async

    @functools.wraps(endpoint)
    def timed_sync(*args: Any, **kwargs: Any) -> dict[str, Any]:
        spans: list[SpanReport] = []
        _spans.set(spans)
        began = perf_counter()
        return _report(endpoint(*args, **kwargs), began, spans)

    return timed_sync
