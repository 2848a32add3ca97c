"""Every export format in one table: the API route, the page's Export menu and the CLI read it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from playground.exports.run import RunExport
from playground.exports.to_csv import run_csv
from playground.exports.to_html import run_html
from playground.exports.to_json import run_json
from playground.exports.to_locust import run_locustfile
from playground.exports.to_svg import run_svg
from playground.exports.to_trace import run_trace


@dataclass(frozen=True)
class Format:
    name: str
    extension: str
    media_type: str
    label: str
    """What the file is for, in the Export menu."""
    render: Callable[[RunExport], bytes]

    def filename(self, export: RunExport) -> str:
        return export.filename(self.extension)


FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("json", "json", "application/json", "JSON: the whole run", run_json),
        Format("csv", "csv", "text/csv; charset=utf-8", "CSV: one row per request", run_csv),
        Format("svg", "svg", "image/svg+xml", "SVG: the timeline for slides", run_svg),
        Format(
            "html",
            "html",
            "text/html; charset=utf-8",
            "HTML: one file that works offline",
            run_html,
        ),
        Format(
            "trace",
            "trace.json",
            "application/json",
            "Trace: for Perfetto (ui.perfetto.dev)",
            run_trace,
        ),
        Format(
            "locust",
            "py",
            "text/x-python; charset=utf-8",
            "Locustfile: the same load again",
            run_locustfile,
        ),
    )
}


def unknown_format_message(name: str) -> str:
    return f"there is no export format {name!r}; choose one of: {', '.join(FORMATS)}"
