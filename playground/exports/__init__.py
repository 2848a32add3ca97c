"""A finished run as files people use: JSON, CSV, SVG, self-contained HTML, a Chrome trace for
Perfetto, and a locustfile. One module per format, each a pure function `RunExport → bytes`;
`FORMATS` names them all for the API, the page's Export menu and the CLI."""

from __future__ import annotations

from playground.exports.registry import FORMATS, Format, unknown_format_message
from playground.exports.run import RunExport, StillRunning, load_export
from playground.exports.to_locust import NoLocustEquivalent

__all__ = [
    "FORMATS",
    "Format",
    "NoLocustEquivalent",
    "RunExport",
    "StillRunning",
    "load_export",
    "unknown_format_message",
]
