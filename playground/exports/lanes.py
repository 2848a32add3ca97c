"""The lab's lanes as the files draw them: one strip per counter the run carries, worded and
coloured as on the page (`playground.lane_display`), each sample a block over the time it
stands for, and the loop's wait for a core as a band on top of the CPU.

The shapes follow the page's (`static/js/lanes/counter.js`): a gauge holds until the next
reading, a CPU reading covers the window that ended at it, a stall covers the time it lasted.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from playground.exports.palette import palette
from playground.exports.run import RunExport
from playground.exports.scale import time_span
from playground.lane_display import HEADROOM, Counter, by_moment, counters

__all__ = ["Block", "Strip", "strips"]

Block = tuple[float, float, float, float]
"""From, to (s on the run's clock), and the value range it fills: low, high."""


@dataclass(frozen=True)
class Strip:
    series: str
    label: str
    colour: str
    blocks: list[Block]
    band: list[Block]
    """The stacked series' blocks, over the lane's own; empty where it has none."""
    band_colour: str
    ceiling: float | None
    highest: float
    """The highest value drawn (or the ceiling): labelled at the scale's top."""

    @property
    def top(self) -> float:
        return self.highest * HEADROOM if self.highest > 0 else 1.0

    @property
    def highest_label(self) -> str:
        """As the page's scale reads: whole above 10, else to a tenth."""
        if abs(self.highest) >= 10:
            return f"{round(self.highest):,}"
        return f"{self.highest:.1f}".removesuffix(".0")


Sample = Mapping[str, Any]


def _by_process(samples: Iterable[Sample]) -> list[list[Sample]]:
    groups: dict[object, list[Sample]] = defaultdict(list)
    for sample in samples:
        groups[sample.get("pid")].append(sample)
    return [sorted(group, key=lambda s: float(s["at_s"])) for group in groups.values()]


def _spans(counter: Counter, points: Sequence[Sample]) -> list[tuple[float, float, Sample]]:
    """When each sample of one process stands for."""
    spans = []
    for n, point in enumerate(points):
        at = float(point["at_s"])
        if counter.lookback:
            spans.append((at - float(point["value"]) / 1000, at, point))
        elif counter.window_s:
            window = counter.window_s
            before = float(points[n - 1]["at_s"]) if n else at - window
            spans.append((max(before, at - 2 * window), at, point))  # a longer gap: idle
        else:
            after = float(points[n + 1]["at_s"]) if n + 1 < len(points) else at
            spans.append((at, after, point))
    return spans


def _within(blocks: Iterable[Block], span_s: float) -> list[Block]:
    """The parts of `blocks` on the time axis: the sampler lingers after the run's end."""
    return [
        (max(start, 0.0), min(end, span_s), low, high)
        for start, end, low, high in blocks
        if start < span_s and end > 0
    ]


def _merged(blocks: Iterable[Block]) -> list[Block]:
    """Blocks that follow on with the same range as one: a steady gauge is one block."""
    out: list[Block] = []
    for block in blocks:
        if out and out[-1][2:] == block[2:] and abs(out[-1][1] - block[0]) < 1e-9:
            out[-1] = (out[-1][0], block[1], *block[2:])
        else:
            out.append(block)
    return out


def strips(export: RunExport) -> list[Strip]:
    """A strip for each counter lane the run carries, top to bottom."""
    colours = palette()
    span_s = time_span(export)
    out = []
    for counter in counters(export.record.lab.get("info") or {}):
        samples = export.lanes.get(counter.series)
        if not samples:
            continue
        stacked = by_moment(export.lanes.get(counter.stack, ())) if counter.stack else {}
        blocks: list[Block] = []
        band: list[Block] = []
        for points in _by_process(samples):
            spans = _spans(counter, points)
            blocks += _merged((start, end, 0.0, float(p["value"])) for start, end, p in spans)
            band += _merged(
                (start, end, float(p["value"]), float(p["value"]) + stacked[moment])
                for start, end, p in spans
                if (moment := (p.get("pid"), float(p["at_s"]))) in stacked
            )
        blocks, band = _within(blocks, span_s), _within(band, span_s)
        highest = max([counter.ceiling or 0.0, *(b[3] for b in blocks), *(b[3] for b in band)])
        out.append(
            Strip(
                series=counter.series,
                label=counter.label,
                colour=colours.variable(counter.colour),
                blocks=blocks,
                band=band,
                band_colour=colours.variable(counter.stack_colour or counter.colour),
                ceiling=counter.ceiling,
                highest=highest,
            )
        )
    return out
