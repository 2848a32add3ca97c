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

from playground.lab.app import settings_to_env
from playground.lab.info import LabInfo
from playground.lab.sampler import LANES_ENV
from playground.lab.server import PARENT_PID_ENV
from playground.lanes import LaneCollector
from playground.ports import LOOPBACK, free_port
from playground.settings import LabSettings

log = logging.getLogger("playground.lab")

LAB_HOST = LOOPBACK


class LabUnavailable(RuntimeError):
    pass


class LabSupervisor:
    def __init__(self, settings: LabSettings, *, start_timeout_s: float = 30.0) -> None:
        self.settings = settings
        self.start_timeout_s = start_timeout_s
        self.base_url = ""
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

    async def restart(self, settings: LabSettings | None = None) -> None:
        async with self._lock:
            await self._stop()
            if settings is not None:
                self.settings = settings
            self.restarts += 1
            await self._start()

    async def _start(self) -> None:
        port = free_port()
        env = {**os.environ, **settings_to_env(self.settings), PARENT_PID_ENV: str(os.getpid())}
        env[LANES_ENV] = await self.lanes.open()
        self._process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "playground.lab",
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
        async with aiohttp.ClientSession(self.base_url) as session:
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

    async def _stop(self) -> None:
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
            await asyncio.wait_for(process.wait(), 5)
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
                aiohttp.ClientSession(self.base_url) as session,
                session.get("/info", timeout=aiohttp.ClientTimeout(2)) as resp,
            ):
                return resp.status == 200
        except (aiohttp.ClientError, TimeoutError):
            return False
