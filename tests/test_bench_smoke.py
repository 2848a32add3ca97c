"""The benchmarks at tiny sizes, so `python -m bench` cannot rot: it installs wrk and Locust if
they are missing, drives a real lab, playground and Chromium, and prints every row."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from bench.sizes import SMOKE
from bench.suite import expected

ROOT = Path(__file__).parents[1]


def table_cells(output: str) -> dict[tuple[str, str], list[str]]:
    """The printed table's rows by (benchmark, measure), cut at the columns its rule marks."""
    lines = output.splitlines()
    rule = next(n for n, line in enumerate(lines) if re.fullmatch(r"-+( +-+)+", line))
    starts = [match.start() for match in re.finditer(r"-+", lines[rule])]
    cells = {}
    for line in lines[rule + 1 :]:
        if not line.strip() or line.startswith(" "):  # blank, or a row's note
            continue
        row = [line[a:b].strip() for a, b in zip(starts, [*starts[1:], None], strict=True)]
        cells[(row[0], row[1])] = row[2:]
    return cells


def test_smoke_run_prints_every_row_with_a_figure() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bench", "--smoke"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=420,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    cells = table_cells(result.stdout)
    rows = expected(SMOKE)
    assert len(rows) == 32  # 4 of them Locust's: one user count, def and async def, two measures
    assert {section for section, _ in rows} == {
        "1 fidelity",
        "2 throughput",
        "3 vs Locust",
        "4 stream & page",
        "5 cost",
        "6 isolation",
        "7 sampler",
        "8 predictions",
    }
    for row in rows:
        assert row in cells, f"no row {row} in:\n{result.stdout}"
        value = cells[row][0]
        # a difference measured side by side can come out below zero on a noisy machine
        assert re.match(r"-?[\d,.]+", value), f"{row} has no figure: {value!r}"
    assert "python -m bench --smoke" in result.stdout
    assert "cores (nproc)" in result.stdout
