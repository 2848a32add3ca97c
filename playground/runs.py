"""Runs: one at a time on the lab, from the request to the stored result.

A run is created in the store and fired by a harness process of its own
(`harness_client.HarnessProcess`); what it measures lands in the run's `Run` as it arrives,
and in the store at least every `PERSIST_INTERVAL_S`, so a killed playground loses at most
that much. It ends exactly once, as its state machine (`playground.run`) decided: `done`,
`cancelled`, `failed` with the reason (the lab died, the harness crashed) or `interrupted`
(the playground stopped); whatever was measured is stored either way.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from typing import Any

from playground.harness import Limits, Target
from playground.harness_client import HarnessCrashed, HarnessProcess, unanswered
from playground.harness_process import Job
from playground.predict import predict
from playground.reading import loop_waited, read_run
from playground.run import Final, Run
from playground.scenarios import lab_path
from playground.schemas import BystanderRow, LaneSample, RequestRow, RunRequest, Summary
from playground.settings import LabSettings
from playground.stats import summarize
from playground.store import RunStore
from playground.supervisor import LabSupervisor, LabUnavailable

__all__ = [
    "Measured",
    "RunInProgress",
    "RunManager",
    "RunNotFound",
    "RunNotRunning",
    "SeriesInProgress",
    "summary_of",
]

log = logging.getLogger("playground.runs")

PERSIST_INTERVAL_S = 0.5
"""Rows and pings reach the store at least this often while a run goes."""
SETTLE_S = 1.0
"""After a run cut short, how long the lab may take to finish what it holds before it is
restarted to drop it (a blocked loop never settles; waits in threads do, within their delay)."""
DISCARD_GRACE_S = 1.0
"""A lab restarted to drop the requests it still holds gets this long to stop before it is
killed, so the next run can start within a few seconds."""
SHUTDOWN_TIMEOUT_S = 15.0
INTERRUPTED = "the playground stopped while this run was in flight"
CANCELLED = "cancelled by the user"
DEADLINE = "the run's deadline passed; requests still out were recorded as timed out"


class RunInProgress(RuntimeError):
    def __init__(self, run_id: int) -> None:
        super().__init__(
            f"run {run_id} is still going on the lab; wait for it to end or cancel it "
            "(runs that share the lab would spoil each other's measurements)"
        )
        self.run_id = run_id


class SeriesInProgress(RuntimeError):
    def __init__(self, series_id: int) -> None:
        super().__init__(
            f"series {series_id} is still running every variant on the lab; wait for it to end "
            "or cancel it (runs that share the lab would spoil each other's measurements)"
        )
        self.series_id = series_id


class RunNotFound(LookupError):
    def __init__(self, run_id: int) -> None:
        super().__init__(f"there is no run {run_id}")


class RunNotRunning(RuntimeError):
    def __init__(self, run_id: int, status: str) -> None:
        super().__init__(f"run {run_id} is not running (it is {status})")
        self.status = status


@dataclass(frozen=True)
class Measured:
    """A run's rows (by request index) and pings so far; `run` is set while it is live."""

    rows: list[RequestRow]
    pings: list[BystanderRow]
    lanes: dict[str, list[LaneSample]]
    run: Run | None


def summary_of(run: Run) -> Summary:
    """The run's numbers and verdict as they stand, judged with the share of the run the lab's
    event loop waited for a core: the same while it streams as once it has ended."""
    waited = loop_waited(run.rows, run.lanes)
    return summarize(run.rows, run.pings, run.prediction, run.outcome, waited)


class _Persister:
    """Appends a live run's new rows and pings to the store every `PERSIST_INTERVAL_S`."""

    def __init__(self, store: RunStore, run: Run) -> None:
        self.store = store
        self.run = run
        self.rows_saved = 0
        self.pings_saved = 0
        self._stop = asyncio.Event()
        self._task = asyncio.create_task(self._loop(), name=f"persist-{run.id}")

    async def _loop(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), PERSIST_INTERVAL_S)
            if self._stop.is_set():
                return  # what is left goes with the end of the run, in its transaction
            try:
                await self._flush()
            except Exception:  # the store is busy or broken: keep the rows, try again
                log.exception("could not store the rows of run %s so far", self.run.id)

    async def _flush(self) -> None:
        rows = self.run.rows[self.rows_saved :]
        await self.store.append_rows(self.run.id, rows)
        self.rows_saved += len(rows)
        pings = self.run.pings[self.pings_saved :]
        await self.store.append_pings(self.run.id, pings)
        self.pings_saved += len(pings)

    async def stop(self) -> tuple[list[RequestRow], list[BystanderRow]]:
        """Stop appending; returns the rows and pings not stored yet."""
        self._stop.set()
        await asyncio.shield(self._task)
        return self.run.rows[self.rows_saved :], self.run.pings[self.pings_saved :]


class RunManager:
    def __init__(
        self, store: RunStore, lab: LabSupervisor, *, request_timeout_s: float, deadline_s: float
    ) -> None:
        self.store = store
        self.lab = lab
        self.request_timeout_s = request_timeout_s
        self.deadline_s = deadline_s
        self.active: Run | None = None
        self._harness: HarnessProcess | None = None
        self._spare: HarnessProcess | None = None
        """A harness process started ahead of the next run, importing while nothing runs."""
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()
        self.series_id: int | None = None
        """A series (`playground.series`) holding the lab between its runs: only its runs start."""

    def live(self, run_id: int) -> Run | None:
        return self.active if self.active is not None and self.active.id == run_id else None

    def busy(self) -> bool:
        return self.series_id is not None or (self.active is not None and not self.active.ended)

    def _refuse_if_busy(self, series_id: int | None = None) -> None:
        if self.series_id is not None and self.series_id != series_id:
            raise SeriesInProgress(self.series_id)
        if self.active is not None and not self.active.ended:
            raise RunInProgress(self.active.id)

    async def hold(self, create_series: Callable[[], Awaitable[int]]) -> int:
        """Hold the lab for a series, whose id `create_series` makes once the lab is free; its
        runs start with `series_id`, everyone else's are refused until `release`."""
        async with self._lock:
            self._refuse_if_busy()
            self.series_id = await create_series()
            return self.series_id

    def release(self, series_id: int) -> None:
        if self.series_id == series_id:
            self.series_id = None

    async def measured(self, run_id: int) -> Measured:
        """This run's rows and pings so far: from memory while it is live, else the store."""
        run = self.live(run_id)
        if run is not None and not run.ended:
            rows = sorted(run.rows, key=lambda row: row["i"])
            return Measured(rows, list(run.pings), dict(run.lanes), run)
        store = self.store
        return Measured(
            await store.timeline(run_id),
            await store.bystander(run_id),
            await store.lanes(run_id),
            None,
        )

    def limits(self, request: RunRequest) -> Limits:
        return Limits(self.request_timeout_s, self.deadline_s + request.arrival.planned_s)

    async def start(self, request: RunRequest, *, series_id: int | None = None) -> Run:
        async with self._lock:
            self._refuse_if_busy(series_id)
            if self.lab.info is None:
                raise LabUnavailable("the lab is not running; it is being restarted")
            await self.lab.check_helpers()  # a dead upstream or process pool is restarted first
            if self.lab.info is None:
                raise LabUnavailable("the lab is not running; it is being restarted")
            prediction = predict(request, self.lab.info)
            run_id = await self.store.create_run(
                scenario=request.scenario,
                variant=request.variant,
                request=request.model_dump(mode="json"),
                lab={"settings": asdict(self.lab.settings), "info": self.lab.info.to_json()},
                prediction=asdict(prediction),
                series_id=series_id,
            )
            run = Run(run_id, request, prediction)
            target = Target(
                self.lab.base_url,
                lab_path(request.scenario, request.variant),
                request.full_params(),
                headers=self.lab.headers,
            )
            job = Job(target, request, self.limits(request))
            self.active = run
            self.lab.lanes.follow(run)
            self._task = asyncio.create_task(self._execute(run, job), name=f"run-{run_id}")
            return run

    async def reconfigure(self, settings: LabSettings) -> None:
        """Restart the lab with new settings, never under a run."""
        async with self._lock:
            self._refuse_if_busy()
            previous = self.lab.settings
            try:
                await self.lab.restart(settings)
            except LabUnavailable:
                await self.lab.restart(previous)
                raise

    async def cancel(self, run_id: int) -> str:
        """Stop a live run; answers at once, `cancelling`, from then on until it has ended as
        `cancelled`. Raises RunNotFound, or RunNotRunning with the status it ended with (or
        will: a run already winding down keeps the outcome it was given)."""
        run = self.live(run_id)
        if run is not None and not run.ended:
            self._stop(run, "cancelled", CANCELLED)
            if run.outcome == "cancelled":
                return "cancelling"
            raise RunNotRunning(run_id, str(run.outcome))
        record = await self.store.get_run(run_id)
        if record is None:
            raise RunNotFound(run_id)
        raise RunNotRunning(run_id, record.status)

    async def close(self) -> None:
        """On shutdown: a run in flight is stopped and stored as interrupted, with its rows."""
        run, task = self.active, self._task
        if run is not None and task is not None and not run.ended:
            self._stop(run, "interrupted", INTERRUPTED)
            try:
                await asyncio.wait_for(asyncio.shield(task), SHUTDOWN_TIMEOUT_S)
            except TimeoutError:
                log.error("run %s did not wind down within %g s", run.id, SHUTDOWN_TIMEOUT_S)
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        spare, self._spare = self._spare, None
        if spare is not None:
            await spare.discard()

    def _stop(self, run: Run, outcome: Final, error: str) -> None:
        """Decide how a running run ends and tell its harness to stop; no-op once decided."""
        if run.stopping:
            return
        run.move("cancelling", outcome=outcome, error=error)
        if self._harness is not None and self._harness.run is run:
            self._harness.cancel()

    async def _execute(self, run: Run, job: Job) -> None:
        persister = _Persister(self.store, run)
        restart_lab = True
        try:
            restart_lab = await self._fire(run, job)
        except asyncio.CancelledError:
            run.settle("interrupted", INTERRUPTED)
            raise
        except Exception as error:  # the run is stored as failed, with why
            log.exception("run %s failed", run.id)
            run.settle("failed", f"{type(error).__name__}: {error}")
        finally:
            if self._harness is not None:
                await self._harness.stop()
                self._harness = None
            await self._end(run, persister, restart_lab)

    async def _fire(self, run: Run, job: Job) -> bool:
        """Fire the run and settle how it ends; True if the lab must be restarted after it."""
        lab_exited = self.lab.exited()
        spare, self._spare = self._spare, None
        harness = spare if spare is not None and spare.idle else await HarnessProcess.spawn()
        self._harness = harness
        harness.fire(job, run)
        if run.stopping:  # cancelled while the harness was starting
            harness.cancel()
        ended = asyncio.create_task(harness.ended())
        waiting: set[asyncio.Future[Any]] = {ended, lab_exited}
        await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
        if not ended.done():
            reason = f"{lab_exited.result()} during the run; it was restarted"
            harness.cancel()
            await asyncio.wait({ended})
            run.settle("failed", reason)
            return False  # the supervisor restarts a lab that died by itself
        try:
            ending = ended.result()
        except HarnessCrashed as crash:
            run.rows.extend(unanswered(run, f"no answer recorded: {crash}"))
            run.settle("failed", str(crash))
            return True
        if ending == "completed":
            run.settle("done")
            return False
        if ending == "deadline":
            run.settle("done", DEADLINE)
            return True
        run.settle("failed", "the harness process was stopped from outside")
        return True

    async def _end(self, run: Run, persister: _Persister, restart_lab: bool) -> None:
        """Store the outcome; the run reads as ended only once the lab is ready for the next."""
        assert run.outcome is not None
        try:
            await self.lab.lanes.settle(run)  # before a restart: the old lab's last samples
            rows, pings = await persister.stop()
            summary = summary_of(run)
            summary["reading"] = read_run(
                run.rows, run.lanes, self.lab.info, summary, run.request.arrival
            )
            await self.store.finish_run(
                run.id,
                status=run.outcome,
                error=run.error,
                summary=summary,
                rows=rows,
                bystander=pings,
                lanes=run.lanes,
            )
            cut_short = restart_lab and run.outcome != "interrupted"
            if cut_short and not await self.lab.settles(within_s=SETTLE_S):
                # requests the lab still holds must not spill into the next run
                await self.lab.restart(grace_s=DISCARD_GRACE_S)
        except LabUnavailable as error:
            log.error("the lab did not come back after run %s: %s", run.id, error)
        finally:
            if run.outcome != "interrupted":
                await self.spawn_spare()
            run.move(run.outcome)

    async def spawn_spare(self) -> None:
        """Start a harness process ahead of the next run: its imports take about a second."""
        try:
            self._spare = await HarnessProcess.spawn()
        except OSError:
            log.exception("could not start a harness process ahead of the next run")
