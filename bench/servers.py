"""The parts a benchmark drives: a lab started the way the playground starts it, the whole
playground as a process, and what /proc says about a process."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from time import perf_counter
from typing import Any

import aiohttp

from playground.harness import Target
from playground.ports import free_port
from playground.scenarios import SCENARIOS
from playground.settings import LabSettings
from playground.supervisor import LabSupervisor

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@contextlib.asynccontextmanager
async def lab(settings: LabSettings | None = None) -> AsyncIterator[LabSupervisor]:
    """A fresh lab process, as the playground supervises it (default settings: 40 threads)."""
    supervisor = LabSupervisor(settings or LabSettings(), guarded=False)  # wrk and Locust call it
    await supervisor.start()
    try:
        yield supervisor
    finally:
        await supervisor.stop()


def trivial_target(base_url: str) -> Target:
    """The lab's cheapest endpoint: `hello`'s async variant, which returns a small JSON."""
    return Target(base_url, "/s/hello/async", SCENARIOS["hello"].default_params())


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time a process has used so far."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def threads_cpu_seconds(pid: int) -> float:
    """CPU time the live threads of a process have used so far, to the nanosecond (each
    thread's schedstat), where `cpu_seconds` counts in clock ticks of 10 ms. A thread that has
    ended no longer counts: only for spans in which the process ends none."""
    total_ns = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(FileNotFoundError, ProcessLookupError):
            total_ns += int((task / "schedstat").read_text().split()[0])
    return total_ns / 1e9


def pin_threads(pid: int, cores: set[int]) -> None:
    """Every thread of `pid` (and the threads they start from now on) onto `cores`."""
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(ProcessLookupError):
            os.sched_setaffinity(int(task.name), cores)


def memory_kib(pid: int) -> dict[str, int]:
    """VmRSS (now) and VmHWM (the peak since the process started), in KiB."""
    found = {}
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            name, _, value = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                found[name] = int(value.split()[0])
    return found


@dataclass
class Playground:
    url: str
    pid: int
    started_s: float
    """Seconds from launching `python -m playground` to its lab answering."""
    http_s: float
    """Seconds from launching to the playground's own first HTTP answer."""
    session: aiohttp.ClientSession

    async def get(self, path: str) -> Any:
        async with self.session.get(self.url + path) as response:
            response.raise_for_status()
            return await response.json()

    async def start_run(self, body: dict[str, Any]) -> int:
        async with self.session.post(self.url + "/api/runs", json=body) as response:
            if response.status != 201:
                raise RuntimeError(f"POST /api/runs: {response.status} {await response.text()}")
            return int((await response.json())["id"])

    async def wait(self, run_id: int, timeout_s: float = 300.0) -> dict[str, Any]:
        deadline = perf_counter() + timeout_s
        while perf_counter() < deadline:
            run: dict[str, Any] = await self.get(f"/api/runs/{run_id}")
            if run["status"] != "running":
                return run
            await asyncio.sleep(0.2)
        raise TimeoutError(f"run {run_id} still running after {timeout_s:g} s")


@contextlib.asynccontextmanager
async def playground(timeout_s: float = 60.0) -> AsyncIterator[Playground]:
    """`python -m playground` on a free port with a database of its own; stopped with Ctrl-C."""
    with (
        tempfile.TemporaryDirectory(prefix="bench-") as folder,
        tempfile.TemporaryFile(dir=folder) as log,
    ):
        port = free_port()
        url = f"http://127.0.0.1:{port}"

        def failed(reason: str) -> RuntimeError:
            log.seek(0)
            return RuntimeError(f"{reason}; it said: {log.read().decode(errors='replace')[-800:]}")

        launched = perf_counter()
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "playground",
            "--port",
            str(port),
            "--db",
            str(Path(folder) / "runs.sqlite3"),
            "--no-browser",
            stdout=log,
            stderr=log,
        )
        try:
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(30)) as session:
                http_s = None
                while True:
                    if perf_counter() - launched > timeout_s:
                        raise failed(f"the playground did not start in {timeout_s:g} s")
                    if process.returncode is not None:
                        raise failed(f"the playground exited with {process.returncode}")
                    # Connections made while it starts wait in its socket's backlog.
                    with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                        async with session.get(url + "/api/lab") as response:
                            http_s = http_s or perf_counter() - launched
                            if (await response.json())["info"] is not None:
                                break
                    await asyncio.sleep(0.02)
                started = perf_counter() - launched
                yield Playground(url, process.pid, started, http_s or started, session)
        finally:
            if process.returncode is None:
                process.send_signal(signal.SIGINT)
                try:
                    await asyncio.wait_for(process.wait(), 15)
                except TimeoutError:
                    process.kill()
                    await process.wait()
