"""The real page in Debian's Chromium: start a run, watch bars drawn live, read the summary;
the timeline's modules (static/js/) fed real runs and synthetic frames.

Set PLAYGROUND_SCREENSHOT=docs/screenshot.png to keep a mid-run screenshot (the README's).
"""

from __future__ import annotations

import os
import re
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.conftest import Playground, burst, watch_errors


@pytest.fixture
def page(browser: Browser, playground: Playground) -> Iterator[Page]:
    # wait_for_function evaluates its predicate with eval, which the page's CSP refuses;
    # tests/test_guard.py drives the page under its CSP.
    page = browser.new_page(viewport={"width": 1280, "height": 800}, bypass_csp=True)
    errors: list[str] = []
    watch_errors(page, errors)
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
    # 15 × 150 ms, and the loop's calibrated cost of reading each request
    expect(page.locator(".prediction")).to_contain_text("15 waves × 150 ms")
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
    expect(numbers).to_contain_text(re.compile(r"predicted 2\.(2[5-9]|[3-4]\d) s"))
    expect(page.locator(".numbers .big").nth(2)).to_contain_text("1")  # one in the handler at once
    expect(page.locator("#history")).to_contain_text("async-blocking")


COUNT_FRAMES = """(ms) => new Promise((done) => {
  const root = document.querySelector('[data-run-stream]');
  let frames = 0;
  const watch = new MutationObserver((records) => { frames += records.length; });
  watch.observe(root, { attributes: true, attributeFilter: ['data-draw-ms'] });
  const began = performance.now();
  setTimeout(() => {
    watch.disconnect();
    done({ frames, seconds: (performance.now() - began) / 1000 });
  }, ms);
})"""


def test_a_live_run_is_painted_about_thirty_times_a_second_not_at_every_frame(
    page: Page, playground: Playground
) -> None:
    run_id = playground.start_run(burst("async", 10, delay_ms=8_000))
    page.goto(f"{playground.url}/runs/{run_id}")
    expect(page.locator(".progress")).to_be_visible()
    counted = page.evaluate(COUNT_FRAMES, 2_000)
    playground.client.post(f"/api/runs/{run_id}/cancel")
    # Bars grow with the clock, so a live run is painted again and again; at every animation
    # frame (60 a second) the browser's painting took CPU from the lab on a small machine.
    assert counted["frames"] >= 2, counted
    # About 30 a second, as the browser's frame clock allows (33 measured headless); halfway to
    # 60, so a busy machine, which only drops frames, cannot fail it.
    assert counted["frames"] / counted["seconds"] <= 45, counted
    expect(page.locator(".status-line")).to_contain_text("cancelled", timeout=30_000)


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
    # Ten seconds, cancelled below: still going when the second click lands, however slow the
    # machine (at 2 s, a busy moment let it end first once).
    page.fill("input[name='param.delay_ms']", "1000")
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


def test_a_ramp_chosen_in_the_form_runs_to_its_end(page: Page) -> None:
    page.select_option("select[name=model]", "ramp")
    ramp = page.locator("fieldset[data-model=ramp]")
    expect(ramp).to_be_visible()
    expect(page.locator("fieldset[data-model=burst]")).to_be_hidden()
    page.check("input[name=variant][value=async]")
    ramp.locator("input[name=start_users]").fill("1")
    ramp.locator("input[name=end_users]").fill("8")
    ramp.locator("input[name=duration_s]").fill("3")
    ramp.locator("input[name=think_min_s]").fill("0.1")
    ramp.locator("input[name=think_max_s]").fill("0.2")
    page.fill("input[name='param.delay_ms']", "100")
    expect(page.locator(".prediction")).to_contain_text("U(t)=1→8 users")
    page.click("button.run-button")

    expect(page).to_have_url(re.compile(r"/runs/\d+$"))
    expect(page.locator(".run-head")).to_contain_text("1 → 8 users over 3 s")
    expect(page.locator(".status-line")).to_contain_text("done", timeout=60_000)
    assert drawn_rows(page) > 8
    # The permalink shows the form as the run was set.
    page.reload()
    expect(page.locator("select[name=model]")).to_have_value("ramp")
    expect(page.locator("fieldset[data-model=ramp] input[name=end_users]")).to_have_value("8")


def open_finished_run(page: Page, playground: Playground, body: dict[str, Any]) -> int:
    run = playground.run(body)
    page.goto(f"{playground.url}/runs/{run['id']}")
    expect(page.locator(".status-line")).to_contain_text("done")
    page.wait_for_function(
        "n => Number(document.querySelector('.timeline').dataset.drawn) === n",
        arg=run["summary"]["requests"],
    )
    return int(run["id"])


REPLAY_IN_FRAMES = """
async ({ runId, frames }) => {
  const { mountTimeline } = await import("/static/js/timeline.js");
  const run = await (await fetch(`/api/runs/${runId}`)).json();
  const original = document.querySelector(".timeline");
  const copy = original.cloneNode(true);
  delete copy.dataset.runStream;
  original.after(copy);
  const view = mountTimeline(copy, { stream: false });
  const nextFrame = () => new Promise((resolve) => requestAnimationFrame(resolve));
  const chunk = (list, n) => list.slice(Math.floor((list.length * n) / frames),
                                        Math.floor((list.length * (n + 1)) / frames));
  // A row is sent in one frame and comes back in the next, so some are in flight between.
  for (let n = 0; n <= frames; n += 1) {
    view.model.apply({
      sent: chunk(run.timeline, n).map((row) => [row.i, row.sent_s]),
      done: n > 0 ? chunk(run.timeline, n - 1) : [],
      bystander: chunk(run.bystander, n),
    });
    await nextFrame();
    await nextFrame();
  }
  const beforeEnd = { drawn: Number(copy.dataset.drawn), bars: view.lanes[0].bars };
  view.model.finish();
  await nextFrame();
  await nextFrame();
  const state = (root) => ({ drawn: Number(root.dataset.drawn),
                             bars: root.timeline.lanes[0].bars,
                             rows: root.timeline.lanes[0].paintedRows });
  return {
    oneFrame: state(original),
    beforeEnd,
    end: state(copy),
    pings: [original.timeline.model.pings.length, view.model.pings.length],
  };
}
"""


def test_a_replay_in_several_frames_draws_the_same_bars_as_one_frame(
    page: Page, playground: Playground
) -> None:
    run_id = open_finished_run(page, playground, burst("sync", 60, delay_ms=50, concurrency=20))
    drawn = page.evaluate(REPLAY_IN_FRAMES, {"runId": run_id, "frames": 7})
    # 60 rows of a plain run: waiting, in the handler, and the tail of each.
    assert drawn["oneFrame"]["drawn"] == drawn["oneFrame"]["rows"] == 60
    assert drawn["oneFrame"]["bars"] >= 2 * 60
    assert drawn["beforeEnd"] == {"drawn": 60, "bars": drawn["oneFrame"]["bars"]}
    assert drawn["end"] == drawn["oneFrame"]
    assert drawn["pings"][0] == drawn["pings"][1] > 0


WITHOUT_LANES = """
async (runId) => {
  // The run drawn again from its rows alone: real runs carry lanes, this one starts without.
  const { mountTimeline } = await import("/static/js/timeline.js");
  const run = await (await fetch(`/api/runs/${runId}`)).json();
  const original = document.querySelector(".timeline");
  const copy = original.cloneNode(true);
  delete copy.dataset.runStream;
  copy.querySelector("[data-lanes]").replaceChildren();
  original.replaceWith(copy);
  const view = mountTimeline(copy, { stream: false });
  view.model.apply({
    sent: run.timeline.map((row) => [row.i, row.sent_s]),
    done: run.timeline,
    bystander: run.bystander,
  });
  view.model.finish();
}
"""

LANE_FRAME = """
({ name, values }) => document.querySelector(".timeline").timeline.model.apply({
  lanes: { [name]: values.map((value, n) => ({ at_s: n * 0.01, value, pid: 7 })),
           executor_busy: [] },
})
"""

LANE_STATE = """
() => Array.from(document.querySelectorAll(".timeline [data-lanes] .lane"), (lane) => {
  const view = document.querySelector(".timeline").timeline;
  const drawn = view.lanes.find((l) => l.element === lane).drawn;
  const canvas = lane.querySelector("canvas");
  const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0;
  for (let n = 3; n < pixels.length; n += 4) if (pixels[n] > 0) painted += 1;
  return { name: lane.dataset.lane, height: canvas.clientHeight, painted, ...drawn };
})
"""


def png_size(path: Path) -> tuple[int, int]:
    width, height = struct.unpack(">II", path.read_bytes()[16:24])
    return width, height


def test_a_counter_lane_appears_when_lanes_data_arrive_and_not_otherwise(
    page: Page, playground: Playground, tmp_path: Path
) -> None:
    run_id = open_finished_run(page, playground, burst("async", 10, delay_ms=50))
    page.evaluate(WITHOUT_LANES, run_id)
    threadpool = playground.lab()["info"]["threadpool"]
    timeline = page.locator(".timeline")
    before = timeline.bounding_box()
    assert before is not None
    assert page.evaluate(LANE_STATE) == []

    page.evaluate(LANE_FRAME, {"name": "threadpool_busy", "values": [0, 3, 12, 40, 38, 5]})
    page.wait_for_function("() => document.querySelector('.lane')?.clientHeight > 0")
    page.wait_for_function(
        "() => document.querySelector('.timeline').timeline.lanes.at(-1).drawn.points === 6"
    )
    (lane,) = page.evaluate(LANE_STATE)
    assert lane["name"] == "threadpool_busy"
    assert lane["ceiling"] == threadpool  # from the run's data-lanes
    assert lane["ymax"] >= threadpool
    assert lane["painted"] > 0
    after = timeline.bounding_box()
    assert after is not None
    assert after["height"] >= before["height"] + lane["height"]

    # A lane arriving later takes its place in the list, above the threadpool's.
    page.evaluate(LANE_FRAME, {"name": "loop_lag_ms", "values": [1, 250, 3]})
    page.wait_for_function("() => document.querySelectorAll('.lane').length === 2")
    page.wait_for_function(  # built at once, drawn on the next frame
        "() => document.querySelector('.timeline').timeline.lanes"
        ".find((lane) => lane.name === 'loop_lag_ms').drawn.points === 3"
    )
    lanes = page.evaluate(LANE_STATE)
    assert [lane["name"] for lane in lanes] == ["loop_lag_ms", "threadpool_busy"]
    assert lanes[0]["ceiling"] is None and lanes[0]["ymax"] >= 250

    # Save PNG stacks every canvas shown, the lanes too, under a title.
    heights = page.evaluate(
        "() => Array.from(document.querySelectorAll('.timeline canvas'), (c) => c.height)"
    )
    with page.expect_download() as download:
        page.click("[data-export-png]")
    saved = tmp_path / "run.png"
    download.value.save_as(saved)
    width, height = png_size(saved)
    assert width > 0 and height > sum(heights)


def test_the_canvases_scale_with_the_root_font_size(page: Page, playground: Playground) -> None:
    open_finished_run(page, playground, burst("async", 10, delay_ms=50))
    measure = """() => {
      const view = document.querySelector(".timeline").timeline;
      return { font: view.layout.fontPx, left: view.layout.requests.left,
               height: document.querySelector(".timeline-canvas").clientHeight,
               drawn: Number(view.root.dataset.drawMs) >= 0 && view.root.dataset.drawn };
    }"""
    before = page.evaluate(measure)
    root_px = page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
    page.evaluate(f"document.documentElement.style.fontSize = '{2 * root_px}px'")
    page.wait_for_function(
        "f => document.querySelector('.timeline').timeline.layout.fontPx === f",
        arg=2 * before["font"],
    )
    after = page.evaluate(measure)
    assert after["left"] == 2 * before["left"]
    assert abs(after["height"] - 2 * before["height"]) <= 1
    assert after["drawn"] == before["drawn"] == "10"
