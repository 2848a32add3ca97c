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


def row(i: int, error: str | None = None) -> RequestRow:
    return RequestRow(
        i=i,
        sent_s=i / 100,
        began_s=None,
        ended_s=None,
        received_s=i / 100 + 0.2,
        status_code=200,
        error=error,
        thread=None,
        pid=None,
        spans=[],
    )


async def test_rows_appended_while_running_survive_and_the_end_adds_the_rest(
    tmp_path: Path,
) -> None:
    path = tmp_path / "runs.sqlite3"
    store = RunStore(path)
    await store.open()
    run_id = await store.create_run(
        scenario="sleep", variant="async", request={}, lab={}, prediction=None
    )
    await store.append_rows(run_id, [row(0), row(1)])
    await store.append_pings(run_id, [BystanderRow(at_s=0.05, latency_ms=1.0, error=None)])
    # a second connection, like the next playground after a SIGKILL, sees them already
    other = RunStore(path)
    await other.open()
    assert [r["i"] for r in await other.timeline(run_id)] == [0, 1]
    assert len(await other.bystander(run_id)) == 1
    await other.close()

    assert await store.finish_run(
        run_id, status="cancelled", error="cancelled", summary=None, rows=[row(2, "cancelled")]
    )
    assert [r["i"] for r in await store.timeline(run_id)] == [0, 1, 2]
    record = await store.get_run(run_id)
    assert record is not None and record.status == "cancelled"
    await store.close()


async def test_a_run_ends_once(tmp_path: Path) -> None:
    store = RunStore(tmp_path / "runs.sqlite3")
    await store.open()
    run_id = await store.create_run(
        scenario="sleep", variant="async", request={}, lab={}, prediction=None
    )
    assert await store.finish_run(run_id, status="done", error=None, summary=None, rows=[row(0)])
    again = await store.finish_run(
        run_id, status="cancelled", error=None, summary=None, rows=[row(1)]
    )
    assert not again
    record = await store.get_run(run_id)
    assert record is not None and record.status == "done"
    assert [r["i"] for r in await store.timeline(run_id)] == [0]
    await store.close()


async def test_runs_left_running_keep_the_rows_they_stored(tmp_path: Path) -> None:
    store = RunStore(tmp_path / "runs.sqlite3")
    await store.open()
    run_id = await store.create_run(
        scenario="sleep", variant="async", request={}, lab={}, prediction=None
    )
    await store.append_rows(run_id, [row(0), row(1), row(2)])
    assert await store.mark_interrupted() == 1
    assert len(await store.timeline(run_id)) == 3
    await store.close()
