"""`python -m bench.probe_lab`: the lab, with a sampler that does nothing but its lag probe.

The issue's lag probe is a 10 ms timer on the loop it measures, so what that timer alone costs
is the least any sampling at that rate can cost. This is the real lab (`playground.lab`) and the
real sampler's wake-up, ticks and linger, but a tick only reads how late it is: no pool gauges,
no CPU, no sends, no watchdog. `bench/sampler.py` sets it beside a silent lab as it does the
sampling one, and reports the difference as the floor under the sampler's cost.
"""

from __future__ import annotations

from time import perf_counter

from playground.lab import sampler
from playground.lab.server import main


class ProbeOnly(sampler._Sampler):
    """The sampler's wake-up, ticks and linger; a tick reads how late it is, and keeps it."""

    lag_ms = 0.0

    def wake(self) -> None:
        if self.tick is None:
            self.tick = self.loop.call_soon(self._next_tick)

    def _tick(self) -> None:
        now = self.ticked_at = perf_counter()
        self.lag_ms = max(0.0, now - self.tick_set_at - sampler.LAG_INTERVAL_S) * 1e3
        if self.activity.busy():
            self._next_tick()
        else:
            self.tick = None

    def send_all(self) -> None:
        pass


if __name__ == "__main__":
    sampler._Sampler = ProbeOnly  # type: ignore[misc]
    main()
