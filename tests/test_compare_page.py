"""The classroom's pages in Debian's Chromium: every variant run from one click into a
comparison that fits a 1920 x 1080 screen, the history's compare limit, and slow-motion replay.

Set PLAYGROUND_COMPARE_SCREENSHOT=path.png to keep the comparison's screenshot.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.conftest import Playground, burst, watch_errors

HELLO = {"scenario": "hello", "variant": "async", "arrival": {"model": "burst", "requests": 1}}


@pytest.fixture
def screen(browser: Browser, playground: Playground) -> Iterator[Page]:
    """A presenter's screen, 1920 x 1080, on the home page; no errors in its console."""
    page = browser.new_page(viewport={"width": 1920, "height": 1080}, bypass_csp=True)
    errors: list[str] = []
    watch_errors(page, errors)
    page.goto(playground.url)
    yield page
    page.close()
    assert errors == [], errors


EXTENTS_ARE_SPANS = """() => [...document.querySelectorAll('.compare-panel .timeline')]
  .every((t) => Math.abs(t.timeline.extent.seconds - Number(t.dataset.span)) < 1e-9)"""


def test_run_every_variant_opens_a_comparison_that_fits_the_screen(
    screen: Page, playground: Playground
) -> None:
    page = screen
    page.fill("input[name=requests]", "8")
    page.fill("input[name='param.delay_ms']", "200")
    page.click("button.run-every-button")  # the one click from the home page

    expect(page).to_have_url(re.compile(r"/compare\?series=\d+"))
    expect(page.locator(".series-progress")).to_contain_text("of 4")
    expect(page.locator(".compare[data-series-status=done]")).to_have_count(1, timeout=180_000)
    panels = page.locator(".compare-panel")
    expect(panels).to_have_count(4)
    expect(page.locator("[data-compare-row]")).to_have_count(4)
    expect(page.locator(".status-line")).to_have_count(4)
    table = page.locator(".compare-table")
    for heading in ("makespan", "predicted", "throughput", "most in handler", "p99", "bystander"):
        expect(table).to_contain_text(heading)
    expect(table).to_contain_text("async-blocking")
    # Where each run's time went, in a few words from its lanes: the blocked loop's own.
    blocking_row = page.locator("[data-compare-row]:has(code:text-is('async-blocking'))")
    expect(blocking_row.locator("[data-where]")).to_contain_text("event loop blocked")

    for n in range(4):
        box = panels.nth(n).bounding_box()
        assert box is not None
        assert box["x"] >= 0 and box["x"] + box["width"] <= 1920
        assert box["y"] >= 0 and box["y"] + box["height"] <= 1080, (n, box)
    if target := os.environ.get("PLAYGROUND_COMPARE_SCREENSHOT"):
        page.screenshot(path=target)

    timelines = page.locator(".compare-panel .timeline")
    shared = [timelines.nth(n).get_attribute("data-span") for n in range(4)]
    assert len(set(shared)) == 1
    page.check("input[data-axis][value=own]")
    own = [timelines.nth(n).get_attribute("data-span") for n in range(4)]
    assert own != shared
    blocking = page.locator(".compare-panel:has(code:text-is('async-blocking')) .timeline")
    spans = [float(span or 0) for span in own]
    assert float(blocking.get_attribute("data-span") or 0) == max(spans) > min(spans)
    page.wait_for_function(EXTENTS_ARE_SPANS)
    page.check("input[data-axis][value=shared]")
    assert [timelines.nth(n).get_attribute("data-span") for n in range(4)] == shared
    page.wait_for_function(EXTENTS_ARE_SPANS)

    # One latency scale for every bystander strip, as tall as the worst ping of any run.
    scales = page.evaluate(
        "() => [...document.querySelectorAll('.compare-panel .timeline')].map("
        "(t) => t.timeline.lanes.find((lane) => lane.name === 'bystander').drawn.ymax)"
    )
    assert len(scales) == 4 and len(set(scales)) == 1
    worst = float(page.get_attribute(".compare-grid", "data-bystander-max") or 0)
    assert scales[0] >= worst > 0


def test_ticking_more_than_four_runs_says_so_instead_of_dropping_one(
    screen: Page, playground: Playground
) -> None:
    while len(playground.client.get("/api/runs?limit=5").json()["runs"]) < 5:
        playground.run(HELLO)
    page = screen
    page.reload()
    boxes = page.locator("input[name=runs]")
    for n in range(5):
        boxes.nth(n).check()
    page.click("button.compare-button")
    expect(page.locator("[data-compare-message]")).to_have_text(
        "compare at most 4 runs; you ticked 5"
    )
    assert "/compare" not in page.url
    boxes.nth(4).uncheck()
    page.click("button.compare-button")
    expect(page).to_have_url(re.compile(r"/compare\?runs="))
    expect(page.locator(".compare-panel")).to_have_count(4)


DRAWN = "() => Number(document.querySelector('.timeline').dataset.drawn)"


def test_slow_motion_replay_grows_the_bars_as_they_did(
    screen: Page, playground: Playground
) -> None:
    run: dict[str, Any] = playground.run(burst("sync", 40, delay_ms=100, concurrency=10))
    total = run["summary"]["requests"]
    page = screen
    page.goto(f"{playground.url}/runs/{run['id']}")
    expect(page.locator(".status-line")).to_contain_text("done")
    page.wait_for_function(f"() => ({DRAWN})() === {total}")
    expect(page.locator("[data-replay]")).to_be_visible()

    page.click("[data-replay-speed='0.25']")
    # Mid-replay fewer rows are drawn than at the end; at the end all of them again.
    page.wait_for_function(f"() => {{ const d = ({DRAWN})(); return d > 0 && d < {total}; }}")
    page.wait_for_function(f"() => ({DRAWN})() === {total}", timeout=60_000)

    # The scrubber: at a moment mid-run, a row sent later is absent and one whose answer came
    # back later is in flight.
    rows = run["timeline"]
    moment = sorted(row["received_s"] for row in rows)[len(rows) // 2] - 0.001
    state = page.evaluate(
        """(ms) => {
          const scrub = document.querySelector('[data-replay-scrub]');
          scrub.value = String(ms);
          scrub.dispatchEvent(new Event('input', { bubbles: true }));
          const model = document.querySelector('.timeline').timeline.model;
          return { sent: model.rows.filter(Boolean).length, inFlight: model.inFlight.size,
                   back: model.finishedOrder.length };
        }""",
        round(moment * 1000),
    )
    at = round(moment * 1000) / 1000
    assert state["sent"] == sum(row["sent_s"] <= at for row in rows) < total
    assert state["back"] == sum(row["received_s"] <= at for row in rows)
    assert state["inFlight"] == sum(row["sent_s"] <= at < row["received_s"] for row in rows) > 0
