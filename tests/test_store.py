"""The run store on a real SQLite file."""

from __future__ import annotations

from pathlib import Path

from playground.schemas import BystanderRow, RequestRow
from playground.store import RunStore


async def test_runs_round_trip_and_survive_reopening(tmp_path: Path) -> None:
    path = tmp_path / "runs.sqlite3"
    store = RunStore(path)
    await store.open()
    run_id = await store.create_run(
        scenario="sleep",
        variant="async",
        request={"scenario": "sleep"},
        lab={"settings": {"threadpool": 40}},
        prediction={"makespan_s": 0.2},
    )
    rows = [
        RequestRow(
            i=0,
            sent_s=0.0,
            arrived_s=0.005,
            began_s=0.01,
            ended_s=0.2,
            received_s=0.21,
            status_code=200,
            error=None,
            thread="MainThread #1",
            pid=1,
            spans=[{"name": "worker thread", "began": 0.02, "ended": 0.1, "thread": "x"}],
        )
    ]
    pings = [BystanderRow(at_s=0.0, latency_ms=0.5, error=None)]
    await store.finish_run(
        run_id, status="done", error=None, summary=None, rows=rows, bystander=pings
    )
    await store.close()

    reopened = RunStore(path)
    await reopened.open()
    record = await reopened.get_run(run_id)
    assert record is not None
    assert (record.status, record.scenario, record.prediction) == (
        "done",
        "sleep",
        {"makespan_s": 0.2},
    )
    assert await reopened.timeline(run_id) == rows
    assert await reopened.bystander(run_id) == pings
    assert [r.id for r in await reopened.list_runs()] == [run_id]
    await reopened.close()


async def test_runs_left_running_are_marked_interrupted(tmp_path: Path) -> None:
    store = RunStore(tmp_path / "runs.sqlite3")
    await store.open()
    left = await store.create_run(
        scenario="sleep", variant="sync", request={}, lab={}, prediction=None
    )
    assert await store.mark_interrupted() == 1
    record = await store.get_run(left)
    assert record is not None and record.status == "interrupted"
    assert await store.get_run(left + 1) is None
    await store.close()
