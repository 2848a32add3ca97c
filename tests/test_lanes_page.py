"""The lanes and the reading on the real page, in Debian's Chromium, under real finished runs
of a playground whose lab has a threadpool of 10: each lane under the timeline with a label
in words (the ceiling read from the lab), the reading beside the numbers, and a request's
four phases painted in four colours.

Set PLAYGROUND_SCREENSHOTS to a folder to keep a screenshot of each run at 1280 by 800.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from playground.lab.sampler import CPU_WINDOW_S, LAG_INTERVAL_S
from playground.reading import LAG_MAX_MS
from tests.conftest import Playground, burst, start_playground

THREADPOOL = 10
RESTART_TIMEOUT_S = 120.0

RECORD_FILLS = """
// Every rectangle the page paints, by the colour it was painted in.
window.fills = {};
const fillRect = CanvasRenderingContext2D.prototype.fillRect;
CanvasRenderingContext2D.prototype.fillRect = function (x, y, w, h) {
  if (w > 0 && h > 0) window.fills[this.fillStyle] = (window.fills[this.fillStyle] || 0) + 1;
  return fillRect.call(this, x, y, w, h);
};
"""

PHASE_COLOURS = """
() => {
  const style = getComputedStyle(document.documentElement);
  const probe = document.createElement("canvas").getContext("2d");
  const colour = (name) => {
    probe.fillStyle = style.getPropertyValue(name).trim();
    return probe.fillStyle;
  };
  return Object.fromEntries(["--c-connecting", "--c-queued", "--c-running", "--c-tail"]
    .map((name) => [name, colour(name)]));
}
"""

EVERY_LANE_DRAWN = """
() => {
  // The run's stream has ended, and every counter lane (loop lag, threadpool, ...) has painted
  // points: the bystander strip draws too, but it has no points to count.
  const timeline = document.querySelector(".timeline")?.timeline;
  if (!timeline || !timeline.model.finished) return false;
  const counters = timeline.lanes.filter((lane) => lane.series);
  return counters.length >= 3 && counters.every((lane) => lane.drawn.points > 0);
}
"""
DRAWN_TIMEOUT_MS = 120_000
"""Generous: the page reads a stored run on a machine the suite keeps busy."""


@pytest.fixture(scope="module")
def small_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Playground]:
    """A playground of this module's own, its lab's threadpool set to 10 through the API."""
    server = start_playground(tmp_path_factory.mktemp("lanes-page") / "runs.sqlite3")
    try:
        changed = server.client.put(
            "/api/lab/settings",
            json={**server.lab()["settings"], "threadpool": THREADPOOL},
            timeout=RESTART_TIMEOUT_S,
        )
        assert changed.status_code == 200, changed.text
        yield server
    finally:
        server.stop()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    page = browser.new_page(viewport={"width": 1280, "height": 800}, bypass_csp=True)
    page.add_init_script(RECORD_FILLS)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    page.close()
    assert errors == [], errors


def open_run(page: Page, server: Playground, body: dict[str, Any], name: str) -> dict[str, Any]:
    """Run `body` to its end, open its permalink, and wait for its lanes to be drawn."""
    run = server.run(body)
    assert run["status"] == "done", run["error"]
    page.goto(f"{server.url}/runs/{run['id']}")
    expect(page.locator(".status-line")).to_contain_text("done")
    page.wait_for_function(EVERY_LANE_DRAWN, timeout=DRAWN_TIMEOUT_MS)
    if folder := os.environ.get("PLAYGROUND_SCREENSHOTS"):
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.wait_for_timeout(300)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)
    return run


def test_lanes_sit_under_a_finished_run_labelled_in_words_with_the_labs_threadpool(
    page: Page, small_lab: Playground
) -> None:
    run = open_run(page, small_lab, burst("sync", 40, delay_ms=100), "sleep-sync")
    assert run["lab"]["settings"]["threadpool"] == THREADPOOL

    threadpool = page.locator(".lane[data-lane=threadpool_busy]")
    expect(threadpool).to_have_attribute(
        "data-label",
        f"threadpool tokens in use (of {THREADPOOL}): def endpoints, run_in_threadpool",
    )
    loop = page.locator(".lane[data-lane=loop_lag_ms]")
    timer_ms = round(LAG_INTERVAL_S * 1000)
    expect(loop).to_have_attribute(
        "data-label", f"event loop lag (ms): how late a {timer_ms} ms timer fires"
    )
    # Under the timeline and its bystander strip, on the same width, each painted.
    strip = page.locator(".bystander-canvas").bounding_box()
    lane_box = threadpool.bounding_box()
    assert strip is not None and lane_box is not None
    assert lane_box["y"] >= strip["y"] + strip["height"]
    assert abs(lane_box["width"] - strip["width"]) < 1
    drawn = page.evaluate(
        "() => document.querySelector('.timeline').timeline.lanes"
        ".filter((l) => l.series).map((l) => [l.series, l.drawn.points, l.drawn.ceiling])"
    )
    assert any(
        name == "threadpool_busy" and points > 0 and ceiling == THREADPOOL
        for name, points, ceiling in drawn
    ), drawn

    reading = page.locator(".summary .reading")
    expect(reading).to_contain_text(f"All {THREADPOOL} threadpool tokens were busy for")

    # A CPU reading is a share of the window that ended at it: drawn back over that window,
    # the loop's wait for a core as a band on top of it, one band point per CPU reading.
    lanes = page.evaluate(
        "() => Object.fromEntries(document.querySelector('.timeline').timeline.lanes"
        ".filter((l) => l.series).map((l) => [l.series, {window: l.windowS, "
        "stack: l.stack?.series ?? null, drawn: l.drawn}]))"
    )
    assert "cpu_wait_percent" not in lanes, lanes
    cpu = lanes["cpu_percent"]
    assert cpu["window"] == CPU_WINDOW_S and cpu["stack"] == "cpu_wait_percent", cpu
    assert cpu["drawn"]["stacked"] == len(run["lanes"]["cpu_wait_percent"]) > 0, cpu
    assert lanes["threadpool_busy"]["window"] is None and lanes["loop_lag_ms"]["window"] is None


def test_a_blocking_run_paints_four_phases_and_reads_as_a_blocked_loop(
    page: Page, small_lab: Playground
) -> None:
    # Stalls of twice the reading's mark: a lag timer fires up to its own interval less late
    # than a stall lasts, so stalls just at the mark read just under it (on a busy machine, with
    # idle moments between them lowering the median too, not flagged at all).
    stall_ms = round(2 * LAG_MAX_MS)
    open_run(
        page, small_lab, burst("async-blocking", 10, delay_ms=stall_ms), "sleep-async-blocking"
    )
    phases = page.evaluate(PHASE_COLOURS)
    assert len(set(phases.values())) == 4, phases  # four colours, told apart
    fills = page.evaluate("() => window.fills")
    unpainted = [name for name, colour in phases.items() if not fills.get(colour)]
    assert unpainted == [], (phases, fills)
    for phase in ("connecting", "queued", "running", "tail"):
        expect(page.locator(f".legend .swatch.{phase}")).to_be_visible()

    reading = page.locator(".summary .reading [data-reading=loop_lag_ms]")
    expect(reading).to_contain_text("The event loop was blocked for")
    expect(reading.locator("code")).to_have_text("async def")


def test_an_offloaded_cpu_run_shows_its_process_pool_lane(
    page: Page, small_lab: Playground
) -> None:
    processes = small_lab.lab()["info"]["processes"]
    body = {
        "scenario": "cpu",
        "variant": "async-offload-process",
        "arrival": {"model": "burst", "requests": 3 * processes},
        "params": {"work_ms": 200},
    }
    open_run(page, small_lab, body, "cpu-async-offload-process")
    lane = page.locator(".lane[data-lane=process_pool_busy]")
    expect(lane).to_have_attribute("data-label", f"process pool workers at work (of {processes})")
    expect(page.locator(".summary .reading")).to_contain_text(
        f"process pool worker{'s were' if processes > 1 else ' was'} busy for"
    )
