"""The lab supervisor: starts the lab in its own process on a free loopback port, checks its
health, restarts it when it dies, and stops it on exit.

The lab is its own process so that a blocking variant freezes the lab's event loop, as it
would in production, and never the playground's page, stream or harness.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
from time import perf_counter

import aiohttp

from playground.lab.contract import Contract, new_secret
from playground.lab.info import LabInfo
from playground.lanes import LaneCollector
from playground.ports import LOOPBACK, free_port
from playground.settings import LabSettings, Settings

log = logging.getLogger("playground.lab")

LAB_HOST = LOOPBACK


START_ATTEMPTS = 3


class LabUnavailable(RuntimeError):
    pass


class LabSupervisor:
    module = "playground.lab"
    """What `python -m` runs as the lab: the benchmarks run a variant of it."""

    def __init__(
        self,
        settings: LabSettings,
        *,
        start_timeout_s: float = Settings.lab_start_timeout_s,
        guarded: bool = True,
    ) -> None:
        self.settings = settings
        self.start_timeout_s = start_timeout_s
        self.guarded = guarded
        """With a secret made at each start, the lab answers only who has it; unguarded (for
        wrk and Locust in the benchmarks), it answers anyone on the machine."""
        self.base_url = ""
        self.headers: dict[str, str] = {}
        """What every request to the lab must carry: its secret."""
        self.info: LabInfo | None = None
        self.restarts = 0
        self._process: asyncio.subprocess.Process | None = None
        self._exited: asyncio.Future[str] | None = None
        self._watcher: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()
        self.lanes = LaneCollector()  # what the lab samples inside itself, across restarts

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def exited(self) -> asyncio.Future[str]:
        """Resolves with the reason when the current lab process exits."""
        if self._exited is None:
            raise LabUnavailable("the lab is not running")
        return self._exited

    async def start(self) -> None:
        async with self._lock:
            await self._start()

    async def stop(self) -> None:
        async with self._lock:
            await self._stop()
        self.lanes.close()

    async def restart(self, settings: LabSettings | None = None, *, grace_s: float = 5.0) -> None:
        """Stop the lab (SIGTERM, SIGKILL after `grace_s`) and start it again, trying up to
        `START_ATTEMPTS` times. It runs to its end even if the caller is cancelled: a restart
        cut in half would leave no lab at all."""
        restart = asyncio.create_task(self._restart(settings, grace_s), name="lab-restart")
        await asyncio.shield(restart)

    async def _restart(self, settings: LabSettings | None, grace_s: float) -> None:
        async with self._lock:
            await self._stop(grace_s)
            if settings is not None:
                self.settings = settings
            self.restarts += 1
            for attempt in range(1, START_ATTEMPTS + 1):
                try:
                    await self._start()
                    return
                except LabUnavailable as error:
                    if attempt == START_ATTEMPTS:
                        raise
                    log.warning("the lab did not start (%s); trying again", error)

    async def _start(self) -> None:
        port = free_port()
        secret = new_secret() if self.guarded else None
        contract = Contract(
            self.settings,
            secret=secret,
            parent_pid=os.getpid(),
            lanes=await self.lanes.open(),
        )
        self.headers = contract.headers
        env = contract.environ()
        self._process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            self.module,
            "--host",
            LAB_HOST,
            "--port",
            str(port),
            env=env,
            start_new_session=True,  # Ctrl-C reaches the playground, which stops the lab
        )
        self.base_url = f"http://{LAB_HOST}:{port}"
        self._exited = asyncio.get_running_loop().create_future()
        self._watcher = asyncio.create_task(self._watch(self._process, self._exited))
        try:
            self.info = await self._wait_healthy()
        except LabUnavailable:
            await self._stop()
            raise
        log.info("lab %s up at %s (pid %s)", self.settings, self.base_url, self._process.pid)

    async def _wait_healthy(self) -> LabInfo:
        deadline = perf_counter() + self.start_timeout_s
        async with aiohttp.ClientSession(self.base_url, headers=self.headers) as session:
            while perf_counter() < deadline:
                if self._exited is not None and self._exited.done():
                    raise LabUnavailable(f"the lab failed to start: {self._exited.result()}")
                with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                    async with session.get("/info", timeout=aiohttp.ClientTimeout(1)) as resp:
                        if resp.status == 200:
                            return LabInfo.from_json(await resp.json())
                await asyncio.sleep(0.1)
        raise LabUnavailable(f"the lab did not answer within {self.start_timeout_s:g} s")

    async def _watch(
        self, process: asyncio.subprocess.Process, exited: asyncio.Future[str]
    ) -> None:
        code = await process.wait()
        reason = f"the lab process exited with code {code}"
        if code < 0:
            reason = f"the lab process was killed by {signal.Signals(-code).name}"
        if not exited.done():
            exited.set_result(reason)
        if process is self._process and not self._lock.locked():
            log.warning("%s; restarting it", reason)
            self._watcher = None  # this task: the restart must not cancel it
            try:
                await self.restart()
            except LabUnavailable:
                log.exception("the lab could not be restarted")

    async def _stop(self, grace_s: float = 5.0) -> None:
        process, watcher = self._process, self._watcher
        self._process = self._watcher = None
        self.info = None
        if watcher is not None:
            watcher.cancel()
        if process is None or process.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            process.terminate()
        try:
            await asyncio.wait_for(process.wait(), grace_s)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()
        if self._exited is not None and not self._exited.done():
            self._exited.set_result("the lab was stopped")

    async def ping(self) -> bool:
        if not self.base_url:
            return False
        try:
            async with (
                aiohttp.ClientSession(self.base_url, headers=self.headers) as session,
                session.get("/info", timeout=aiohttp.ClientTimeout(2)) as resp,
            ):
                return resp.status == 200
        except (aiohttp.ClientError, TimeoutError):
            return False

    async def settles(self, within_s: float) -> bool:
        """After a run that was cut short: whether the lab answers and holds no requests any
        more within `within_s` (then it need not be restarted). Only a single worker can say:
        a request reaches one worker of several."""
        if not self.base_url or self.settings.workers > 1:
            return False
        deadline = perf_counter() + within_s
        async with aiohttp.ClientSession(self.base_url, headers=self.headers) as session:
            while (left := deadline - perf_counter()) > 0:
                try:
                    timeout = aiohttp.ClientTimeout(left)
                    async with session.get("/health", timeout=timeout) as resp:
                        if resp.status == 200 and (await resp.json())["in_flight"] == 0:
                            return True
                except (aiohttp.ClientError, TimeoutError):
                    return False
                await asyncio.sleep(0.05)
        return False

    async def check_helpers(self, timeout_s: float = 60.0) -> list[str]:
        """Before a run: the lab checks its helpers (the upstream, the process pool) and
        restarts a dead one; a lab that cannot is restarted. Returns what was repaired."""
        problem = "the lab is not running"
        if self.base_url:
            try:
                async with (
                    aiohttp.ClientSession(self.base_url, headers=self.headers) as session,
                    session.get("/health", timeout=aiohttp.ClientTimeout(timeout_s)) as resp,
                ):
                    if resp.status == 200:
                        repaired: list[str] = (await resp.json())["repaired"]
                        for note in repaired:
                            log.warning("lab helper repaired: %s", note)
                        return repaired
                    problem = f"its health check answered HTTP {resp.status}"
            except (aiohttp.ClientError, TimeoutError) as error:
                problem = f"its health check failed: {type(error).__name__}"
        log.warning("the lab's helpers are not well (%s); restarting the lab", problem)
        await self.restart()
        return [f"the lab was restarted: {problem}"]
