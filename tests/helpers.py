"""Helper processes started straight from a test, the way their parent starts them: a lab with
a secret of the test's own (`python -m playground.lab`), an upstream likewise, and what /proc
says about the processes a lab started."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from playground.lab.contract import Contract
from playground.ports import free_port
from playground.settings import LabSettings

SECRET = "a-secret-of-the-tests-own"


@dataclass
class Helper:
    url: str
    contract: Contract
    process: subprocess.Popen[bytes]

    def client(self, **headers: str) -> httpx.Client:
        """A client that sends the secret (unless `headers` say otherwise)."""
        return httpx.Client(
            base_url=self.url, headers={**self.contract.headers, **headers}, timeout=30
        )


@contextmanager
def started(module: str, contract: Contract, ready_path: str) -> Iterator[Helper]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", module, "--port", str(port)], env=contract.environ()
    )
    helper = Helper(f"http://127.0.0.1:{port}", contract, process)
    try:
        deadline = time.monotonic() + 60
        with helper.client() as client:
            while True:
                assert process.poll() is None, f"{module} exited with {process.returncode}"
                assert time.monotonic() < deadline, f"{module} did not answer within 60 s"
                try:
                    if client.get(ready_path).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                time.sleep(0.1)
        yield helper
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def lab(secret: str | None = SECRET, **settings: int) -> Iterator[Helper]:
    contract = Contract(LabSettings(**settings), secret=secret, parent_pid=os.getpid())
    with started("playground.lab", contract, "/info") as helper:
        yield helper


def upstream(secret: str | None = SECRET) -> Iterator[Helper]:
    contract = Contract(secret=secret, parent_pid=os.getpid())
    with started("playground.upstream", contract, "/weather") as helper:
        yield helper


def children(pid: int) -> dict[int, str]:
    """The live child processes of `pid`, with their command lines."""
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            cmdline = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found[int(stat.parent.name)] = cmdline
    return found
