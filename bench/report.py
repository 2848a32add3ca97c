"""The benchmark's table: rows of figures, each with what it is compared against, and the
machine it was measured on."""

from __future__ import annotations

import datetime
import os
import platform
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Row:
    section: str
    measure: str
    value: float | None
    unit: str
    compared: str = ""
    """What the value is checked against, measured in the same run (wrk, Locust, the ideal)."""
    ratio: float | None = None
    target: str = ""
    met: bool | None = None
    note: str = ""


Measure = tuple[str, str]
"""A row's section and measure: what identifies it in the table."""


def failed(measures: Sequence[Measure], error: BaseException) -> list[Row]:
    """Rows for measures a benchmark could not take, saying why, so the table stays whole."""
    reason = f"{type(error).__name__}: {error}"
    return [Row(*measure, None, "", note=f"not measured: {reason}") for measure in measures]


def number(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    digits = 0 if abs(value) >= 100 or unit in ("requests", "rows") else 1
    if unit in ("×", "") and abs(value) < 100:
        digits = 2
    text = f"{value:,.{digits}f}"
    return f"{text} {unit}".strip() if unit != "×" else f"{text}×"


def verdict(met: bool | None) -> str:
    return {True: "yes", False: "NO", None: ""}[met]


def _cells(row: Row) -> list[str]:
    return [
        row.section,
        row.measure,
        number(row.value, row.unit),
        row.compared,
        number(row.ratio, "×") if row.ratio is not None else "",
        row.target,
        verdict(row.met),
    ]


HEADERS = ["benchmark", "measure", "playground", "compared with", "ratio", "target", "met"]


def text_table(rows: Sequence[Row]) -> str:
    """The console table; a row's note follows it on a line of its own."""
    cells = [HEADERS, *(_cells(row) for row in rows)]
    widths = [max(len(line[column]) for line in cells) for column in range(len(HEADERS))]
    lines = []
    for n, line in enumerate(cells):
        lines.append("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)))
        if n == 0:
            lines.append("  ".join("-" * width for width in widths))
        elif rows[n - 1].note:
            lines.append(f"    ↳ {rows[n - 1].note}")
    return "\n".join(line.rstrip() for line in lines)


def markdown_table(rows: Sequence[Row]) -> str:
    lines = ["| " + " | ".join([*HEADERS, "notes"]) + " |", "|" + "---|" * (len(HEADERS) + 1)]
    for row in rows:
        cells = [*_cells(row), row.note]
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(lines)


@dataclass(frozen=True)
class Machine:
    date: str
    cores: int
    cpu: str
    python: str
    load_before: str
    load_after: str = ""

    def describe(self) -> str:
        load = f"load average {self.load_before}" + (
            f" before, {self.load_after} after" if self.load_after else ""
        )
        return (
            f"{self.date} · {self.cores} cores (nproc) · {self.cpu} · Python {self.python} · {load}"
        )


def load_average() -> str:
    return " ".join(f"{load:.2f}" for load in os.getloadavg())


def this_machine() -> Machine:
    cpu = platform.processor() or "unknown CPU"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return Machine(
        date=datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        cores=len(os.sched_getaffinity(0)),
        cpu=cpu,
        python=platform.python_version(),
        load_before=load_average(),
    )
