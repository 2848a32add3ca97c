"""The real page in Debian's Chromium: start a run, watch bars drawn live, read the summary.

Set PLAYGROUND_SCREENSHOT=docs/screenshot.png to keep a mid-run screenshot (the README's).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from bench.tools import CHROMIUM, CHROMIUM_ARGS
from tests.conftest import Playground, burst


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser, playground: Playground) -> Iterator[Page]:
    # wait_for_function evaluates its predicate with eval, which the page's CSP refuses;
    # tests/test_guard.py drives the page under its CSP.
    page = browser.new_page(viewport={"width": 1280, "height": 800}, bypass_csp=True)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    outside: list[str] = []
    page.on(
        "request",
        lambda request: (
            urlparse(request.url).hostname not in ("127.0.0.1", None)
            and not request.url.startswith("data:")
            and outside.append(request.url)
        ),
    )
    page.goto(playground.url)
    yield page
    page.close()
    assert errors == [], errors
    assert outside == [], f"the page reached outside the machine: {outside}"


def drawn_rows(page: Page) -> int:
    return int(page.get_attribute("[data-run-stream]", "data-drawn") or 0)


def test_a_run_draws_live_and_ends_with_the_summary(page: Page) -> None:
    page.check("input[name=variant][value=async-blocking]")
    expect(page.locator("#variant-panel")).to_contain_text("blocks the one event loop")
    page.fill("input[name=requests]", "15")
    page.fill("input[name='param.delay_ms']", "150")
    expect(page.locator(".prediction")).to_contain_text("2.25 s")  # 15 × 150 ms
    page.click("button.run-button")

    expect(page).to_have_url(re.compile(r"/runs/\d+$"))
    expect(page.locator(".progress")).to_be_visible()
    # Bars drawn while the run still goes: some rows, and not yet the summary.
    page.wait_for_function(
        "() => Number(document.querySelector('[data-run-stream]')?.dataset.drawn) >= 3"
    )
    assert page.locator(".status-line").count() == 0
    if target := os.environ.get("PLAYGROUND_SCREENSHOT"):
        page.wait_for_timeout(800)
        page.screenshot(path=target)

    expect(page.locator(".status-line")).to_contain_text("done", timeout=30_000)
    assert drawn_rows(page) == 15
    numbers = page.locator(".numbers")
    expect(numbers).to_contain_text("makespan")
    expect(numbers).to_contain_text("predicted 2.25 s")
    expect(page.locator(".numbers .big").nth(2)).to_contain_text("1")  # one in the handler at once
    expect(page.locator("#history")).to_contain_text("async-blocking")


def test_the_permalink_draws_the_same_run_again(page: Page, playground: Playground) -> None:
    run = playground.run(burst("sync", 60, delay_ms=100))
    page.goto(f"{playground.url}/runs/{run['id']}")
    expect(page.locator(".status-line")).to_contain_text("done")
    assert drawn_rows(page) == 60
    expect(page.locator("input[name=variant][value=sync]")).to_be_checked()
    expect(page.locator("input[name=requests]")).to_have_value("60")


def test_bad_input_and_a_busy_lab_are_explained_on_the_page(page: Page) -> None:
    page.fill("input[name=requests]", "10")
    page.fill("input[name=concurrency]", "50")
    page.click("button.run-button")
    expect(page.locator("#form-errors")).to_contain_text(
        "concurrency (50) cannot exceed requests (10)"
    )

    page.fill("input[name=concurrency]", "")
    page.check("input[name=variant][value=async-blocking]")
    page.fill("input[name='param.delay_ms']", "200")
    page.click("button.run-button")
    expect(page.locator(".progress")).to_be_visible()
    page.click("button.run-button")
    expect(page.locator("#form-errors")).to_contain_text("is still going on the lab")
    page.click("[data-cancel]")
    expect(page.locator(".status-line")).to_contain_text("cancelled", timeout=30_000)


def test_runs_compare_side_by_side_on_one_time_axis(page: Page, playground: Playground) -> None:
    fast = playground.run(burst("async", 40, delay_ms=100))
    slow = playground.run(burst("async-blocking", 8, delay_ms=100))
    page.goto(playground.url)
    page.check(f"input[name=runs][value='{fast['id']}']")
    page.check(f"input[name=runs][value='{slow['id']}']")
    page.click("button.compare-button")
    expect(page).to_have_url(re.compile(r"/compare\?runs=\d+&runs=\d+$"))
    expect(page.locator(".run h2").first).to_contain_text(f"Run {fast['id']}")  # oldest first
    timelines = page.locator("[data-run-stream]")
    expect(timelines).to_have_count(2)
    expect(page.locator(".status-line")).to_have_count(2)
    spans = {timelines.nth(i).get_attribute("data-span") for i in range(2)}
    assert len(spans) == 1 and float(spans.pop() or 0) >= slow["summary"]["makespan_s"]

    page.goto(f"{playground.url}/compare?runs={fast['id']}")
    expect(page.locator(".errors")).to_contain_text("tick 2 to 4 stored runs")
