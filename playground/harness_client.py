"""The playground's side of a harness process: spawn it for a run, feed what it measured into
the run as it arrives, cancel it, and tell how it ended (or that it crashed, and why)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
from typing import Any, cast

from playground.harness import unanswered_row
from playground.harness_process import CANCEL, Ending, Job
from playground.run import Run
from playground.schemas import RequestRow

__all__ = ["HarnessCrashed", "HarnessProcess", "unanswered"]

LINE_LIMIT = 64 * 1024 * 1024
CANCEL_GRACE_S = 5.0
"""How long a cancelled harness may take to flush and exit before it is killed."""


class HarnessCrashed(RuntimeError):
    """The harness process ended without saying how the run ended."""


def _exit_reason(code: int) -> str:
    if code < 0:
        return f"the harness process was killed by {signal.Signals(-code).name}"
    return f"the harness process exited with code {code}"


def unanswered(run: Run, reason: str) -> list[RequestRow]:
    """Rows for the requests sent whose answer was never recorded (the harness crashed)."""
    answered = {row["i"] for row in run.rows}
    return [unanswered_row(i, sent_s, reason) for i, sent_s in run.sent if i not in answered]


class HarnessProcess:
    """One run's harness process: `spawn` it (ahead of time: it takes a second to import),
    `fire` a job, `cancel` it at any moment, await `ended`."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.run: Run | None = None
        self._reader: asyncio.Task[None] | None = None
        self._ending: Ending | None = None
        self._error: str | None = None
        self._cancelled = False

    @classmethod
    async def spawn(cls) -> HarnessProcess:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "playground.harness_process",
            "--parent-pid",
            str(os.getpid()),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            limit=LINE_LIMIT,
            start_new_session=True,  # Ctrl-C reaches the playground, which stops the harness
        )
        return cls(process)

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def idle(self) -> bool:
        """Alive and waiting for a job."""
        return self.run is None and self.process.returncode is None

    def fire(self, job: Job, run: Run) -> None:
        """Hand the job over; what it measures lands in `run` as it arrives."""
        assert self.idle and self.process.stdin is not None
        self.run = run
        self.process.stdin.write(job.to_line())
        self._reader = asyncio.create_task(self._read(run), name=f"harness-{run.id}")

    async def discard(self) -> None:
        """End a process that was never given a job."""
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            await asyncio.wait_for(self.process.wait(), CANCEL_GRACE_S)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                self.process.kill()
            await self.process.wait()

    def cancel(self) -> None:
        """Ask the harness to stop: it records the requests still out as cancelled, flushes
        and exits. Safe to call any number of times, at any moment."""
        if self._cancelled or self.run is None or self.process.returncode is not None:
            return
        self._cancelled = True
        try:
            assert self.process.stdin is not None
            self.process.stdin.write(CANCEL)
        except (ConnectionError, RuntimeError):
            with contextlib.suppress(ProcessLookupError):
                self.process.terminate()

    async def ended(self) -> Ending:
        """Wait for the harness to exit; how the run ended, or HarnessCrashed with why."""
        assert self._reader is not None
        await asyncio.shield(self._reader)
        code = await self.process.wait()
        if self._ending is not None:
            return self._ending
        reason = _exit_reason(code)
        raise HarnessCrashed(f"{reason}: {self._error}" if self._error else reason)

    async def stop(self) -> None:
        """Make sure the process is gone: cancel it, then kill it if it will not end."""
        if self._reader is None:
            await self.discard()
            return
        self.cancel()
        try:
            await asyncio.wait_for(asyncio.shield(self._reader), CANCEL_GRACE_S)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                self.process.kill()
        await self.process.wait()
        await self._reader

    async def _read(self, run: Run) -> None:
        assert self.process.stdout is not None
        async for line in self.process.stdout:
            try:
                message = json.loads(line)
            except ValueError:  # a line cut short by a crash: the crash is what we report
                continue
            self._apply(run, message)

    def _apply(self, run: Run, message: dict[str, Any]) -> None:
        if "t0" in message:
            run.started(message["t0"])
        run.sent.extend((i, sent_s) for i, sent_s in message.get("sent", ()))
        run.rows.extend(message.get("rows", ()))
        run.pings.extend(message.get("pings", ()))
        if "end" in message:
            self._ending = cast(Ending, message["end"])
        if "error" in message:
            self._error = str(message["error"])
