"""What a request costs the lab's event loop on this machine, measured when the lab starts.

The predictions add these to the variants' queue models: a burst of N requests takes the
loop N times its per-request cost, however long each one then waits.

- `request_new_ms`: a request on a connection of its own: accepting it, parsing, the
  middleware, routing, the endpoint's JSON, the response, and closing it;
- `request_kept_alive_ms`: the same on a connection that is already open;
- `thread_hop_ms`: handing a call to FastAPI's threadpool and picking its result up again,
  which every `def` endpoint pays: how much more of the lab's CPU a burst to the `def` hello
  costs than one to the `async def` hello (in a burst a hop costs more than alone: the
  threads and the loop keep handing the GIL to each other).

Scenarios time their own work with `cpu_ms` in their `lab_lifespan`s: what a variant's
driver or client spends on the CPU (any thread's, under the one GIL) around a wait of 0.

Why this is representative: the requests are served by the lab's own app (the same guard,
stamps and routes) through a uvicorn server with the same HTTP protocol, on the lab's own
event loop, and a burst is all sent before the loop may serve it, so the loop works through
it without sleeping in between, as through a harness's burst that outruns it. What is timed
is the lab's CPU, all its threads but the client's (a thread of raw sockets): the lab's own
work, not the sending, and not what other processes on the machine take meanwhile.
"""

from __future__ import annotations

import asyncio
import socket
import statistics
import threading
from collections.abc import Awaitable, Callable, Mapping
from time import perf_counter, process_time, thread_time

import uvicorn
from fastapi import FastAPI

from playground.ports import LOOPBACK

__all__ = [
    "REQUEST_KEPT_ALIVE",
    "REQUEST_NEW",
    "THREAD_HOP",
    "calibrate_requests",
    "cpu_ms",
    "seconds_in_threads",
]

REQUEST_NEW = "request_new_ms"
REQUEST_KEPT_ALIVE = "request_kept_alive_ms"
THREAD_HOP = "thread_hop_ms"

PATH = "/s/hello/async"
"""The lab's cheapest endpoint: what is left is what every request costs."""
THREAD_PATH = "/s/hello/sync"
"""The same as `def`: what it costs more is the hop to the threadpool and back."""
BURST = 100
ROUNDS = 3
CLOSE = {"Connection": "close"}
"""What a request on a new connection says, as the harness's do (every request of a burst is a
client of its own): the lab closes the connection after the answer, and that is timed too."""
SCENARIO_BURST = 10
"""Requests in a burst to a scenario's own endpoint (`Scenario.timed_requests`): they may do
real work, a write of many MB, so fewer, still sent at once."""


WARM_UP = 10
AT_ONCE = 50
"""How many of a scenario's own requests `cpu_ms` runs together, unless the scenario says. Threads
alive at once cost each other (one session-gather request measured 11.4 ms of CPU ten at once,
14.0 fifty, 14.6 a hundred): fifty cost about what a default burst's hundred do, in half the
lab's start."""


async def cpu_ms(work: Callable[[], Awaitable[object]], *, at_once: int = AT_ONCE) -> float:
    """ms of the lab's CPU, every thread's (`process_time`), that one `work()` costs when
    `at_once` of them run together, after a few to warm up. CPU, not wall time: under the GIL
    it is what requests queue for, and another process's load does not count."""
    await asyncio.gather(*(work() for _ in range(WARM_UP)))
    began = process_time()
    await asyncio.gather(*(work() for _ in range(at_once)))
    return (process_time() - began) / at_once * 1000


def seconds_in_threads(work: Callable[[], object], threads: int = 1) -> float:
    """Wall seconds for `threads` threads to call `work()` each, all at once: started first,
    then let go together, as a busy threadpool's are. One: this thread calls it."""
    if threads == 1:
        began = perf_counter()
        work()
        return perf_counter() - began
    go = threading.Event()

    def wait_then_work() -> None:
        go.wait()
        work()

    workers = [threading.Thread(target=wait_then_work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    began = perf_counter()
    go.set()
    for worker in workers:
        worker.join()
    return perf_counter() - began


def _read_response(sock: socket.socket) -> None:
    """Read one HTTP response with a Content-Length body, as uvicorn writes it."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("the lab closed the connection mid-response")
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("the lab closed the connection mid-body")
        body += chunk


class _LabCpu:
    """The lab's CPU, every thread's but the client's own (`process_time` less `thread_time`
    of the client thread that opens it): what the requests cost the lab, not the sending."""

    def __enter__(self) -> _LabCpu:
        self._process, self._client = process_time(), thread_time()
        self.seconds = 0.0
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = (process_time() - self._process) - (thread_time() - self._client)


class _HeldLoop:
    """The lab's loop held still, from the client's thread, while a burst is sent: the burst
    waits in the kernel's queues, and the loop then serves it as fast as it can, many requests
    a wake-up, as it does when a harness's burst outruns it. Without the hold, the loop would
    serve each request as the client's thread got it out, one a wake-up, sharing the GIL."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._released = threading.Event()

    def __enter__(self) -> _HeldLoop:
        held = threading.Event()

        def hold() -> None:
            held.set()
            self._released.wait()

        self._loop.call_soon_threadsafe(hold)
        held.wait()
        return self

    def serve(self, socks: list[socket.socket]) -> _LabCpu:
        """Let the loop go, and time it from then until every answer on `socks` is read."""
        with _LabCpu() as timed:
            self._released.set()
            for sock in socks:
                _read_response(sock)
        return timed

    def __exit__(self, *exc: object) -> None:
        self._released.set()


def _burst_new(
    loop: asyncio.AbstractEventLoop, port: int, request: bytes, requests: int = BURST
) -> _LabCpu:
    """`requests` requests, each on a new connection, sent while the loop is held, then timed
    from its release until the last answer."""
    with _HeldLoop(loop) as held:
        socks = []
        for _ in range(requests):
            sock = socket.create_connection((LOOPBACK, port))
            sock.sendall(request)
            socks.append(sock)
        timed = held.serve(socks)
    for sock in socks:
        sock.close()
    return timed


def _burst_kept_alive(loop: asyncio.AbstractEventLoop, port: int, request: bytes) -> _LabCpu:
    """BURST requests on connections opened and used before, sent and timed as `_burst_new`'s."""
    socks = [socket.create_connection((LOOPBACK, port)) for _ in range(BURST)]
    try:
        for sock in socks:
            sock.sendall(request)
            _read_response(sock)
        with _HeldLoop(loop) as held:
            for sock in socks:
                sock.sendall(request)
            return held.serve(socks)
    finally:
        for sock in socks:
            sock.close()


def _per_request_ms(seconds: list[float], requests: int = BURST) -> float:
    return statistics.median(seconds) / requests * 1000


def _request(path: str, port: int, headers: dict[str, str]) -> bytes:
    lines = [f"GET {path} HTTP/1.1", f"Host: {LOOPBACK}:{port}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def _client(
    loop: asyncio.AbstractEventLoop,
    port: int,
    headers: dict[str, str],
    scenario_paths: Mapping[str, str],
) -> dict[str, float]:
    """The bursts, from a thread of the lab: to `async def` hello, and to `def` hello in turns
    with it. A request costs the lab's CPU; a hop costs what the `def` bursts cost more. By the
    CPU, not the wall clock: on a machine busy with other work, the wall clock's difference of
    two short bursts read from 0 (in a full test run) to 2.7 ms a hop, the CPU's 0.2 to 1.0.
    Then `scenario_paths`: name → path, each timed like hello on new connections, in smaller
    bursts."""

    def on_new_connection(path: str) -> bytes:
        return _request(path, port, headers | CLOSE)

    on_loop, in_thread = on_new_connection(PATH), on_new_connection(THREAD_PATH)
    _burst_new(loop, port, on_loop)  # warm-up: imports, first-call caches
    _burst_new(loop, port, in_thread)  # and the threadpool's threads started
    pairs = [
        (_burst_new(loop, port, on_loop), _burst_new(loop, port, in_thread)) for _ in range(ROUNDS)
    ]
    kept = _request(PATH, port, headers)
    kept_alive = [_burst_kept_alive(loop, port, kept) for _ in range(ROUNDS)]
    return {
        REQUEST_NEW: _per_request_ms([bare.seconds for bare, _ in pairs]),
        REQUEST_KEPT_ALIVE: _per_request_ms([timed.seconds for timed in kept_alive]),
        THREAD_HOP: max(0.0, _per_request_ms([hop.seconds - bare.seconds for bare, hop in pairs])),
    } | {
        name: _scenario_request_ms(loop, port, on_new_connection(path))
        for name, path in scenario_paths.items()
    }


def _scenario_request_ms(loop: asyncio.AbstractEventLoop, port: int, request: bytes) -> float:
    _burst_new(loop, port, request, SCENARIO_BURST)  # warm-up
    bursts = [_burst_new(loop, port, request, SCENARIO_BURST).seconds for _ in range(ROUNDS)]
    return _per_request_ms(bursts, SCENARIO_BURST)


async def calibrate_requests(
    app: FastAPI, headers: dict[str, str], scenario_paths: Mapping[str, str]
) -> dict[str, float]:
    """Serve `app` on a second loopback port for a moment and time requests to it: hello, then
    `scenario_paths` (name → path); call in the lab's lifespan, on its loop. `headers`: what
    the lab's guard wants (its secret)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((LOOPBACK, 0))
    sock.listen(4096)
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, lifespan="off", log_level="warning", access_log=False)
    config.load()
    server = uvicorn.Server(config)
    server.lifespan = config.lifespan_class(config)  # "off": the lab's own lifespan is running
    await server.startup(sockets=[sock])
    try:
        loop = asyncio.get_running_loop()
        measured = await asyncio.to_thread(_client, loop, port, headers, scenario_paths)
    finally:
        server.should_exit = True
        await server.shutdown(sockets=[sock])
        sock.close()
    return measured
