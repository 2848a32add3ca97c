"""The command line, as real processes: `playground run` starts its own lab and fires through
the web app's run machinery into a real SQLite file; `playground runs` and `playground export`
read that file back; `playground lab` serves a lab with no secret; bad input exits 2 with one
line, before any lab starts."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import pty
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from playground.cli import main
from playground.lab.contract import SECRET_HEADER
from playground.ports import free_port
from tests.helpers import children

RUN_TIMEOUT_S = 300.0
"""Generous: a lab may take a minute to import and calibrate on two busy cores."""


@dataclass(frozen=True)
class Done:
    code: int
    stdout: str
    stderr: str


def playground(*args: str, cwd: Path | None = None) -> Done:
    process = subprocess.run(
        [sys.executable, "-m", "playground", *args],
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
        cwd=cwd,
        env={**os.environ, "COLUMNS": "80"},
    )
    return Done(process.returncode, process.stdout, process.stderr)


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cli") / "runs.sqlite3"


@pytest.fixture(scope="module")
def json_run(db: Path) -> Done:
    """20 requests of 50 ms with `--json`, one expectation that holds and one that cannot."""
    return playground(
        "run",
        "sleep",
        "async",
        "--requests",
        "20",
        "--param",
        "delay_ms=50",
        "--json",
        "--db",
        str(db),
        "--expect",
        "requests==20",
        "--expect",
        "makespan_s<0.000001",
    )


def test_run_with_json_prints_the_whole_run_with_every_request(json_run: Done) -> None:
    run = json.loads(json_run.stdout)
    assert run["format"] == "async-playground run"
    assert run["run"]["status"] == "done"
    assert (run["run"]["scenario"], run["run"]["variant"]) == ("sleep", "async")
    assert sorted(row["i"] for row in run["timeline"]) == list(range(20))
    assert all(row["status_code"] == 200 for row in run["timeline"])
    assert run["settings"]["params"] == {"delay_ms": 50}
    assert run["summary"]["requests"] == 20


def test_a_failed_expectation_exits_1_and_names_it_with_the_measured_value(
    json_run: Done,
) -> None:
    assert json_run.code == 1, json_run.stderr
    makespan = json.loads(json_run.stdout)["summary"]["makespan_s"]
    failed = [line for line in json_run.stderr.splitlines() if "failed" in line]
    assert failed == [
        f"playground run: expectation failed: makespan_s<0.000001 (measured {makespan:g})"
    ]
    assert "expectation held: requests==20 (measured 20)" in json_run.stderr


def test_no_progress_bar_when_stderr_is_not_a_terminal(json_run: Done) -> None:
    assert "\r" not in json_run.stderr
    assert "20/20" not in json_run.stderr


def test_the_run_is_stored_and_listed_by_playground_runs(json_run: Done, db: Path) -> None:
    run_id = json.loads(json_run.stdout)["run"]["id"]
    listed = playground("runs", "--db", str(db))
    assert listed.code == 0, listed.stderr
    rows = [line.split() for line in listed.stdout.splitlines() if f" {run_id} " in line]
    assert len(rows) == 1
    assert {"sleep", "async", "done"} <= set(rows[0])


def test_export_writes_the_stored_run_as_csv_and_json_the_same_as_run_printed(
    json_run: Done, db: Path, tmp_path: Path
) -> None:
    run_id = json.loads(json_run.stdout)["run"]["id"]
    exported = playground(
        "export", str(run_id), "--format", "csv", "-o", str(tmp_path / "x.csv"), "--db", str(db)
    )
    assert exported.code == 0, exported.stderr
    rows = list(csv.DictReader(io.StringIO((tmp_path / "x.csv").read_text())))
    assert sorted(int(row["i"]) for row in rows) == list(range(20))
    named = playground("export", str(run_id), "--format", "json", "--db", str(db), cwd=tmp_path)
    assert named.code == 0, named.stderr
    assert json.loads((tmp_path / f"run-{run_id}-sleep-async.json").read_text()) == json.loads(
        json_run.stdout
    )


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["run", "sleep", "nope"], "unknown variant 'nope' of scenario 'sleep'"),
        (["run", "nope", "async"], "unknown scenario 'nope'"),
        (["run", "sleep", "async", "--requests", "0"], "--requests: "),
        (["run", "sleep", "async", "--rate", "nan"], "--rate: Input should be a finite number"),
        (["run", "sleep", "async", "--users", "2", "--duration", "inf"], "a finite number"),
        (["run", "sleep", "async", "--requests", "many"], "--requests"),
        (["run", "sleep", "async", "--param", "nope=1"], "unknown parameter nope"),
        (["run", "sleep", "async", "--param", "delay_ms=soon"], "not a whole number"),
        (["run", "sleep", "async", "--param", "delay_ms=-1"], "delay_ms must be within"),
        (["run", "sleep", "async", "--expect", "bogus<1"], "unknown summary field 'bogus'"),
        (["run", "sleep", "async", "--expect", "makespan_s~1"], "not FIELD OP NUMBER"),
        (["run", "sleep", "async", "--requests", "5", "--rate", "2"], "different loads"),
        (["run", "sleep", "async", "--requests", "5", "--think", "1", "2"], "--think does not"),
        (["run", "sleep", "async", "--duration", "5"], "--duration goes with a load"),
        (["run", "sleep", "async", "--requests", "5", "--concurrency", "9"], "cannot exceed"),
        (["run", "sleep", "async", "--ramp", "9", "2", "--duration", "5"], "cannot exceed"),
        (["run", "sleep", "async", "--threadpool", "0"], "--threadpool: "),
        (["export", "1", "--format", "pdf"], "there is no export format 'pdf'"),
        (["runs", "--limit", "0"], "--limit must be within"),
        (["lab", "--port", "70000"], "--port must be within 1..65535"),
    ],
)
def test_bad_input_exits_2_with_one_line_and_starts_nothing(
    args: list[str], says: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The command's own `main`, in this process: a new interpreter per case would spend its
    seconds importing, not checking (the entry point itself is the next test's)."""
    db = tmp_path / "runs.sqlite3"
    before = children(os.getpid())
    done = in_process(capsys, *args, *(["--db", str(db)] if args[0] != "lab" else []))
    assert children(os.getpid()) == before
    assert done.code == 2
    assert len(done.stderr.splitlines()) == 1, done.stderr
    assert says in done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout == ""
    assert not db.exists()  # refused before the store, the lab or the harness


def in_process(capsys: pytest.CaptureFixture[str], *args: str) -> Done:
    """`playground ARGS` through the command's `main`, as the interpreter would end it."""
    capsys.readouterr()
    try:
        main(list(args))
        code: int | str | None = 0
    except SystemExit as exit:
        code = exit.code
    out, err = capsys.readouterr()
    if isinstance(code, str):  # sys.exit("message"): printed to stderr, exit status 1
        return Done(1, out, err + code + "\n")
    return Done(code or 0, out, err)


def test_bad_input_through_the_real_entry_point_exits_2_before_importing_the_app(
    tmp_path: Path,
) -> None:
    db = tmp_path / "runs.sqlite3"
    done = playground("run", "sleep", "async", "--requests", "0", "--db", str(db))
    assert (done.code, done.stdout, len(done.stderr.splitlines())) == (2, "", 1), done.stderr
    assert "--requests: " in done.stderr
    assert not db.exists()


class Terminal:
    """A pseudo-terminal for a child's stderr: `child_end` to hand over, `text()` once the
    child has exited: all it wrote there."""

    def __init__(self) -> None:
        self.ours, self.child_end = pty.openpty()
        self.written: list[bytes] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        while True:
            try:
                chunk = os.read(self.ours, 4096)
            except OSError:  # EIO: every writer has closed it
                return
            if not chunk:
                return
            self.written.append(chunk)

    def text(self) -> str:
        os.close(self.child_end)
        self.reader.join(30)
        return b"".join(self.written).decode(errors="replace")

    def close(self) -> None:
        os.close(self.ours)


@pytest.fixture
def terminal() -> Iterator[Terminal]:
    opened = Terminal()
    yield opened
    opened.close()


def test_ci_step_100_requests_within_5_s_exits_0_with_a_table_and_a_progress_bar(
    tmp_path: Path, terminal: Terminal
) -> None:
    process = subprocess.run(
        [
            sys.executable,
            "-m",
            "playground",
            "run",
            "sleep",
            "async",
            "--requests",
            "100",
            "--expect",
            "makespan_s<5",
            "--db",
            str(tmp_path / "runs.sqlite3"),
        ],
        stdout=subprocess.PIPE,
        stderr=terminal.child_end,
        text=True,
        timeout=RUN_TIMEOUT_S,
    )
    terminal_text = terminal.text()
    assert process.returncode == 0, terminal_text
    assert "expectation held: makespan_s<5" in terminal_text
    assert "100/100" in terminal_text  # the bar, drawn on the terminal only
    assert "100/100" not in process.stdout
    table = {
        line.split()[1]: line.split()[3] for line in process.stdout.splitlines() if "│" in line
    }
    assert table["requests"] == "100"
    assert table["completed"] == "100"
    assert float(table["makespan_s"]) < 5
    # Where the time went, read from the lab's lanes as the page reads it.
    reading = process.stdout.split("Where the time went:\n", 1)[1].splitlines()
    assert reading and reading[0].startswith("- "), process.stdout


def test_lab_serves_without_a_secret_until_interrupted() -> None:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "playground", "lab", "--port", str(port)],
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stderr is not None
        line = process.stderr.readline()  # once the lab answers /info
        assert f"serving http://127.0.0.1:{port} with no secret" in line
        response = httpx.get(f"http://127.0.0.1:{port}/s/sleep/async?delay_ms=1", timeout=30)
        assert response.status_code == 200
        assert response.json()["result"] == {"waited_ms": 1}
        assert SECRET_HEADER not in response.request.headers
        process.send_signal(signal.SIGINT)
        assert process.wait(60) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        assert process.stderr is not None
        process.stderr.close()
    with pytest.raises(httpx.TransportError):
        httpx.get(f"http://127.0.0.1:{port}/info", timeout=5)


@pytest.mark.parametrize(
    ("signum", "sigint"),
    [
        (signal.SIGINT, signal.SIG_DFL),
        (signal.SIGINT, signal.SIG_IGN),
        (signal.SIGTERM, signal.SIG_DFL),
    ],
    ids=["ctrl-c", "ctrl-c-in-a-background-job", "sigterm"],
)
def test_a_stopped_run_is_stored_interrupted_with_what_it_measured(
    tmp_path: Path, signum: signal.Signals, sigint: signal.Handlers
) -> None:
    db = tmp_path / "runs.sqlite3"
    command = ["run", "sleep", "async", "--users", "5", "--think", "0.1", "0.2"]
    process = subprocess.Popen(
        [sys.executable, "-m", "playground", *command, "--duration", "120", "--db", str(db)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, sigint),
    )
    try:
        deadline = time.monotonic() + RUN_TIMEOUT_S
        while stored_requests(db) == 0:  # the run is going, and its rows reach the store
            assert process.poll() is None, process.communicate()[1]
            assert time.monotonic() < deadline, "no request was stored"
            time.sleep(0.2)
        process.send_signal(signum)
        _, stderr = process.communicate(timeout=60)  # far sooner than the 120 s it was to take
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 130, stderr
    assert stderr.splitlines()[-1].startswith("playground run: interrupted")
    with contextlib.closing(sqlite3.connect(db)) as connection:
        ((status, error),) = connection.execute("SELECT status, error FROM runs").fetchall()
    assert status == "interrupted", error
    assert stored_requests(db) > 0


def stored_requests(db: Path) -> int:
    if not db.exists():
        return 0
    with contextlib.closing(sqlite3.connect(db, timeout=10)) as connection:
        try:
            return int(connection.execute("SELECT count(*) FROM requests").fetchone()[0])
        except sqlite3.OperationalError:  # the schema is not there yet
            return 0


def test_a_runs_locustfile_runs_distributed_against_playground_lab(tmp_path: Path) -> None:
    """The README's "Beyond one machine", on one machine: a master, two workers, the lab."""
    db = str(tmp_path / "runs.sqlite3")
    load = ["--users", "4", "--think", "0.05", "0.1", "--duration", "1", "--param", "delay_ms=20"]
    ran = playground("run", "sleep", "async", *load, "--json", "--db", db)
    assert ran.code == 0, ran.stderr
    run_id = json.loads(ran.stdout)["run"]["id"]
    exported = playground("export", str(run_id), "--format", "locust", "--db", db, cwd=tmp_path)
    assert exported.code == 0, exported.stderr
    locustfile = f"run-{run_id}-sleep-async.py"
    locust = str(Path(sys.executable).parent / "locust")
    port = free_port()
    with contextlib.ExitStack() as stack:
        lab = stack.enter_context(
            subprocess.Popen(
                [sys.executable, "-m", "playground", "lab", "--port", str(port)],
                stderr=subprocess.PIPE,
                text=True,
            )
        )
        stack.callback(lambda: lab.poll() is None and lab.send_signal(signal.SIGINT))
        assert lab.stderr is not None
        assert "serving" in lab.stderr.readline()
        workers = [
            stack.enter_context(
                subprocess.Popen(
                    [locust, "-f", locustfile, "--worker", "--master-host", "127.0.0.1"],
                    cwd=tmp_path,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
            for _ in range(2)
        ]
        master = subprocess.run(
            [
                locust,
                "-f",
                locustfile,
                "--master",
                "--headless",
                "--expect-workers",
                "2",
                "--host",
                f"http://127.0.0.1:{port}",
                "--users",
                "4",
                "--spawn-rate",
                "4",
                "--run-time",
                "3s",
                "--csv",
                "locust",
                "--loglevel",
                "WARNING",
            ],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=RUN_TIMEOUT_S,
        )
        assert master.returncode == 0, master.stderr
        for worker in workers:
            worker.wait(60)  # the master tells its workers to quit
        stats = list(csv.DictReader(io.StringIO((tmp_path / "locust_stats.csv").read_text())))
    aggregated = next(row for row in stats if row["Name"] == "Aggregated")
    assert int(aggregated["Request Count"]) > 0
    assert int(aggregated["Failure Count"]) == 0
