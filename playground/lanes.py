"""The lanes collector: receives what the lab samples inside itself and files it with the run.

The lab's workers send their samples as UDP datagrams (`playground/lab/sampler.py` has the
format) to a port on 127.0.0.1 the supervisor opens before it starts the lab, and names in the
lab's environment. While a run is followed, each sample is moved onto the run's clock (seconds
from the harness's time zero, like every stamp of the run) and appended to the run's `lanes`;
otherwise samples are dropped. A datagram that is not what the lab sends is ignored.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from time import perf_counter
from typing import Any, Protocol

from playground.lab.sampler import SEND_INTERVAL_S, decode
from playground.ports import LOOPBACK
from playground.schemas import LaneSample

__all__ = ["LaneCollector"]

log = logging.getLogger("playground.lanes")

SETTLE_TIMEOUT_S = 4 * SEND_INTERVAL_S
SILENT_S = 1.0
"""A process that sent nothing for this long is gone (a lab restarted): nothing to wait for."""


class Followed(Protocol):
    """A run whose lanes are being collected: its time zero, once known, and its lanes."""

    t0: float | None
    lanes: dict[str, list[LaneSample]]


class _Protocol(asyncio.DatagramProtocol):
    def __init__(self, collector: LaneCollector) -> None:
        self.collector = collector

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        self.collector.receive(data)


class LaneCollector:
    """One UDP endpoint on loopback for the playground's life; one run followed at a time."""

    def __init__(self) -> None:
        self.address = ""
        """`host:port` for the lab's `PLAYGROUND_LAB_LANES`, once open."""
        self._transport: asyncio.DatagramTransport | None = None
        self._run: Followed | None = None
        self._latest: dict[int, float] = {}
        """The newest sample's `perf_counter()` from each sending process."""
        self._received = asyncio.Event()

    async def open(self) -> str:
        """Open the endpoint, if it is not open yet; returns its address."""
        if self._transport is None:
            transport, _ = await asyncio.get_running_loop().create_datagram_endpoint(
                lambda: _Protocol(self), local_addr=(LOOPBACK, 0)
            )
            self._transport = transport
            host, port = transport.get_extra_info("sockname")[:2]
            self.address = f"{host}:{port}"
        return self.address

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()
            self._transport = None
            self.address = ""

    def follow(self, run: Followed) -> None:
        """From now on, file samples taken after the run's time zero into its lanes."""
        self._run = run

    async def settle(self, run: Followed) -> None:
        """Stop following the run once the lab has sent what it sampled up to now (a lab that
        stopped sending is waited for at most `SETTLE_TIMEOUT_S`)."""
        now = perf_counter()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(SETTLE_TIMEOUT_S):
                while any(now - SILENT_S < at < now for at in self._latest.values()):
                    self._received.clear()
                    await self._received.wait()
        if self._run is run:
            self._run = None

    def receive(self, data: bytes) -> None:
        try:
            pid, samples = decode(data)
        except ValueError as error:
            log.debug("ignored a datagram that is not lane samples: %s", error)
            return
        if samples:
            self._latest[pid] = max(self._latest.get(pid, 0.0), *(at for _, at, _ in samples))
            self._received.set()
        run = self._run
        if run is None or run.t0 is None:
            return
        for lane, at, value in samples:
            at_s = at - run.t0
            if at_s >= 0:
                run.lanes.setdefault(lane, []).append(LaneSample(at_s=at_s, value=value, pid=pid))


def new_lanes(
    lanes: dict[str, list[LaneSample]], cursor: dict[str, int]
) -> dict[str, list[LaneSample]]:
    """The samples added since the cursor, lane by lane; moves the cursor past them."""
    new: dict[str, list[LaneSample]] = {}
    for lane, samples in lanes.items():
        seen = cursor.get(lane, 0)
        if len(samples) > seen:
            new[lane] = samples[seen:]
            cursor[lane] = len(samples)
    return new
