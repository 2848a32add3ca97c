"""The history: runs deleted (never while they run), given a title and a note within bounds,
and listed a page at a time past the first 50."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from playground.store import RunStore
from tests.conftest import Playground, burst

HELLO = {"scenario": "hello", "variant": "async", "arrival": {"model": "burst", "requests": 1}}


def test_a_run_is_deleted_with_its_rows_but_never_while_it_runs(playground: Playground) -> None:
    done = playground.run(HELLO)["id"]
    going = playground.start_run(burst("async-blocking", 30, delay_ms=200))
    try:
        refused = playground.client.delete(f"/api/runs/{going}")
        assert refused.status_code == 409
        assert f"run {going} is still going" in refused.json()["detail"]
    finally:
        playground.client.post(f"/api/runs/{going}/cancel")
        playground.wait(going)

    deleted = playground.client.delete(f"/api/runs/{done}")
    assert deleted.status_code == 204
    assert playground.client.get(f"/api/runs/{done}").status_code == 404
    assert done not in [run["id"] for run in playground.client.get("/api/runs").json()["runs"]]
    assert playground.client.delete(f"/api/runs/{done}").status_code == 404
    assert playground.client.delete(f"/api/runs/{going}").status_code == 204


def test_a_title_and_a_note_are_kept_within_bounds_and_shown(playground: Playground) -> None:
    run_id = playground.run(HELLO)["id"]
    labelled = playground.client.patch(
        f"/api/runs/{run_id}", json={"title": "  the pitfall  ", "note": "for Tuesday's class"}
    )
    assert labelled.status_code == 200, labelled.text
    assert (labelled.json()["title"], labelled.json()["note"]) == (
        "the pitfall",
        "for Tuesday's class",
    )
    # A field left out stays; an empty one is cleared.
    assert playground.client.patch(f"/api/runs/{run_id}", json={"note": ""}).json()["note"] is None
    assert playground.client.get(f"/api/runs/{run_id}").json()["title"] == "the pitfall"
    assert "the pitfall" in playground.client.get("/partials/history").text
    assert "the pitfall" in playground.client.get(f"/runs/{run_id}").text

    too_long = playground.client.patch(f"/api/runs/{run_id}", json={"title": "x" * 121})
    assert too_long.status_code == 422
    assert "at most 120 characters" in str(too_long.json()["detail"])
    long_note = playground.client.patch(f"/api/runs/{run_id}", json={"note": "x" * 2_001})
    assert long_note.status_code == 422
    assert "at most 2000 characters" in str(long_note.json()["detail"])
    assert playground.client.patch(f"/api/runs/{run_id}", json={"colour": "red"}).status_code == 422
    assert playground.client.patch("/api/runs/999999", json={"title": "x"}).status_code == 404
    # The page's inline form says the same in words.
    page = playground.client.post(f"/runs/{run_id}/labels", data={"title": "y" * 121})
    assert page.status_code == 422
    assert "at most 120 characters" in page.text


async def store_runs(path: Path, count: int) -> list[int]:
    store = RunStore(path)
    await store.open()
    ids = []
    for n in range(count):
        run_id = await store.create_run(
            scenario="hello",
            variant="async",
            request={"scenario": "hello", "variant": "async", "arrival": {"model": "burst"}},
            lab={"settings": {"threadpool": 40, "workers": 1}, "info": {}},
            prediction=None,
        )
        await store.finish_run(run_id, status="done", error=f"run {n}", summary=None)
        ids.append(run_id)
    await store.close()
    return ids


def test_the_history_pages_past_fifty_runs(
    fresh_playground: Callable[..., Playground], tmp_path: Path
) -> None:
    db = tmp_path / "many.sqlite3"
    ids = asyncio.run(store_runs(db, 120))
    playground = fresh_playground(db_path=db)
    newest_first = ids[::-1]

    first = playground.client.get("/api/runs").json()
    assert [run["id"] for run in first["runs"]] == newest_first[:50]
    second = playground.client.get(f"/api/runs?before={first['next_before']}").json()
    assert [run["id"] for run in second["runs"]] == newest_first[50:100]
    third = playground.client.get(f"/api/runs?before={second['next_before']}").json()
    assert [run["id"] for run in third["runs"]] == newest_first[100:]
    assert third["next_before"] is None
    small = playground.client.get("/api/runs?limit=7&before=10").json()
    assert [run["id"] for run in small["runs"]] == list(range(9, 2, -1))

    page = playground.client.get("/partials/history").text
    assert page.count('name="runs"') == 50
    assert f"/partials/history?before={first['next_before']}" in page
    older = playground.client.get(f"/partials/history?before={first['next_before']}").text
    assert older.count('name="runs"') == 50 and f'value="{newest_first[50]}"' in older
    last = playground.client.get(f"/partials/history?before={second['next_before']}").text
    assert last.count('name="runs"') == 20 and "older runs" not in last
    assert playground.client.get("/api/runs?before=0").status_code == 422


def test_comparing_more_than_four_runs_is_refused_with_a_message(playground: Playground) -> None:
    page = playground.client.get("/compare?runs=1&runs=2&runs=3&runs=4&runs=5")
    assert page.status_code == 422
    assert "compare at most 4 runs; you ticked 5" in page.text
