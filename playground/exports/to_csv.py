"""CSV: one row per request, for a spreadsheet or pandas."""

from __future__ import annotations

import csv
import io

from playground.exports.run import RunExport, arrived_s

COLUMNS = (
    "i",
    "sent_s",
    "arrived_s",
    "began_s",
    "ended_s",
    "received_s",
    "status_code",
    "error",
    "thread",
    "pid",
)


def _seconds(value: float | None) -> str:
    return "" if value is None else f"{value:.6f}"


def run_csv(export: RunExport) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in export.timeline:
        writer.writerow(
            (
                row["i"],
                _seconds(row["sent_s"]),
                _seconds(arrived_s(row)),
                _seconds(row["began_s"]),
                _seconds(row["ended_s"]),
                _seconds(row["received_s"]),
                "" if row["status_code"] is None else row["status_code"],
                row["error"] or "",
                row["thread"] or "",
                "" if row["pid"] is None else row["pid"],
            )
        )
    return out.getvalue().encode()
