"""A progress bar on the terminal while a run goes: requests answered of the total when the
load knows it (burst, rate), else seconds elapsed of its duration (users, ramp).

Only when stderr is a terminal: in CI and pipes the output stays the table or the JSON.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from playground.run import Run

__all__ = ["REFRESH_S", "progress"]

REFRESH_S = 0.1


@asynccontextmanager
async def progress(run: Run, *, enabled: bool | None = None) -> AsyncIterator[None]:
    """Show `run`'s progress on stderr while the block runs (if stderr is a terminal)."""
    if enabled is None:
        enabled = sys.stderr.isatty()
    if not enabled:
        yield
        return
    # rich: a bar that redraws in place, with a rate and an estimate of the time left, and
    # that leaves nothing broken behind when the terminal is narrow or the run is cancelled.
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    arrival = run.request.arrival
    total = arrival.total
    counted = TextColumn("{task.fields[shown]}")
    bar = Progress(
        TextColumn(f"run {run.id}"),
        BarColumn(),
        MofNCompleteColumn() if total is not None else counted,
        TextColumn("{task.fields[errors]}"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=False,
    )

    async def follow() -> None:
        task = bar.add_task("run", total=total or arrival.planned_s, shown="", errors="")
        while True:
            errors = sum(1 for row in run.rows if row["error"] is not None)
            elapsed = min(run.elapsed_s(), arrival.planned_s)
            done = len(run.rows) if total is not None else elapsed
            shown = f"{elapsed:.1f} of {arrival.planned_s:g} s, {len(run.rows):,} answered"
            if run.ended:
                pass
            elif run.stopping:
                shown += ", storing the run"
            elif run.elapsed_s() > arrival.planned_s:
                shown += ", waiting for the last answers"
            bar.update(
                task,
                completed=done,
                shown=shown,
                errors=f"{errors:,} failed" if errors else "",
            )
            if run.ended:
                return
            await asyncio.sleep(REFRESH_S)

    with bar:
        follower = asyncio.create_task(follow())
        try:
            yield
        finally:
            if not run.ended:
                follower.cancel()
            await asyncio.gather(follower, return_exceptions=True)  # the last update, if ended
