"""A series: every variant of a scenario, one after another, with the same load and params.

The series holds the lab (`RunManager.hold`) so nobody else's run slips in between its runs,
then starts each run through `RunManager.start` once the one before has ended. Cancelling the
series cancels its current run and skips the rest; a run cancelled on its own, or one that
could not start, ends the series too. Its runs are stored with its id, so the comparison of
them can be opened again (`/compare?series=ID`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field

from playground.run import Run
from playground.runs import RunManager, RunNotRunning
from playground.schemas import RunRequest, SeriesRequest
from playground.store import RunStore, SeriesStatus

__all__ = ["Series", "SeriesNotFound", "SeriesNotRunning", "SeriesRunner"]

log = logging.getLogger("playground.series")

CANCELLED = "cancelled by the user"


class SeriesNotFound(LookupError):
    def __init__(self, series_id: int) -> None:
        super().__init__(f"there is no series {series_id}")


class SeriesNotRunning(RuntimeError):
    def __init__(self, series_id: int, status: str) -> None:
        super().__init__(f"series {series_id} is not running (it is {status})")
        self.status = status


@dataclass(eq=False)
class Series:
    """A series going now: its runs so far, the one running, and whether it was cancelled."""

    id: int
    requests: list[RunRequest]
    runs: list[Run] = field(default_factory=list)
    cancelled: bool = False
    status: SeriesStatus = "running"
    error: str | None = None
    ended: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def current(self) -> Run | None:
        run = self.runs[-1] if self.runs else None
        return run if run is not None and not run.ended else None


class SeriesRunner:
    """At most one series at a time, through the one-run-at-a-time `RunManager`."""

    def __init__(self, runs: RunManager, store: RunStore) -> None:
        self.runs = runs
        self.store = store
        self.active: Series | None = None
        self._task: asyncio.Task[None] | None = None

    def live(self, series_id: int) -> Series | None:
        series = self.active
        return series if series is not None and series.id == series_id else None

    async def start(self, body: SeriesRequest) -> Series:
        """Hold the lab and start the first run; refused (409) while a run or series goes."""
        requests = body.runs()

        async def create() -> int:
            return await self.store.create_series(
                scenario=body.scenario, variants=[request.variant for request in requests]
            )

        series_id = await self.runs.hold(create)
        series = Series(series_id, requests)
        try:
            series.runs.append(await self.runs.start(requests[0], series_id=series_id))
        except BaseException as error:
            await self._end(series, "failed", str(error))
            raise
        self.active = series
        self._task = asyncio.create_task(self._go(series), name=f"series-{series_id}")
        return series

    async def cancel(self, series_id: int) -> str:
        """Cancel the series' current run and skip the rest; answers `cancelling` at once."""
        series = self.live(series_id)
        if series is None or series.ended.is_set():
            record = await self.store.get_series(series_id)
            if record is None:
                raise SeriesNotFound(series_id)
            raise SeriesNotRunning(series_id, record.status)
        series.cancelled = True
        run = series.current
        if run is not None:
            with contextlib.suppress(RunNotRunning):  # it was ending anyway: the rest is skipped
                await self.runs.cancel(run.id)
        return "cancelling"

    async def close(self) -> None:
        """On shutdown: no further run starts; the one going is stopped by `RunManager.close`."""
        task = self._task
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _go(self, series: Series) -> None:
        status: SeriesStatus = "done"
        error: str | None = None
        try:
            for request in series.requests[1:]:
                last = series.runs[-1]
                await last.finished.wait()
                if series.cancelled or last.outcome in ("cancelled", "interrupted"):
                    status = "interrupted" if last.outcome == "interrupted" else "cancelled"
                    error = CANCELLED if status == "cancelled" else last.error
                    break
                run = await self.runs.start(request, series_id=series.id)
                series.runs.append(run)
                if series.cancelled:  # cancelled while this run was starting
                    with contextlib.suppress(RunNotRunning):
                        await self.runs.cancel(run.id)
            else:
                last = series.runs[-1]
                await last.finished.wait()
                if series.cancelled or last.outcome == "cancelled":
                    status, error = "cancelled", CANCELLED
                elif last.outcome == "interrupted":
                    status, error = "interrupted", last.error
        except asyncio.CancelledError:
            status, error = "interrupted", "the playground stopped while this series was going"
            raise
        except Exception as failure:  # the lab could not start the next run: say why
            log.exception("series %s stopped", series.id)
            status, error = "failed", str(failure)
        finally:
            await self._end(series, status, error)

    async def _end(self, series: Series, status: SeriesStatus, error: str | None) -> None:
        series.status, series.error = status, error
        try:
            await asyncio.shield(self.store.finish_series(series.id, status, error))
        finally:
            self.runs.release(series.id)
            series.ended.set()
