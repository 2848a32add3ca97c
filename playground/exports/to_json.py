"""JSON: the whole run, as the API knows it, in one file a script can read back."""

from __future__ import annotations

import json
from dataclasses import asdict

from playground.exports.run import RunExport

FORMAT_NAME = "async-playground run"


def run_json(export: RunExport) -> bytes:
    record = asdict(export.record)
    body = {
        "format": FORMAT_NAME,
        "run": {
            key: record[key]
            for key in ("id", "created_at", "scenario", "variant", "status", "error")
        },
        "settings": record["request"],
        "lab": record["lab"],
        "prediction": record["prediction"],
        "summary": record["summary"],
        "timeline": list(export.timeline),
        "bystander": list(export.bystander),
    }
    if export.lanes:
        body["lanes"] = {name: list(samples) for name, samples in export.lanes.items()}
    return json.dumps(body, separators=(",", ":")).encode()
