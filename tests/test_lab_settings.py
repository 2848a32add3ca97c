"""The lab's settings: a smaller threadpool narrows `def`'s waves, and every text that names it
says so; no change mid-run."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

from playground.scenarios import SCENARIOS, Scenario, Variant
from tests.conftest import Playground, burst, handler_intervals, max_overlap, without_measured


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
    assert "= 4 waves" in run["prediction"]["formula"]  # of the 5 threads, plus the loop's cost
    assert run["prediction"]["makespan_s"] >= 0.4
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


def texts_of_the_page(server: Playground, scenario: Scenario, variant: Variant) -> list[str]:
    """The explanation and the model line the page shows for a variant."""
    page = server.client.get(
        "/partials/variant", params={"scenario": scenario.id, "variant": variant.id}
    ).text
    explanation = re.search(r'<p class="explanation">(.*?)</p>', page, re.S)
    model = re.search(r"model: <code>(.*?)</code>", page, re.S)
    assert explanation and model, page
    return [html.unescape(re.sub(r"<[^>]+>", "", found.group(1))) for found in (explanation, model)]


def test_texts_follow_the_threadpool_the_lab_runs_with(
    fresh_playground: Callable[..., Playground],
) -> None:
    server = fresh_playground()
    changed = server.client.put(
        "/api/lab/settings", json={"threadpool": 10, "workers": 1, "processes": 1}
    )
    assert changed.status_code == 200, changed.text
    calibration = changed.json()["info"]["calibration"]

    api = {
        (scenario["id"], variant["id"]): [variant["explanation"], variant["model"]]
        for scenario in server.client.get("/api/scenarios").json()["scenarios"]
        for variant in scenario["variants"]
    }
    page = {
        (scenario.id, variant.id): texts_of_the_page(server, scenario, variant)
        for scenario in SCENARIOS.values()
        for variant in scenario.variants
    }
    for texts in (api, page):
        assert set(texts) == {(s.id, v.id) for s in SCENARIOS.values() for v in s.variants}
        everything = [
            without_measured(text, calibration) for pair in texts.values() for text in pair
        ]
        assert not [text for text in everything if re.search(r"\b40\b", text)]
        # A value measured at about 10 reads as the setting: stripping it would strip the
        # setting's own 10s with it (this failed on a clean clone), so it is kept here.
        not_ten = {name: v for name, v in calibration.items() if f"{v:.0f}" != "10"}
        with_ten = [without_measured(text, not_ten) for pair in texts.values() for text in pair]
        assert sum(bool(re.search(r"\b10\b", text)) for text in with_ten) >= 10
        assert "10 requests wait side by side" in texts[("sleep", "sync")][0]
        assert "threadpool = 10" in texts[("database", "sync")][1]
