"""How the lab's lanes are shown, on the page and in the exports alike: each counter's words,
colour, ceiling and shape, worded from the run's own lab (its pool sizes, its cores).

The page's lanes (`static/js/timeline.js`) read these from the run's `data-lanes`; the SVG and
HTML exports draw from them too, so a lane says the same wherever it is seen.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from playground.lab.sampler import CPU_WINDOW_S, LAG_INTERVAL_S

__all__ = ["HEADROOM", "Counter", "by_moment", "counters"]

HEADROOM = 1.15
"""A lane's top stands this much above its highest value (or its ceiling)."""


@dataclass(frozen=True)
class Counter:
    """One lane under the timeline: a series the lab sampled, and how to draw it."""

    series: str
    label: str
    colour: str
    """A CSS variable of `static/app.css`."""
    ceiling: float | None = None
    """The pool's size, drawn as a dashed line; None where nothing caps the series."""
    lookback: bool = False
    """Each value (ms) is how long something lasted until its sample: the loop's stalls."""
    window_s: float | None = None
    """Each value is a share of the window of this many seconds that ended at its sample."""
    stack: str | None = None
    """A second series in the same unit, sampled with this one, drawn as a band on top of it."""
    stack_colour: str | None = None

    def options(self) -> dict[str, Any]:
        """What the page's `CounterLane` takes."""
        stack = {"series": self.stack, "colour": self.stack_colour} if self.stack else None
        return {
            "series": self.series,
            "label": self.label,
            "colour": self.colour,
            "ceiling": self.ceiling,
            "lookback": self.lookback,
            "windowS": self.window_s,
            "stack": stack,
            "headroom": HEADROOM,
        }


def by_moment(samples: Iterable[Mapping[str, Any]]) -> dict[tuple[Any, float], float]:
    """A stacked series' values by (process, moment): each pairs with the lane's own sample of
    the same process and moment, since the sampler reads the two together."""
    return {(s.get("pid"), float(s["at_s"])): float(s["value"]) for s in samples}


def _size(lab: Mapping[str, Any], name: str) -> int | None:
    value = lab.get(name)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def counters(lab: Mapping[str, Any]) -> list[Counter]:
    """The counter lanes, top to bottom, worded for `lab`: a run's stored `lab.info`
    (`playground.lab.info.LabInfo.to_json`), or `{}` when the lab was never reached."""
    per_worker = " per worker" if (_size(lab, "workers") or 1) > 1 else ""

    def of(size: int | None) -> str:
        return f" (of {size}{per_worker})" if size is not None else ""

    threadpool = _size(lab, "threadpool")
    executor = _size(lab, "default_executor")
    processes = _size(lab, "processes")
    cores = _size(lab, "cores")
    all_cores = f"; {cores} cores = {cores * 100}%" if cores is not None else ""
    return [
        Counter(
            "loop_lag_ms",
            f"event loop lag (ms): how late a {round(LAG_INTERVAL_S * 1000)} ms timer fires",
            "--c-lane-lag",
            lookback=True,
        ),
        Counter(
            "threadpool_busy",
            f"threadpool tokens in use{of(threadpool)}: def endpoints, run_in_threadpool",
            "--c-lane-threads",
            ceiling=threadpool,
        ),
        Counter(
            "executor_busy",
            f"default executor threads at work{of(executor)}: run_in_executor, to_thread",
            "--c-lane-threads",
            ceiling=executor,
        ),
        Counter(
            "process_pool_busy",
            f"process pool workers at work{of(processes)}",
            "--c-lane-processes",
            ceiling=processes,
        ),
        Counter(
            "cpu_percent",
            f"lab CPU (% of one core{all_cores}); grey above it: its event loop waiting for a core",
            "--c-lane-cpu",
            ceiling=cores * 100 if cores is not None else None,
            window_s=CPU_WINDOW_S,
            stack="cpu_wait_percent",
            stack_colour="--c-lane-wait",
        ),
    ]
