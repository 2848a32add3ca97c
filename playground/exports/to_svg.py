"""SVG: the timeline as vector graphics for slides.

One rectangle per bar, grouped by colour; past `MERGE_ABOVE` rows, where many rows share a
pixel row, the bars of one colour that overlap in a pixel row become one rectangle (as the
page's canvas does), so a 10,000-request run stays small. Under it: the bystander strip, the
lab's lanes when it reported them, the legend, the settings and the key numbers as text.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from html import escape

from playground.exports.describe import LEGEND, key_numbers, settings_text
from playground.exports.lanes import Block, Strip, strips
from playground.exports.palette import Palette, palette
from playground.exports.run import RunExport, answered_s
from playground.exports.scale import ticks, time_span

WIDTH = 1200
LEFT, RIGHT = 64, 16
PLOT_HEIGHT = 440
STRIP_HEIGHT = 90
LANE_HEIGHT = 60
MERGE_ABOVE = 2_000
ANCHOR_END = ' text-anchor="end"'
FONT = "system-ui, -apple-system, 'Segoe UI', sans-serif"


def _n(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _text(x: float, y: float, words: str, *, size: int = 13, extra: str = "") -> str:
    return f'<text x="{_n(x)}" y="{_n(y)}" font-size="{size}"{extra}>{escape(words)}</text>'


class _Bars:
    """Rectangles of one colour; with `merge`, those overlapping in a pixel row become one."""

    def __init__(self, merge: bool) -> None:
        self.merge = merge
        self.rects: list[tuple[float, float, float, float]] = []  # left, right, top, bottom
        self.rows: dict[int, list[tuple[float, float, float, float]]] = defaultdict(list)

    def add(self, left: float, right: float, top: float, height: float) -> None:
        right = max(right, left + 1)
        if self.merge:
            self.rows[int(top)].append((left, right, top, top + height))
        else:
            self.rects.append((left, right, top, top + height))

    def svg(self, colour: str) -> str:
        rects = list(self.rects)
        for row in self.rows.values():
            row.sort()
            current = list(row[0])
            for left, right, top, bottom in row[1:]:
                if left <= current[1] + 1:
                    current[1] = max(current[1], right)
                    current[2] = min(current[2], top)
                    current[3] = max(current[3], bottom)
                else:
                    rects.append((current[0], current[1], current[2], current[3]))
                    current = [left, right, top, bottom]
            rects.append((current[0], current[1], current[2], current[3]))
        if not rects:
            return ""
        body = "".join(
            f'<rect x="{_n(left)}" y="{_n(top)}" width="{_n(right - left)}" '
            f'height="{_n(bottom - top)}"/>'
            for left, right, top, bottom in rects
        )
        return f'<g fill="{colour}">{body}</g>'


def _legend(
    colours: Palette, y: float, items: Iterable[tuple[str, str]]
) -> tuple[list[str], float]:
    """Swatches and words from the left edge of the plot, wrapping; and the last row's y."""
    out, x = [], float(LEFT)
    for colour, words in items:
        if x > LEFT and x + 25 + 6.8 * len(words) > WIDTH - RIGHT:
            x, y = float(LEFT), y + 20
        if colour == "predicted":
            out.append(
                f'<line x1="{_n(x)}" x2="{_n(x + 20)}" y1="{_n(y - 4)}" y2="{_n(y - 4)}" '
                f'stroke="{colours.predicted}" stroke-width="2" stroke-dasharray="4 3"/>'
            )
        else:
            fill = colour if colour.startswith("#") else colours.named(colour)
            out.append(f'<rect x="{_n(x)}" y="{_n(y - 9)}" width="20" height="10" fill="{fill}"/>')
        out.append(_text(x + 25, y, words, size=12))
        x += 25 + 6.8 * len(words) + 14
    return out, y


def _levels(strip: Strip, bottom: float) -> Callable[[float], float]:
    """A strip's value to its y, the strip's bottom at 0."""
    return lambda value: bottom - value / strip.top * LANE_HEIGHT


def _blocks(
    blocks: Iterable[Block],
    colour: str,
    x: Callable[[float], float],
    level: Callable[[float], float],
) -> list[str]:
    """Each block shaded, with its value as a line on top, as the page's lanes draw them."""
    out = []
    for start, end, low, high in blocks:
        if high <= low:
            continue
        left, width, top = _n(x(start)), _n(max(x(end) - x(start), 0.5)), _n(level(high))
        out.append(
            f'<rect x="{left}" y="{top}" width="{width}" height="{_n(level(low) - level(high))}" '
            f'fill="{colour}" fill-opacity="0.45"/>'
            f'<rect x="{left}" y="{top}" width="{width}" height="1.5" fill="{colour}"/>'
        )
    return out


def run_svg(export: RunExport) -> bytes:
    c = palette()
    record = export.record
    rows = export.timeline
    parts: list[str] = [
        _text(LEFT, 30, export.title, size=20, extra=' font-weight="bold"'),
        _text(LEFT, 52, settings_text(record)),
    ]
    numbers = key_numbers(record)
    for line, chunk in enumerate((numbers[:4], numbers[4:])):
        if chunk:
            words = " · ".join(f"{label}: {value}" for label, value in chunk)
            parts.append(_text(LEFT, 74 + 19 * line, words))
    span_names = list(dict.fromkeys(s["name"] for row in rows for s in row["spans"]))
    legend, legend_y = _legend(
        c, 122, [*LEGEND, *((c.span(k), f"part: {n}") for k, n in enumerate(span_names))]
    )
    parts += legend
    top = legend_y + 18

    span = time_span(export)
    plot_width = WIDTH - LEFT - RIGHT
    bottom = top + PLOT_HEIGHT

    def x(t: float) -> float:
        return LEFT + t / span * plot_width

    def axis(y0: float, y1: float, labels: bool) -> None:
        for t, label in ticks(span, plot_width // 90):
            parts.append(
                f'<line x1="{_n(x(t))}" x2="{_n(x(t))}" y1="{_n(y0)}" y2="{_n(y1)}" '
                f'stroke="{c.grid}"/>'
            )
            if labels:
                parts.append(_text(x(t), y1 + 16, label, size=12, extra=' text-anchor="middle"'))

    def predicted(y0: float, y1: float, label: bool) -> None:
        makespan = (record.prediction or {}).get("makespan_s")
        if not makespan:
            return
        px = x(float(makespan))
        parts.append(
            f'<line x1="{_n(px)}" x2="{_n(px)}" y1="{_n(y0)}" y2="{_n(y1)}" '
            f'stroke="{c.predicted}" stroke-width="2" stroke-dasharray="6 4"/>'
        )
        if label:
            near_left = px < LEFT + 80  # then the word goes right of the line, as on the page
            anchor = "start" if near_left else "end"
            parts.append(
                _text(
                    px + 4 if near_left else px - 4,
                    y0 + 12,
                    "predicted",
                    size=12,
                    extra=f' text-anchor="{anchor}" font-weight="bold" fill="{c.predicted}"',
                )
            )

    # The requests, one row each.
    count = max([len(rows), *(row["i"] + 1 for row in rows)])
    row_height = PLOT_HEIGHT / max(count, 1)
    bar_height = max(row_height - (1 if row_height > 4 else 0), 0.6)
    merge = count > MERGE_ABOVE
    waiting, running, tail, failed = (_Bars(merge) for _ in range(4))
    span_bars = [_Bars(merge) for _ in span_names]
    lane_height = bar_height * 0.7 / max(len(span_names), 1)
    end = export.end_s
    for row in rows:
        y = top + row["i"] * row_height
        if row["error"]:
            failed.add(x(row["sent_s"]), x(row["received_s"] or end), y, bar_height)
            continue
        began, ended, received = row["began_s"], row["ended_s"], row["received_s"]
        if began is None or ended is None:
            continue
        waiting.add(x(row["sent_s"]), x(began), y, bar_height)
        running.add(x(began), x(ended), y, bar_height)
        for part in row["spans"]:
            k = span_names.index(part["name"])
            span_bars[k].add(
                x(part["began"]),
                x(part["ended"]),
                y + bar_height * 0.15 + k * lane_height,
                lane_height,
            )
        if received is not None:
            tail.add(x(ended), x(received), y + bar_height * 0.4, max(bar_height * 0.2, 0.5))
    axis(top, bottom, True)
    parts += [
        waiting.svg(c.waiting),
        running.svg(c.running),
        *(bars.svg(c.span(k)) for k, bars in enumerate(span_bars)),
        tail.svg(c.tail),
        failed.svg(c.error),
        _text(LEFT - 6, top + 10, "#1", size=12, extra=' text-anchor="end"'),
        _text(LEFT - 6, bottom, f"#{count:,}", size=12, extra=' text-anchor="end"'),
    ]
    predicted(top, bottom, True)

    # The bystander strip.
    label_y = bottom + 44
    parts.append(
        _text(
            LEFT,
            label_y,
            "bystander: latency of a trivial async def ping to the same lab, every 50 ms",
            size=12,
        )
    )
    strip_top = label_y + 8
    strip_bottom = strip_top + STRIP_HEIGHT
    latencies = [p["latency_ms"] for p in export.bystander if p["latency_ms"] is not None]
    ymax = max(20.0, max(latencies, default=0.0) * 1.1)
    axis(strip_top, strip_bottom, False)
    points = " ".join(
        f"{_n(x(answered_s(p)))},{_n(strip_bottom - p['latency_ms'] / ymax * STRIP_HEIGHT)}"
        for p in export.bystander
        if p["latency_ms"] is not None
    )
    if points:
        parts.append(
            f'<polyline points="{points}" fill="none" stroke="{c.bystander}" stroke-width="2"/>'
        )
    parts += [
        f'<rect x="{_n(x(p["at_s"]) - 1)}" y="{_n(strip_top)}" width="2" '
        f'height="{STRIP_HEIGHT}" fill="{c.error}"/>'
        for p in export.bystander
        if p["error"]
    ]
    ymax_label = f"{ymax / 1000:.1f} s" if ymax >= 1000 else f"{ymax:.0f} ms"
    parts += [
        _text(LEFT - 6, strip_top + 10, ymax_label, size=12, extra=' text-anchor="end"'),
        _text(LEFT - 6, strip_bottom, "0", size=12, extra=' text-anchor="end"'),
    ]
    predicted(strip_top, strip_bottom, False)

    # The lab's lanes, one strip each, when it reported them: as on the page.
    y0 = strip_bottom
    for strip in strips(export):
        parts.append(_text(LEFT, y0 + 28, strip.label, size=12))
        lane_top, lane_bottom = y0 + 36, y0 + 36 + LANE_HEIGHT
        axis(lane_top, lane_bottom, False)
        level = _levels(strip, lane_bottom)
        parts += _blocks(strip.blocks, strip.colour, x, level)
        parts += _blocks(strip.band, strip.band_colour, x, level)
        if strip.ceiling:
            dashed = _n(level(strip.ceiling))
            parts.append(
                f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{dashed}" y2="{dashed}" '
                f'stroke="{strip.colour}" stroke-dasharray="4 3"/>'
            )
        parts += [
            _text(
                LEFT - 6, level(strip.highest) + 4, strip.highest_label, size=12, extra=ANCHOR_END
            ),
            _text(LEFT - 6, lane_bottom, "0", size=12, extra=ANCHOR_END),
        ]
        y0 = lane_bottom
    height = y0 + 24
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{_n(height)}" '
        f'viewBox="0 0 {WIDTH} {_n(height)}" font-family="{FONT}" fill="{c.text}">'
        f"<title>{escape(export.title)}</title>"
        f'<rect width="100%" height="100%" fill="{c.background}"/>'
        + "".join(part for part in parts if part)
        + "</svg>\n"
    )
    return svg.encode()
