"""Lanes: what the lab's worker is busy with, sampled inside it while it runs.

A timeline shows that a request waited; the lanes show what for. Each lab worker process
samples, on the `time.perf_counter()` clock its timing stamps use:
- `loop_lag_ms`: how late a 10 ms timer fires on the event loop. A callback on the loop
  measures it, so a loop blocked for 100 ms reads as 100 ms, the moment it is free again;
- `threadpool_busy`: anyio threadpool tokens borrowed (`def` endpoints, `run_in_threadpool`);
- `executor_busy`: threads of the loop's default executor at work (`run_in_executor(None, …)`,
  `asyncio.to_thread`), counted by the `CountingThreadPoolExecutor` installed in its place;
- `process_pool_busy`: workers of the `CountingProcessPoolExecutor`s at work;
- `cpu_percent`: CPU of this process and its multiprocessing children (100 = one core);
- `cpu_wait_percent`: the share of the time the event loop's thread was ready to run but
  waited for a core, other work (a browser, the harness, the lab's own process pool) having
  them all: the kernel's run-queue delay of that thread (`/proc/.../schedstat`). A loop late
  for this reason is not busy with its own work.

The loop samples, and sends: its lag probe wakes every `LAG_INTERVAL_S` anyway, reads the pool
gauges every `GAUGE_EVERY` ticks, and every `SEND_EVERY` ticks reads the CPU and sends what it
has. A thread doing that work would take the GIL from a busy loop each time, and on a virtual
machine each wake of an idle thread costs more than the work (a JSON datagram built after a
10 ms sleep took three times as long as built in a row). A watchdog thread sleeps on a
`Deadline` that each send of the loop pushes `WATCHDOG_AFTER_S` ahead: it wakes only once the
loop is that late, when it is blocked, and then reads the gauges and the CPU and sends them
itself every `SEND_INTERVAL_S`, so they keep coming while the loop is stuck.
Both sample only while the lab serves: from a request's arrival until `LINGER_S` after the
last one ended, as `Activity` counts them; an idle lab costs nothing.
The samples go as UDP datagrams (`encode`, `decode`: 17 bytes a sample) to the collector
named by the `PLAYGROUND_LAB_LANES` environment variable (`host:port`); without it, nothing is
sampled. The playground's collector is `playground/lanes.py`.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import operator
import os
import socket
import struct
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from time import perf_counter
from typing import Any, ParamSpec, TypeVar

import anyio.to_thread
from starlette.types import ASGIApp, Receive, Scope, Send

from playground.lab.deadline import Deadline

__all__ = [
    "LANES",
    "Activity",
    "CountRequests",
    "CountingProcessPoolExecutor",
    "CountingThreadPoolExecutor",
    "decode",
    "encode",
    "lab_sampler",
]

LANES = (
    "loop_lag_ms",
    "threadpool_busy",
    "executor_busy",
    "process_pool_busy",
    "cpu_percent",
    "cpu_wait_percent",
)
LAG_INTERVAL_S = 0.01
GAUGE_EVERY = 2
"""The pool gauges are read every this many lag ticks."""
GAUGE_INTERVAL_S = GAUGE_EVERY * LAG_INTERVAL_S
SEND_EVERY = 10
"""The loop sends its samples, with the CPU's, every this many lag ticks."""
SEND_INTERVAL_S = SEND_EVERY * LAG_INTERVAL_S
STALE_S = 5 * LAG_INTERVAL_S
"""The loop has not ticked for this long: it is blocked, and the watchdog sends instead."""
WATCHDOG_AFTER_S = SEND_INTERVAL_S + STALE_S
"""The watchdog wakes this long after the loop last sent: pushing its deadline back at every
tick, not every send, cost the loop a quarter of what sampling cost it (a system call each)."""
CPU_WINDOW_S = 0.1
"""CPU is the share of this window: over a shorter one, the kernel's accounting is too coarse."""
CHILDREN_REFRESH_S = 0.5
LINGER_S = 0.25
"""Sampling goes on this long after the last request ended: longer than the bystander's gaps
(a ping every 50 ms during a run). Every tick then wakes an idle loop, so a longer linger costs:
at 1 s it was about a third of what sampling cost the bench's 3 s rounds."""
MAX_BATCH = 2_000
"""Samples per datagram: 34 KB, below the 64 KB a UDP datagram can hold."""

_HEADER = struct.Struct("!I")
"""A datagram: the sending process's id, then its samples."""
_SAMPLE = struct.Struct("!Bdd")
"""A sample: its lane's index in `LANES`, its `perf_counter()`, its value."""
Sample = tuple[int, float, float]


def encode(pid: int, samples: list[Sample]) -> bytes:
    return _HEADER.pack(pid) + b"".join(_SAMPLE.pack(*sample) for sample in samples)


def decode(data: bytes) -> tuple[int, list[tuple[str, float, float]]]:
    """The sender's pid and its samples as (lane, at, value); ValueError if `data` is not a
    datagram `encode` wrote."""
    if len(data) < _HEADER.size or (len(data) - _HEADER.size) % _SAMPLE.size:
        raise ValueError(f"a datagram of {len(data)} bytes is no whole number of samples")
    (pid,) = _HEADER.unpack_from(data)
    samples = []
    for lane, at, value in _SAMPLE.iter_unpack(data[_HEADER.size :]):
        if lane >= len(LANES):
            raise ValueError(f"no lane has the index {lane}")
        samples.append((LANES[lane], at, value))
    return pid, samples


LOOP_LAG, THREADPOOL_BUSY, EXECUTOR_BUSY, PROCESS_POOL_BUSY, CPU_PERCENT, CPU_WAIT = range(
    len(LANES)
)

P = ParamSpec("P")
T = TypeVar("T")


class CountingThreadPoolExecutor(ThreadPoolExecutor):
    """asyncio's default executor (same size, same thread names), counting work at run."""

    def __init__(self) -> None:
        super().__init__(thread_name_prefix="asyncio")
        self._lock = threading.Lock()
        self.busy = 0

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        def counted() -> T:
            with self._lock:
                self.busy += 1
            try:
                return fn(*args, **kwargs)
            finally:
                with self._lock:
                    self.busy -= 1

        return super().submit(counted)


class Activity:
    """Requests in flight in this worker: the sampler runs while there are any, and a little
    after. Only the event loop's thread changes it; the sampler's watchdog reads it."""

    def __init__(self) -> None:
        self.in_flight = 0
        self.last = float("-inf")
        self.wake_loop: Callable[[], None] = lambda: None
        """Called on the loop as each request arrives: the sampler starts ticking, if idle."""

    def busy(self) -> bool:
        return self.in_flight > 0 or perf_counter() - self.last < LINGER_S

    def begin(self) -> None:
        self.in_flight += 1
        self.last = perf_counter()
        self.wake_loop()

    def end(self) -> None:
        self.in_flight -= 1
        self.last = perf_counter()


class CountRequests:
    """Pure ASGI middleware: counts HTTP requests in flight into an `Activity`."""

    def __init__(self, app: ASGIApp, activity: Activity) -> None:
        self.app = app
        self.activity = activity

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        self.activity.begin()
        try:
            await self.app(scope, receive, send)
        finally:
            self.activity.end()


_process_pools: list[CountingProcessPoolExecutor] = []
"""The pools not shut down yet: a plain list, since the gauges are read every 20 ms and a
`WeakSet` took six times as long to walk."""


class CountingProcessPoolExecutor(ProcessPoolExecutor):
    """A process pool that counts its work submitted and not yet done, for the lanes."""

    def __init__(self, max_workers: int, **kwargs: Any) -> None:
        super().__init__(max_workers, **kwargs)
        self.size = max_workers
        self._lock = threading.Lock()
        self._pending = 0
        self.touched = False
        """Work came or ended since the CPU meter last looked: its workers' CPU moved."""
        _process_pools.append(self)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        with contextlib.suppress(ValueError):  # shut down twice
            _process_pools.remove(self)
        super().shutdown(wait, cancel_futures=cancel_futures)

    @property
    def busy(self) -> int:
        """Workers at work: submitted work, but never more than the pool has processes."""
        return min(self._pending, self.size)

    def _count(self, step: int) -> None:
        with self._lock:
            self._pending += step
            self.touched = True

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        self._count(1)
        try:
            future = super().submit(fn, *args, **kwargs)
        except BaseException:
            self._count(-1)
            raise
        future.add_done_callback(lambda _: self._count(-1))
        return future


def _process_pools_touched() -> bool:
    """Whether a process pool has had work since the last call: only then can its workers' CPU
    have moved, and only then is it worth a file read a worker."""
    touched = False
    for pool in _process_pools:
        touched |= pool.touched or pool.busy > 0
        pool.touched = False
    return touched


def _process_seconds(pid: int) -> float | None:
    """CPU time of another process's main thread, in ns precision; None if it is gone."""
    try:
        with open(f"/proc/{pid}/schedstat", "rb") as file:
            return int(file.read().split()[0]) / 1e9
    except (OSError, ValueError, IndexError):
        return None


class _RunDelay:
    """Seconds one thread of this process has spent ready to run, waiting for a core, as the
    kernel counts it (the second figure of its `schedstat`); not `counted` where the kernel
    does not count it (no `/proc`)."""

    def __init__(self, thread_id: int) -> None:
        try:
            self._fd = os.open(f"/proc/self/task/{thread_id}/schedstat", os.O_RDONLY)
        except OSError:
            self._fd = -1

    @property
    def counted(self) -> bool:
        return self._fd >= 0

    def seconds(self) -> float:
        if self._fd < 0:
            return 0.0
        try:
            return int(os.pread(self._fd, 64, 0).split()[1]) / 1e9
        except (OSError, ValueError, IndexError):
            return 0.0

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


class _CpuMeter:
    """CPU of this process and its multiprocessing children, as a share of one core; and how
    long the loop's thread waited for a core, as a share of the same window."""

    def __init__(self, loop_waits: _RunDelay) -> None:
        self.total = 0.0
        self.loop_waits = loop_waits
        self.children: dict[int, float] = {}
        now, self.own, _ = self._read(children_too=False)
        self._refresh_children(now)  # what they used before now is not counted
        self.window = deque([(now, self.total, loop_waits.seconds())])

    def _refresh_children(self, now: float) -> None:
        self.refreshed = now
        pids = {child.pid for child in multiprocessing.active_children() if child.pid}
        for pid in pids - self.children.keys():
            seconds = _process_seconds(pid)
            if seconds is not None:
                self.children[pid] = seconds
        for pid in self.children.keys() - pids:
            del self.children[pid]

    def _read(self, children_too: bool) -> tuple[float, float, dict[int, float | None]]:
        """The clock, and this process's CPU and (if asked) its children's, as of that moment."""
        children = {pid: _process_seconds(pid) for pid in self.children} if children_too else {}
        # Both read in one bytecode instruction: no other thread can take the GIL between them.
        # Between two calls it could, and threads computing in Python keep it 5 ms each: a CPU
        # time read that long before its clock made a window of 100 ms read 341% on 2 cores.
        own, now = map(operator.call, (time.process_time, perf_counter))
        return now, own, children

    def percent(self) -> tuple[float, float, float] | None:
        """When, and the CPU's and the loop's wait's shares of the window up to then; None
        while the window is too short."""
        children_too = _process_pools_touched()
        now, own, children = self._read(children_too)
        waited = self.loop_waits.seconds()
        self.total += own - self.own
        self.own = own
        for pid, seconds in children.items():
            if seconds is None:
                del self.children[pid]
                continue
            self.total += max(0.0, seconds - self.children[pid])
            self.children[pid] = seconds
        if children_too and now - self.refreshed >= CHILDREN_REFRESH_S:
            self._refresh_children(now)
        self.window.append((now, self.total, waited))
        while len(self.window) > 1 and now - self.window[1][0] >= CPU_WINDOW_S:
            self.window.popleft()
        (since, total_then, waited_then) = self.window[0]
        if now - since < CPU_WINDOW_S / 2:
            return None  # not enough of a window yet
        share = 100 / (now - since)
        return now, share * (self.total - total_then), share * (waited - waited_then)


class _Sampler:
    def __init__(
        self,
        address: tuple[str, int],
        threadpool: anyio.CapacityLimiter,
        executor: CountingThreadPoolExecutor,
        activity: Activity,
    ) -> None:
        self.ticked_at = float("-inf")
        """When the lag probe last ran: the loop was free then."""
        self.activity = activity
        self.address = address
        self.threadpool = threadpool
        self.executor = executor
        self.pid = os.getpid()
        self.samples: deque[Sample] = deque()  # appended by the loop, and by the watchdog
        self.loop_waits = _RunDelay(threading.get_native_id())
        self.cpu = _CpuMeter(self.loop_waits)
        self.sending = threading.Lock()
        """Held to read the CPU and send: by the loop, or by the watchdog while it is blocked."""
        self.loop = asyncio.get_running_loop()
        self.tick: asyncio.Handle | None = None
        """The lag probe's next callback; None while the lab is idle."""
        self.tick_set_at = self.woken_at = 0.0
        self.ticks = 0
        self.stopping = threading.Event()
        self.deadline = Deadline(after_s=WATCHDOG_AFTER_S, every_s=SEND_INTERVAL_S)
        """Passes when the loop is late to send: the watchdog sleeps on it."""
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.socket.setblocking(False)
        self.thread = threading.Thread(target=self._watchdog, name="lanes watchdog", daemon=True)

    def wake(self) -> None:
        """A request arrived: if the lag probe sleeps, it starts again, and the watchdog is
        armed at once, for a request that blocks the loop before the probe can run."""
        if self.tick is None:
            self.woken_at = perf_counter()
            with self.sending:
                self.cpu = _CpuMeter(self.loop_waits)  # the window starts again, after idling
            self.deadline.push()
            self.tick = self.loop.call_soon(self._woken)

    def _woken(self) -> None:
        # Waking is a callback due when the first request came: if the requests of that batch
        # blocked the loop, it runs late by their whole block.
        now = self.ticked_at = perf_counter()
        self.deadline.push()
        self.samples.append((LOOP_LAG, now, round((now - self.woken_at) * 1e3, 2)))
        self._read_gauges(now)
        self._next_tick()

    def _next_tick(self) -> None:
        self.tick_set_at = perf_counter()
        self.tick = self.loop.call_later(LAG_INTERVAL_S, self._tick)

    def _tick(self) -> None:
        """How late a short timer fires is how long the loop was kept busy; every
        `GAUGE_EVERY` ticks the pool gauges, every `SEND_EVERY` the CPU, and send. A callback,
        not a coroutine that sleeps: a tick cost a busy loop 30 µs here, where a coroutine's
        cost 73 (and an idle loop's wake 42 against 60)."""
        now = self.ticked_at = perf_counter()
        lag_ms = max(0.0, now - self.tick_set_at - LAG_INTERVAL_S) * 1e3
        self.samples.append((LOOP_LAG, now, round(lag_ms, 2)))
        self.ticks += 1
        if self.ticks % GAUGE_EVERY == 0:
            self._read_gauges(now)
        if not self.activity.busy():
            self.deadline.disarm()
            self.send_all()
            self.tick = None
        else:
            if self.ticks % SEND_EVERY == 0:
                self.send_all()
                self.deadline.push()
            self._next_tick()

    def _read_gauges(self, now: float) -> None:
        self.samples.extend(
            (
                (THREADPOOL_BUSY, now, self.threadpool.borrowed_tokens),
                (EXECUTOR_BUSY, now, self.executor.busy),
                (PROCESS_POOL_BUSY, now, sum(pool.busy for pool in _process_pools)),
            )
        )

    def send_all(self) -> None:
        """Read the CPU, and send every sample taken so far."""
        with self.sending:
            cpu = self.cpu.percent()
            if cpu is not None:
                at, percent, waiting = cpu
                self.samples.append((CPU_PERCENT, at, round(percent, 1)))
                if self.loop_waits.counted:
                    self.samples.append((CPU_WAIT, at, round(waiting, 1)))
            while self.samples:
                batch = [self.samples.popleft() for _ in range(min(len(self.samples), MAX_BATCH))]
                with contextlib.suppress(OSError):  # nobody listening: the samples are dropped
                    self.socket.sendto(encode(self.pid, batch), self.address)

    def _watchdog(self) -> None:
        while True:
            self.deadline.wait()
            if self.stopping.is_set():
                return
            now = perf_counter()
            if now - self.ticked_at > STALE_S and self.activity.busy():  # the loop is blocked
                self._read_gauges(now)
                self.send_all()

    def close(self) -> None:
        if self.tick is not None:
            self.tick.cancel()
        self.stopping.set()
        self.deadline.pass_now()
        self.thread.join()
        self.deadline.close()
        self.send_all()
        self.socket.close()
        self.loop_waits.close()


def _collector_address(value: str | None) -> tuple[str, int] | None:
    if not value:
        return None
    host, _, port = value.rpartition(":")
    return host, int(port)


@contextlib.asynccontextmanager
async def lab_sampler(activity: Activity, collector: str | None) -> AsyncIterator[None]:
    """In the lab's lifespan: sample the lanes while requests come, until it ends, if a
    `collector` (`host:port`) was named; `activity` is what the app's `CountRequests` counts."""
    address = _collector_address(collector)
    if address is None:
        yield
        return
    executor = CountingThreadPoolExecutor()
    asyncio.get_running_loop().set_default_executor(executor)
    threadpool = anyio.to_thread.current_default_thread_limiter()
    sampler = _Sampler(address, threadpool, executor, activity)
    activity.wake_loop = sampler.wake
    sampler.thread.start()
    try:
        yield
    finally:
        activity.wake_loop = lambda: None
        sampler.close()
