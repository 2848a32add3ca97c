"""When the lab's app first saw a request: the `arrived` stamp, between `sent` and `began`.

A request spends its wait in one of two places, and the stamp tells them apart:
- sent → arrived: on the wire and in the server, before the app runs at all: a TCP accept,
  or an event loop blocked by another request, which reads nothing meanwhile;
- arrived → began: inside the app, waiting to be handled: for a threadpool token (`def`),
  a lock, a connection from a pool.

`ArrivalStamp` is pure ASGI middleware: it stamps `time.perf_counter()` into a context
variable before the app runs, and `timed` reads it into the endpoint's timing report. A
context variable reaches a `def` endpoint too: the threadpool copies the request's context.
"""

from __future__ import annotations

from contextvars import ContextVar
from time import perf_counter

from starlette.types import ASGIApp, Receive, Scope, Send

_arrived: ContextVar[float | None] = ContextVar("arrived", default=None)


def arrived() -> float | None:
    """The `perf_counter()` at which the app first saw the current request, if it was stamped."""
    return _arrived.get()


class ArrivalStamp:
    """Stamp each HTTP request as the app first sees it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            _arrived.set(perf_counter())
        await self.app(scope, receive, send)
