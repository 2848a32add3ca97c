"""Start-up fails fast and clearly: a playground that cannot use its database or its port
exits within seconds with one line saying why, starts no lab and writes nothing."""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from playground.lab.contract import Contract
from playground.ports import free_port
from playground.store import RunStore
from tests.conftest import Playground, burst

FAIL_WITHIN_S = 5.0
ROOT = Path(__file__).parents[1]


@dataclass(frozen=True)
class Failed:
    code: int
    stderr: str
    took_s: float
    labs_left: list[int]


def labs_of(pid: int) -> list[int]:
    """Processes started as the lab of the playground with this pid, still running."""
    ((name, value),) = Contract(parent_pid=pid).to_env().items() - Contract().to_env().items()
    marker = f"{name}={value}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                environ = (entry / "environ").read_bytes()
            except OSError:  # gone, or not ours to read
                continue
            if marker in environ.split(b"\0"):
                found.append(int(entry.name))
    return found


def start_failing(*args: str, prefix: tuple[str, ...] = ()) -> Failed:
    """`python -m playground ARGS` that is expected to give up; killed if it does not."""
    started = time.monotonic()
    process = subprocess.Popen(
        [*prefix, sys.executable, "-m", "playground", "--no-browser", *args],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _, stderr = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        labs = labs_of(process.pid)
        process.kill()
        _, stderr = process.communicate()
        pytest.fail(f"the playground was still alive after 30 s (labs {labs}); it said:\n{stderr}")
    return Failed(process.returncode, stderr, time.monotonic() - started, labs_of(process.pid))


def assert_gave_up_clearly(failed: Failed, line: str) -> None:
    assert failed.code != 0
    assert failed.stderr.splitlines() == [line], failed.stderr
    assert failed.took_s < FAIL_WITHIN_S
    assert failed.labs_left == []


def made_store(path: Path) -> bytes:
    """A real, empty run store at `path`; its bytes."""

    async def make() -> None:
        store = RunStore(path)
        await store.open()
        await store.close()

    asyncio.run(make())
    return path.read_bytes()


def test_a_garbage_database_file_is_refused_and_left_as_it_was(tmp_path: Path) -> None:
    db = tmp_path / "runs.sqlite3"
    garbage = os.urandom(8192)
    db.write_bytes(garbage)

    failed = start_failing("--port", str(free_port()), "--db", str(db))

    assert_gave_up_clearly(failed, f"playground: cannot use database {db}: file is not a database")
    assert db.read_bytes() == garbage


def test_a_database_of_another_shape_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "runs.sqlite3"
    with sqlite3.connect(db) as other:
        other.execute("CREATE TABLE runs (id INTEGER PRIMARY KEY, name TEXT)")
    other.close()
    before = db.read_bytes()

    failed = start_failing("--port", str(free_port()), "--db", str(db))

    assert failed.code != 0
    assert failed.stderr.startswith(f"playground: cannot use database {db}: ")
    assert "runs.created_at" in failed.stderr and "Traceback" not in failed.stderr
    assert db.read_bytes() == before


@pytest.fixture
def read_only_folder(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "read-only"
    folder.mkdir()
    yield folder
    folder.chmod(0o755)
    for path in folder.iterdir():
        path.chmod(0o644)


def test_a_read_only_database_is_refused_and_left_unwritten(read_only_folder: Path) -> None:
    # Tests run as root, which writes through any mode bits. The playground runs here as root
    # without CAP_DAC_OVERRIDE (setpriv drops it): to it, as to any user, a 0444 file in a
    # 0555 folder cannot be written.
    setpriv = shutil.which("setpriv")
    assert setpriv, "setpriv (util-linux) is needed to take root's write override away"
    db = read_only_folder / "runs.sqlite3"
    before = made_store(db)
    db.chmod(0o444)
    read_only_folder.chmod(0o555)
    prefix = (setpriv, "--bounding-set=-dac_override,-dac_read_search") if os.getuid() == 0 else ()

    failed = start_failing("--port", str(free_port()), "--db", str(db), prefix=prefix)

    assert_gave_up_clearly(
        failed, f"playground: cannot use database {db}: the file is read-only (permission denied)"
    )
    assert db.read_bytes() == before
    assert sorted(path.name for path in read_only_folder.iterdir()) == ["runs.sqlite3"]


def test_a_database_whose_folder_is_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not a folder")
    db = tmp_path / "notes.txt" / "runs.sqlite3"

    failed = start_failing("--port", str(free_port()), "--db", str(db))

    assert_gave_up_clearly(
        failed,
        f"playground: cannot use database {db}: {tmp_path / 'notes.txt'} is a file, not a folder",
    )


def test_a_second_playground_on_a_busy_port_leaves_the_first_ones_run_alone(
    fresh_playground: Callable[..., Playground],
) -> None:
    first = fresh_playground()
    run_id = first.start_run(burst("async", 20, delay_ms=4_000))
    port = first.url.rsplit(":", 1)[1]

    failed = start_failing("--port", port, "--db", str(first.db_path))

    assert_gave_up_clearly(failed, f"playground: port {port} on 127.0.0.1 is in use")
    assert first.client.get(f"/api/runs/{run_id}").json()["status"] == "running"
    run = first.wait(run_id)
    assert run["status"] == "done"
    assert run["summary"]["completed"] == 20
