"""Runs: one at a time on the lab, from the request to the stored result.

A run is created in the store, fired by the harness, and followed live through a `LiveRun`
that the event stream reads. It ends `done`, `cancelled`, or `failed` with the reason (the
lab died, the harness broke); whatever was measured is stored either way.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import asdict, dataclass, field
from time import perf_counter
from typing import Any

from playground.harness import Limits, Recording, Target, fire
from playground.predict import Prediction, predict
from playground.schemas import LaneSample, RunRequest
from playground.settings import LabSettings
from playground.stats import summarize
from playground.store import RunStore, Status
from playground.supervisor import LabSupervisor, LabUnavailable

log = logging.getLogger("playground.runs")


class RunInProgress(RuntimeError):
    def __init__(self, run_id: int) -> None:
        super().__init__(
            f"run {run_id} is still going on the lab; wait for it to end or cancel it "
            "(runs that share the lab would spoil each other's measurements)"
        )
        self.run_id = run_id


@dataclass
class LiveRun(Recording):
    """What a run in flight has measured so far; the event stream reads it as it grows."""

    id: int
    request: RunRequest
    prediction: Prediction | None
    finished: asyncio.Event = field(default_factory=asyncio.Event)
    status: Status = "running"
    error: str | None = None
    task: asyncio.Task[None] | None = None
    started: float = field(default_factory=perf_counter)
    lanes: dict[str, list[LaneSample]] = field(default_factory=dict)  # filled by lab.lanes


class RunManager:
    def __init__(
        self, store: RunStore, lab: LabSupervisor, *, request_timeout_s: float, deadline_s: float
    ) -> None:
        self.store = store
        self.lab = lab
        self.request_timeout_s = request_timeout_s
        self.deadline_s = deadline_s
        self.active: LiveRun | None = None
        self._lock = asyncio.Lock()

    def live(self, run_id: int) -> LiveRun | None:
        return self.active if self.active is not None and self.active.id == run_id else None

    def busy(self) -> bool:
        return self.active is not None and not self.active.finished.is_set()

    def limits(self, request: RunRequest) -> Limits:
        duration = getattr(request.arrival, "duration_s", 0.0)
        return Limits(self.request_timeout_s, self.deadline_s + duration)

    async def start(self, request: RunRequest) -> LiveRun:
        async with self._lock:
            if self.active is not None and not self.active.finished.is_set():
                raise RunInProgress(self.active.id)
            if self.lab.info is None:
                raise LabUnavailable("the lab is not running; it is being restarted")
            prediction = predict(request, self.lab.info)
            run_id = await self.store.create_run(
                scenario=request.scenario,
                variant=request.variant,
                request=request.model_dump(mode="json"),
                lab={"settings": asdict(self.lab.settings), "info": self.lab.info.to_json()},
                prediction=asdict(prediction),
            )
            live = LiveRun(run_id, request, prediction)
            self.lab.lanes.follow(live)
            live.task = asyncio.create_task(self._execute(live), name=f"run-{run_id}")
            self.active = live
            return live

    async def reconfigure(self, settings: LabSettings) -> None:
        """Restart the lab with new settings, never under a run."""
        async with self._lock:
            if self.active is not None and not self.active.finished.is_set():
                raise RunInProgress(self.active.id)
            previous = self.lab.settings
            try:
                await self.lab.restart(settings)
            except LabUnavailable:
                await self.lab.restart(previous)
                raise

    async def cancel(self, run_id: int) -> bool:
        live = self.live(run_id)
        if live is None or live.finished.is_set() or live.task is None:
            return False
        live.status = "cancelled"
        live.error = "cancelled by the user"
        live.task.cancel()
        await live.finished.wait()
        return True

    async def close(self) -> None:
        """On shutdown: a run in flight is stopped and stored as interrupted."""
        live = self.active
        if live is not None and live.task is not None and not live.finished.is_set():
            live.status = "interrupted"
            live.error = "the playground stopped while this run was in flight"
            live.task.cancel()
            await live.finished.wait()

    async def _execute(self, live: LiveRun) -> None:
        request = live.request
        target = Target(
            self.lab.base_url, f"/s/{request.scenario}/{request.variant}", request.full_params()
        )
        lab_exited = self.lab.exited()
        harness = asyncio.create_task(fire(target, request.arrival, self.limits(request), live))
        restart_lab = False
        try:
            waiting: set[asyncio.Future[Any]] = {harness, lab_exited}
            await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
            if harness.done():
                if not harness.result():
                    live.error = (
                        "the run's deadline passed; requests still out were recorded as timed out"
                    )
                    restart_lab = True
                live.status = "done"
            else:
                harness.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await harness
                live.status = "failed"
                live.error = f"{lab_exited.result()} during the run; it was restarted"
        except asyncio.CancelledError:
            harness.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await harness
            if live.status == "running":
                live.status, live.error = "cancelled", "cancelled"
            restart_lab = True  # requests the lab still holds must not spill into the next run
            raise
        except Exception as error:  # the run is stored as failed, with why
            log.exception("run %s failed", live.id)
            live.status, live.error = "failed", f"{type(error).__name__}: {error}"
            restart_lab = True
        finally:
            await self._finish(live, restart_lab)

    async def _finish(self, live: LiveRun, restart_lab: bool) -> None:
        """Store the outcome; a run reads as finished only once the lab is ready for the next."""
        try:
            await self.lab.lanes.settle(live)  # before a restart: the old lab's last samples
            if restart_lab and live.status != "interrupted":
                try:
                    await self.lab.restart()
                except LabUnavailable as error:
                    log.error("the lab did not come back after run %s: %s", live.id, error)
            summary = summarize(live.rows, live.pings, live.prediction)
            await self.store.finish_run(
                live.id,
                status=live.status,
                error=live.error,
                summary=summary,
                rows=sorted(live.rows, key=lambda row: row["i"]),
                bystander=live.pings,
                lanes=live.lanes,
            )
        finally:
            live.finished.set()
