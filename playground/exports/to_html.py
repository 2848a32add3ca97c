"""HTML: one self-contained file that opens offline and draws the run as the page does.

The run is inlined as JSON with a small drawing script (`offline_timeline.js`); a Content
Security Policy forbids the file any request at all, so it works from an e-mail or a USB stick.
"""

from __future__ import annotations

import json
from functools import cache
from html import escape
from pathlib import Path
from typing import Any

from playground.exports.describe import LEGEND, key_numbers, settings_text
from playground.exports.lanes import Strip, strips
from playground.exports.palette import palette
from playground.exports.run import RunExport
from playground.exports.scale import time_span

CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'"


@cache
def _script() -> str:
    return Path(__file__).with_name("offline_timeline.js").read_text(encoding="utf-8")


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def _data(export: RunExport, lane_strips: list[Strip]) -> dict[str, Any]:
    c = palette()
    rows: list[dict[str, Any]] = [
        {
            "i": row["i"],
            "sent_s": _round(row["sent_s"]),
            "began_s": _round(row["began_s"]),
            "ended_s": _round(row["ended_s"]),
            "received_s": _round(row["received_s"]),
            "error": row["error"],
            "spans": [
                {"name": s["name"], "began": _round(s["began"]), "ended": _round(s["ended"])}
                for s in row["spans"]
            ],
        }
        for row in export.timeline
    ]
    return {
        "rows": rows,
        "pings": list(export.bystander),
        "strips": [
            {
                "series": strip.series,
                "colour": strip.colour,
                "blocks": [[_round(v) for v in block] for block in strip.blocks],
                "band": [[_round(v) for v in block] for block in strip.band],
                "band_colour": strip.band_colour,
                "ceiling": strip.ceiling,
                "highest": strip.highest,
                "highest_label": strip.highest_label,
                "top": strip.top,
            }
            for strip in lane_strips
        ],
        "span_names": list(dict.fromkeys(s["name"] for row in rows for s in row["spans"])),
        "span_s": time_span(export),
        "end_s": export.end_s,
        "predicted_s": (export.record.prediction or {}).get("makespan_s"),
        "colours": {
            "waiting": c.waiting,
            "running": c.running,
            "spans": list(c.spans),
            "tail": c.tail,
            "error": c.error,
            "bystander": c.bystander,
            "predicted": c.predicted,
            "grid": c.grid,
            "text": c.text,
        },
    }


def _style() -> str:
    c = palette()
    swatches = "".join(
        f".swatch.{name} {{ background: {c.named(name)}; }}"
        for name, _ in LEGEND
        if name != "predicted"
    )
    return f"""
body {{ font: 15px/1.45 system-ui, sans-serif; color: {c.text}; background: {c.background};
  max-width: 72rem; margin: 1.5rem auto; padding: 0 1rem; }}
h1 {{ font-size: 1.5rem; margin: 0 0 .25rem; }}
.muted {{ color: #64748b; margin: 0 0 1rem; }}
canvas {{ display: block; width: 100%; }}
#timeline {{ height: 28rem; }} #bystander {{ height: 6rem; }} .lane canvas {{ height: 4.5rem; }}
.strip-label {{ font-size: .85rem; color: #64748b; margin-top: .75rem; }}
.legend {{ list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: .4rem 1.2rem;
  font-size: .85rem; }}
.swatch {{ display: inline-block; width: 1.4rem; height: .7rem; border-radius: 2px; }}
{swatches}
.swatch.tail {{ height: 2px; }} .swatch.bystander {{ height: 3px; }}
.swatch.predicted {{ height: 0; border-top: 2px dashed {c.predicted}; }}
.numbers {{ display: grid; grid-template-columns: repeat(auto-fill, minmax(11rem, 1fr));
  gap: .5rem 1rem; margin: 1rem 0; }}
.numbers div {{ display: flex; flex-direction: column; }}
.numbers span {{ font-size: .8rem; color: #64748b; }}
pre {{ background: #f1f5f9; padding: 1rem; overflow-x: auto; border-radius: 4px; }}
"""


def run_html(export: RunExport) -> bytes:
    record = export.record
    lane_strips = strips(export)
    data = json.dumps(_data(export, lane_strips), separators=(",", ":")).replace("<", "\\u003c")
    legend = "".join(
        f'<li><i class="swatch {name}"></i> {escape(words)}</li>' for name, words in LEGEND
    )
    numbers = "".join(
        f"<div><span>{escape(label)}</span><strong>{escape(value)}</strong></div>"
        for label, value in key_numbers(record)
    )
    lanes = "".join(
        f'<div class="lane"><div class="strip-label">{escape(strip.label)}</div>'
        f'<canvas data-lane="{escape(strip.series)}" aria-label="{escape(strip.label)}"></canvas>'
        "</div>"
        for strip in lane_strips
    )
    source = export.source()
    code = (
        f"<h2>The endpoint</h2><pre><code>{escape(source)}</code></pre>"
        if source is not None
        else ""
    )
    status = record.status + (f": {record.error}" if record.error else "")
    page = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(export.title)} · Async Playground</title>
<style>{_style()}</style>
</head>
<body>
<h1>{escape(export.title)}</h1>
<p class="muted">{escape(settings_text(record))} · {escape(status)}
 · {escape(record.created_at)}</p>
<canvas id="timeline" aria-label="Timeline: one row per request"></canvas>
<div class="strip-label">bystander: latency of a trivial <code>async def</code> ping to the same
lab, every 50 ms</div>
<canvas id="bystander" aria-label="Bystander latency"></canvas>
{lanes}
<ul class="legend">{legend}</ul>
<div class="numbers">{numbers}</div>
{code}
<p class="muted">Exported from Async Playground: every bar is a real request the lab served.</p>
<script type="application/json" id="run-data">{data}</script>
<script>{_script()}</script>
</body>
</html>
"""
    return page.encode()
