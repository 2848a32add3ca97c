"""The lab's settings: a smaller threadpool narrows `def`'s waves; no change mid-run."""

from __future__ import annotations

from collections.abc import Callable

from tests.conftest import Playground, burst, handler_intervals, max_overlap


def test_a_smaller_threadpool_narrows_the_waves(
    fresh_playground: Callable[..., Playground],
) -> None:
    server = fresh_playground()
    changed = server.client.put(
        "/api/lab/settings", json={"threadpool": 5, "workers": 1, "processes": 1}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["info"]["threadpool"] == 5

    run = server.run(burst("sync", 20, delay_ms=100))
    assert max_overlap(handler_intervals(run)) <= 5
    assert run["summary"]["makespan_s"] >= 4 * 0.1 * 0.95  # ceil(20 / 5) waves
    assert abs(run["prediction"]["makespan_s"] - 0.4) < 1e-9
    assert run["lab"]["settings"]["threadpool"] == 5  # stored with the run


def test_bad_settings_get_422_and_changes_wait_for_the_run(playground: Playground) -> None:
    response = playground.client.put("/api/lab/settings", json={"threadpool": 0, "workers": 9})
    assert response.status_code == 422
    text = str(response.json()["detail"])
    assert "greater than or equal to 1" in text and "less than or equal to 4" in text

    run_id = playground.start_run(burst("async-blocking", 20, delay_ms=200))
    busy = playground.client.put("/api/lab/settings", json={"threadpool": 40})
    assert busy.status_code == 409
    playground.client.post(f"/api/runs/{run_id}/cancel")
    assert playground.wait(run_id)["status"] == "cancelled"
