"""Each request in four phases on one clock: sent → arrived → began → ended → received.

`arrived` is when the lab's app first saw the request (`playground/lab/phases.py`): the wait
before it is the wire and a blocked loop, the wait after it a threadpool token.
"""

from __future__ import annotations

import sqlite3
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from playground.schemas import RequestRow
from playground.store import RunStore
from tests.conftest import Playground, burst

RESOLUTION_S = 0.001


def cpu(variant: str, requests: int, work_ms: int = 50) -> dict[str, Any]:
    return {
        "scenario": "cpu",
        "variant": variant,
        "arrival": {"model": "burst", "requests": requests},
        "params": {"work_ms": work_ms},
    }


def answered(run: dict[str, Any]) -> list[dict[str, Any]]:
    assert run["status"] == "done", run["error"]
    assert run["summary"]["errors"] == 0
    return list(run["timeline"])


@pytest.mark.parametrize(
    "body",
    [
        burst("sync", 60, delay_ms=100),
        burst("async", 60, delay_ms=100),
        burst("async-blocking", 5, delay_ms=50),
        burst("async-offload", 60, delay_ms=100),
        cpu("async-offload-process", 4),
    ],
    ids=["sleep-sync", "sleep-async", "sleep-async-blocking", "sleep-offload", "cpu-process"],
)
def test_every_row_has_its_phases_in_order(playground: Playground, body: dict[str, Any]) -> None:
    rows = answered(playground.run(body))
    assert len(rows) == body["arrival"]["requests"]
    for row in rows:
        phases = [row[key] for key in ("sent_s", "arrived_s", "began_s", "ended_s", "received_s")]
        assert None not in phases, row
        for earlier, later in pairwise(phases):
            assert earlier <= later + RESOLUTION_S, row


def test_a_blocked_loop_reads_the_next_request_only_when_it_is_free(
    playground: Playground,
) -> None:
    rows = answered(playground.run(burst("async-blocking", 6, delay_ms=100)))
    rows.sort(key=lambda row: row["began_s"])
    for previous, row in pairwise(rows):
        # It waited outside the app: not even read while the one before it held the loop...
        assert row["arrived_s"] >= previous["ended_s"] - RESOLUTION_S, (previous, row)
        # ...and once the app saw it, nothing held it back.
        assert row["began_s"] - row["arrived_s"] < 0.05, row


def test_def_requests_beyond_the_threadpool_wait_inside_the_app_for_a_thread(
    playground: Playground,
) -> None:
    delay_s = 0.4
    rows = answered(playground.run(burst("sync", 100, delay_ms=round(delay_s * 1000))))
    # 40 threads: the other 60 are read at once but begin only when a thread is free.
    waited_inside = [row for row in rows if row["began_s"] - row["arrived_s"] >= delay_s / 2]
    assert len(waited_inside) >= 20, [row["began_s"] - row["arrived_s"] for row in rows]


OLD_REQUESTS_TABLE = """
CREATE TABLE requests (
    run_id INTEGER NOT NULL,
    i INTEGER NOT NULL,
    sent_s REAL NOT NULL,
    began_s REAL,
    ended_s REAL,
    received_s REAL,
    status_code INTEGER,
    error TEXT,
    thread TEXT,
    pid INTEGER,
    spans TEXT NOT NULL,
    PRIMARY KEY (run_id, i)
) WITHOUT ROWID;
INSERT INTO requests VALUES (7, 0, 0.0, 0.01, 0.2, 0.21, 200, NULL, 't', 1, '[]');
"""


async def test_a_database_from_before_arrival_stamps_gains_the_column(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as db:
        db.executescript(OLD_REQUESTS_TABLE)
    store = RunStore(path)
    await store.open()
    try:
        (old,) = await store.timeline(7)
        assert old["arrived_s"] is None and old["began_s"] == 0.01
        run_id = await store.create_run(
            scenario="sleep", variant="sync", request={}, lab={}, prediction=None
        )
        row = RequestRow(
            i=0,
            sent_s=0.0,
            arrived_s=0.002,
            began_s=0.01,
            ended_s=0.2,
            received_s=0.21,
            status_code=200,
            error=None,
            thread="t",
            pid=1,
            spans=[],
        )
        await store.finish_run(
            run_id, status="done", error=None, summary=None, rows=[row], bystander=[]
        )
        assert (await store.timeline(run_id))[0]["arrived_s"] == 0.002
    finally:
        await store.close()
