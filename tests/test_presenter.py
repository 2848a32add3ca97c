"""The page in a classroom, in Debian's Chromium: presenter mode at projector sizes, themes,
patterns that survive greyscale, readable source, focus kept through htmx's swaps, a history
that fits its column, and PNG exports for slides.

Set PLAYGROUND_PRESENTER_SCREENSHOT=docs/presenter.png to keep the presenter screenshot (the
README's).
"""

from __future__ import annotations

import base64
import os
import struct
from collections.abc import Callable, Iterator
from itertools import combinations
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from playground.lab.sampler import LANES
from tests.conftest import Playground, burst, watch_errors

OpenPage = Callable[..., Page]


@pytest.fixture
def open_page(browser: Browser, playground: Playground) -> Iterator[OpenPage]:
    """Open `path` of the playground in a fresh browser context of `width` by `height`; no
    error (a CSP violation is one) may reach the console."""
    contexts = []
    errors: list[str] = []

    def open_(path: str = "/", width: int = 1280, height: int = 800, csp: bool = False) -> Page:
        # wait_for_function evaluates its predicate with eval, which the page's CSP refuses; a
        # test that needs no such wait keeps the CSP (`csp=True`) to show the page obeys it.
        context = browser.new_context(
            viewport={"width": width, "height": height}, bypass_csp=not csp
        )
        contexts.append(context)
        page = context.new_page()
        watch_errors(page, errors)
        page.goto(playground.url + path)
        return page

    yield open_
    for context in contexts:
        context.close()
    assert errors == [], errors


@pytest.fixture(scope="module")
def blocking_run(playground: Playground) -> dict[str, Any]:
    """A finished run of the pitfall: requests wait in turn, one in the handler at a time."""
    return playground.run(burst("async-blocking", 12, delay_ms=100))


@pytest.fixture(scope="module")
def fan_out_run(playground: Playground) -> dict[str, Any]:
    """A finished fan-out run: three parts the lab reported inside every bar."""
    return playground.run(
        {
            "scenario": "fan-out",
            "variant": "gather",
            "arrival": {"model": "burst", "requests": 10},
            "params": {"database_ms": 150, "cache_ms": 100, "api_ms": 200},
        }
    )


def wait_drawn(page: Page, run: dict[str, Any]) -> None:
    expect(page.locator(".status-line")).to_contain_text("done")
    page.wait_for_function(
        "n => Number(document.querySelector('.timeline')?.dataset.drawn) === n",
        arg=run["summary"]["requests"],
    )


def px(page: Page, selector: str) -> float:
    return float(
        page.evaluate(
            "s => parseFloat(getComputedStyle(document.querySelector(s)).fontSize)", selector
        )
    )


INSIDE_VIEWPORT = """
selectors => selectors.map((selector) => {
  const box = document.querySelector(selector).getBoundingClientRect();
  return { selector, inside: box.height > 0 && box.top >= 0 && box.left >= 0
           && box.bottom <= innerHeight && box.right <= innerWidth };
})
"""


OVERLAPS = """
selectors => {
  const boxes = selectors.map((selector) => [selector, document.querySelector(selector)
    .getBoundingClientRect()]);
  const overlaps = [];
  for (const [i, [a, p]] of boxes.entries()) for (const [b, q] of boxes.slice(i + 1)) {
    const across = p.left < q.right - 1 && q.left < p.right - 1;
    if (across && p.top < q.bottom - 1 && q.top < p.bottom - 1) overlaps.push([a, b]);
  }
  return overlaps;
}
"""


@pytest.mark.parametrize("size", [(1920, 1080), (1280, 720)], ids=["1080p", "720p"])
def test_presenter_mode_shows_the_timeline_numbers_and_verdict_on_one_screen(
    open_page: OpenPage, blocking_run: dict[str, Any], size: tuple[int, int]
) -> None:
    width, height = size
    page = open_page(f"/runs/{blocking_run['id']}?present=1", width, height)
    wait_drawn(page, blocking_run)
    assert px(page, "body") >= 24
    assert px(page, ".source code") >= 18
    canvas_font = page.evaluate("document.querySelector('.timeline').timeline.layout.fontPx")
    assert canvas_font >= 18

    key = [".timeline-canvas", ".numbers .big", ".summary .verdict", ".bystander-canvas"]
    key += [f".numbers .big:nth-child({n})" for n in (3, 4)]  # most in handler, bystander worst
    assert all(box["inside"] for box in page.evaluate(INSIDE_VIEWPORT, key)), page.evaluate(
        INSIDE_VIEWPORT, key
    )
    expect(page.locator(".numbers .big").first).to_contain_text("predicted")
    # Side by side, never one over another: the numbers once covered the timeline's legend.
    expect(page.locator(".replay")).to_be_visible()
    assert page.evaluate(OVERLAPS, [".timeline", ".replay", ".summary"]) == []
    # The page does not scroll; the numbers' column may, below the verdict, for the reading.
    assert page.evaluate("() => document.scrollingElement.scrollHeight <= innerHeight")
    assert page.locator(".history").is_hidden()
    if width == 1920 and (target := os.environ.get("PLAYGROUND_PRESENTER_SCREENSHOT")):
        page.screenshot(path=target)


@pytest.fixture(scope="module")
def offload_process_run(playground: Playground) -> dict[str, Any]:
    """A finished run whose lanes say the most: the loop, the process pool and the CPU move,
    the threadpool and the default executor stay at zero."""
    return playground.run(
        {
            "scenario": "cpu",
            "variant": "async-offload-process",
            "arrival": {"model": "burst", "requests": 8},
            "params": {"work_ms": 100},
        }
    )


LANES_ON_SCREEN = """
() => {
  const rem = parseFloat(getComputedStyle(document.documentElement).fontSize);
  const timeline = document.querySelector('.timeline');
  return {
    scrolls: timeline.scrollHeight > timeline.clientHeight + 1,
    lanes: [...document.querySelectorAll('.lane')].map((lane) => {
      const box = lane.getBoundingClientRect();
      const canvas = lane.querySelector('canvas').getBoundingClientRect();
      return { name: lane.dataset.lane, quiet: lane.hasAttribute('data-quiet'),
               inside: box.top >= 0 && box.bottom <= innerHeight,
               canvasRem: canvas.height / rem,
               says: getComputedStyle(lane, '::after').content };
    }),
  };
}
"""


def test_presenter_mode_shows_every_lane_on_the_screen_folding_the_ones_at_zero(
    open_page: OpenPage, offload_process_run: dict[str, Any]
) -> None:
    page = open_page(f"/runs/{offload_process_run['id']}?present=1", 1920, 1080)
    wait_drawn(page, offload_process_run)
    page.wait_for_function(
        "() => document.querySelector('.timeline').timeline.lanes"
        ".filter((lane) => lane.series).every((lane) => lane.drawn.points > 0)"
    )
    shown = page.evaluate(LANES_ON_SCREEN)
    lanes = {lane["name"]: lane for lane in shown["lanes"]}
    assert set(lanes) == set(LANES) - {"cpu_wait_percent"}, lanes  # that one in the CPU's
    quiet = {name for name, lane in lanes.items() if lane["quiet"]}
    assert quiet == {"threadpool_busy", "executor_busy"}, lanes
    assert not shown["scrolls"], shown
    for name, lane in lanes.items():
        assert lane["inside"], lane
        if name in quiet:
            assert lane["canvasRem"] == 0 and "0 throughout" in lane["says"], lane
        else:  # drawn at the height presenter mode gives a lane, whatever the screen
            assert lane["canvasRem"] >= 2.5, lane
    requests = page.evaluate(INSIDE_VIEWPORT, [".timeline-canvas"])
    assert requests[0]["inside"], requests


def test_the_bystander_draws_each_ping_where_its_answer_came(
    open_page: OpenPage, blocking_run: dict[str, Any]
) -> None:
    """A ping sent as the loop froze waits out the block: drawn when it was sent, it was a cliff
    at the block's start; drawn when its answer came, it climbs across the block."""
    page = open_page(f"/runs/{blocking_run['id']}")
    wait_drawn(page, blocking_run)
    answered = [row for row in blocking_run["bystander"] if row["latency_ms"] is not None]
    slowest = max(answered, key=lambda row: row["latency_ms"])
    drawn = page.evaluate(
        "() => document.querySelector('.timeline').timeline.lanes"
        ".find((lane) => lane.name === 'bystander').drawn"
    )
    # Requests blocking the loop 100 ms each: the slowest ping waited out at least part of one.
    assert slowest["latency_ms"] >= 50, slowest
    assert drawn["slowestAnsweredS"] == pytest.approx(
        slowest["at_s"] + slowest["latency_ms"] / 1000
    )


def test_presenter_mode_follows_the_key_the_button_and_the_url(
    open_page: OpenPage, playground: Playground
) -> None:
    page = open_page("/", 1280, 720, csp=True)

    def presenting(on: bool) -> None:
        """Polled, not read at once (the page keeps its CSP, which refuses wait_for_function)."""
        html = expect(page.locator("html"))
        if on:
            html.to_have_attribute("data-present", "")
        else:
            html.not_to_have_attribute("data-present", "")

    root_px = px(page, "html")
    page.keyboard.press("p")
    presenting(True)
    assert px(page, "html") >= 1.5 * root_px
    expect(page.locator("[data-present-toggle]")).to_have_attribute("aria-pressed", "true")

    # Typing a p into a field is typing, not a toggle. The drawer's fields can take the focus
    # only once it shows them: until its next frame they are hidden, and focusing one then left
    # the focus on the drawer's button, whose p toggled (once in six under a busy core).
    page.click("[data-drawer-toggle]")
    scenario = page.locator("select[name=scenario]")
    expect(scenario).to_be_visible()
    scenario.focus()
    expect(scenario).to_be_focused()
    page.keyboard.press("p")
    presenting(True)

    # Kept while navigating, without the URL saying so.
    page.goto(playground.url + "/compare")
    presenting(True)
    page.click("[data-present-toggle]")
    presenting(False)
    page.goto(playground.url + "/")
    presenting(False)
    page.goto(playground.url + "/?present=1")
    presenting(True)
    page.goto(playground.url + "/?present=0")
    presenting(False)


def test_a_chosen_theme_survives_a_reload_and_recolours_the_canvas(
    open_page: OpenPage, blocking_run: dict[str, Any]
) -> None:
    page = open_page(f"/runs/{blocking_run['id']}")
    wait_drawn(page, blocking_run)
    background = "() => getComputedStyle(document.documentElement).backgroundColor"
    canvas_text = "() => document.querySelector('.timeline').timeline.colours.text"
    light = page.evaluate(background), page.evaluate(canvas_text)
    page.select_option("[data-theme-choice]", "dark")
    page.wait_for_function(f"t => ({canvas_text})() !== t", arg=light[1])
    dark = page.evaluate(background), page.evaluate(canvas_text)
    assert dark[0] != light[0]

    page.reload()
    wait_drawn(page, blocking_run)
    expect(page.locator("[data-theme-choice]")).to_have_value("dark")
    assert (page.evaluate(background), page.evaluate(canvas_text)) == dark

    page.select_option("[data-theme-choice]", "contrast")
    page.reload()
    expect(page.locator("html")).to_have_attribute("data-theme", "contrast")
    assert page.evaluate("getComputedStyle(document.body).color") == "rgb(0, 0, 0)"
    page.select_option("[data-theme-choice]", "")  # back to the system's
    page.reload()
    assert page.get_attribute("html", "data-theme") is None


GREY_STATS = """
async (png) => {
  const image = await createImageBitmap(await (await fetch(`data:image/png;base64,${png}`)).blob());
  const canvas = new OffscreenCanvas(image.width, image.height);
  const g = canvas.getContext("2d");
  g.drawImage(image, 0, 0);
  const { data, width, height } = g.getImageData(0, 0, image.width, image.height);
  const grey = (x, y) => { const n = 4 * (y * width + x);
                           return 0.299 * data[n] + 0.587 * data[n + 1] + 0.114 * data[n + 2]; };
  // The inside only: a swatch's rounded, anti-aliased edge is no part of its pattern.
  const [dx, dy] = [Math.ceil(width * 0.15), Math.ceil(height * 0.15)];
  let sum = 0, squares = 0, across = 0, down = 0, rising = 0, falling = 0, n = 0;
  for (let y = dy; y < height - dy; y += 1) for (let x = dx; x < width - dx; x += 1) {
    n += 1;
    const v = grey(x, y);
    sum += v; squares += v * v;
    if (x > dx && Math.abs(v - grey(x - 1, y)) > 24) across += 1;
    if (y > dy && Math.abs(v - grey(x, y - 1)) > 24) down += 1;
    // Across `/` stripes the grey changes between up-left neighbours, along them it does not;
    // `\\` stripes the other way round.
    if (x > dx && y > dy && Math.abs(v - grey(x - 1, y - 1)) > 24) rising += 1;
    if (x > dx && y > dy && Math.abs(grey(x - 1, y) - grey(x, y - 1)) > 24) falling += 1;
  }
  const mean = sum / n;
  return { mean, std: Math.sqrt(Math.max(0, squares / n - mean * mean)),
           across: across / n, down: down / n, rising: rising / n, falling: falling / n };
}
"""


def greyscale_stats(page: Page, selector: str) -> dict[str, float]:
    png = base64.b64encode(page.locator(selector).first.screenshot()).decode()
    return dict(page.evaluate(GREY_STATS, png))


def orientation(stats: dict[str, float]) -> float:
    """-1 for horizontal stripes (edges only going down), 1 for vertical, 0 for the rest."""
    edges = stats["across"] + stats["down"]
    return (stats["across"] - stats["down"]) / edges if edges else 0.0


def slant(stats: dict[str, float]) -> float:
    """1 for `/` stripes (edges only crossing them up-left), -1 for `\\`, 0 for the rest."""
    edges = stats["rising"] + stats["falling"]
    return (stats["rising"] - stats["falling"]) / edges if edges else 0.0


def tell_apart(a: dict[str, float], b: dict[str, float]) -> bool:
    """Two swatches a greyscale eye tells apart: lighter or darker, plain against textured,
    or stripes running another way (across or down, `/` or `\\`)."""
    return (
        abs(a["mean"] - b["mean"]) >= 20
        or abs(a["std"] - b["std"]) >= 12
        or abs(orientation(a) - orientation(b)) >= 0.5
        or abs(slant(a) - slant(b)) >= 0.5
    )


@pytest.mark.parametrize("theme", ["light", "dark", "contrast"])
def test_waiting_handler_parts_failed_and_cancelled_differ_in_greyscale(
    open_page: OpenPage, fan_out_run: dict[str, Any], theme: str
) -> None:
    page = open_page(f"/runs/{fan_out_run['id']}?present=1", 1920, 1080)
    page.select_option("[data-theme-choice]", theme)
    wait_drawn(page, fan_out_run)
    expect(page.locator("[data-span-legend] li")).to_have_count(3)  # fan-out's three parts
    categories = ["connecting", "queued", "running", "part-0", "part-1", "part-2", "failed"]
    categories += ["cancelled"]
    stats = {c: greyscale_stats(page, f".swatch[data-swatch='{c}']") for c in categories}
    alike = [(a, b) for a, b in combinations(categories, 2) if not tell_apart(stats[a], stats[b])]
    assert alike == [], stats


@pytest.fixture(scope="module")
def queued_run(playground: Playground) -> dict[str, Any]:
    """A finished run of `def` endpoints, a few more than the lab has threads: the last few
    queue for a thread, a whole delay long."""
    threadpool = playground.lab()["info"]["threadpool"]
    return playground.run(burst("sync", threadpool + 4, delay_ms=300))


@pytest.mark.parametrize(
    ("run_name", "phase"),
    [("blocking_run", "connecting"), ("queued_run", "queued"), ("blocking_run", "running")],
    ids=["connecting", "queued", "running"],
)
def test_the_bars_wear_the_legends_patterns(
    open_page: OpenPage, request: pytest.FixtureRequest, run_name: str, phase: str
) -> None:
    # Each phase where it is longest: a blocked loop leaves connections unread (connecting),
    # a full threadpool keeps requests from their handler (queued). The page's own size, where
    # a run of more requests than the threadpool still has rows a few pixels tall.
    run: dict[str, Any] = request.getfixturevalue(run_name)
    page = open_page(f"/runs/{run['id']}", 1920, 1080)
    wait_drawn(page, run)
    legend = greyscale_stats(page, f".swatch[data-swatch='{phase}']")
    region = page.evaluate(BAR_REGION, PHASES[phase])
    assert region["width"] > 40 and region["height"] >= 4, region  # long enough to read
    bar = greyscale_stats_of(page, region)
    # The waiting phases are textured, in the handler is plain: on the legend and on the bar
    # alike, in the same grey.
    textured = phase != "running"
    assert (legend["std"] > 12) is textured, legend
    assert (bar["std"] > 12) is textured, (bar, legend)
    assert abs(bar["mean"] - legend["mean"]) < 25, (bar, legend)


PHASES = {
    "connecting": ["sent_s", "arrived_s"],
    "queued": ["arrived_s", "began_s"],
    "running": ["began_s", "ended_s"],
}
"""Where each phase of a bar starts and ends, as static/js/lanes/requests.js paints it."""

# The request canvas's region where the row longest in the phase from `start` to `end` was in
# it, inside the bar (its rounded edges and the row's gap left out): a clip rectangle on the
# whole page, wherever it is scrolled to.
BAR_REGION = """
async ([start, end]) => {
  const { layoutFor, plotBox, rootFontPx, timeToX } = await import("/static/js/scale.js");
  const view = document.querySelector(".timeline").timeline;
  const canvas = view.lanes[0].canvas;
  const box = plotBox(canvas.clientWidth, canvas.clientHeight, layoutFor(rootFontPx()).requests);
  const x = timeToX(view.extent.seconds, box);
  const rowHeight = box.height / view.extent.rows;
  const page = canvas.getBoundingClientRect();
  const rows = view.model.rows.filter((row) => !row.error);
  const row = rows.reduce((a, b) => (b[end] - b[start] > a[end] - a[start] ? b : a));
  return { x: scrollX + page.left + x(row[start]) + 2, width: x(row[end]) - x(row[start]) - 4,
           y: scrollY + page.top + box.top + row.i * rowHeight + 0.15 * rowHeight,
           height: 0.7 * rowHeight };
}
"""


def greyscale_stats_of(page: Page, clip: dict[str, float]) -> dict[str, float]:
    png = base64.b64encode(page.screenshot(clip=clip, full_page=True)).decode()  # type: ignore[arg-type]
    return dict(page.evaluate(GREY_STATS, png))


def after_swap(page: Page, selector: str, action: Callable[..., Any], *args: str) -> None:
    """Do `action(*args)` and wait until htmx has replaced the element at `selector`."""
    page.eval_on_selector(selector, "element => { element.dataset.stale = '1'; }")
    action(*args)
    page.wait_for_function(
        "s => document.querySelector(s) && !document.querySelector(s).dataset.stale", arg=selector
    )


def test_the_source_shows_every_line_whole_in_every_scenario(open_page: OpenPage) -> None:
    page = open_page("/", 1280, 800)
    scenarios = page.eval_on_selector_all(
        "select[name=scenario] option", "options => options.map((o) => o.value)"
    )
    assert len(scenarios) >= 5
    for scenario in scenarios:
        if page.input_value("select[name=scenario]") != scenario:
            after_swap(page, "#run-form", page.select_option, "select[name=scenario]", scenario)
        for variant in page.eval_on_selector_all(
            "input[name=variant]", "inputs => inputs.map((i) => i.value)"
        ):
            radio = f"input[name=variant][value='{variant}']"
            if not page.is_checked(radio):
                after_swap(page, "#variant-panel > article", page.check, radio)
            source = page.locator(".source code")
            expect(source).to_contain_text("def ")
            fit = page.evaluate(
                """() => { const pre = document.querySelector('.source');
                           const code = pre.querySelector('code');
                           return { pre: pre.scrollWidth <= pre.clientWidth,
                                    code: code.scrollWidth <= code.clientWidth,
                                    wraps: getComputedStyle(code).whiteSpace };}"""
            )
            assert fit == {"pre": True, "code": True, "wraps": "pre-wrap"}, (scenario, variant)
    assert px(page, ".source code") >= 14


def test_focus_stays_on_the_scenario_select_after_a_keyboard_change(open_page: OpenPage) -> None:
    page = open_page("/", 1280, 800)
    select = page.locator("select[name=scenario]")
    first = select.input_value()
    summary = page.locator("#run-form > p.muted").inner_text()
    select.focus()
    page.keyboard.press("ArrowDown")
    expect(page.locator("#run-form > p.muted")).not_to_have_text(summary)
    assert select.input_value() != first
    page.wait_for_function("() => document.activeElement?.name === 'scenario'")
    # And the next key goes on from there, as a keyboard user expects.
    second = select.input_value()
    page.keyboard.press("ArrowDown")
    expect(select).not_to_have_value(second)
    page.wait_for_function("() => document.activeElement?.name === 'scenario'")


def png_size(data: bytes) -> tuple[int, int]:
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_save_png_is_twice_the_canvas_with_title_legend_and_numbers(
    open_page: OpenPage, blocking_run: dict[str, Any], tmp_path: Path
) -> None:
    page = open_page(f"/runs/{blocking_run['id']}", 1280, 800)
    wait_drawn(page, blocking_run)
    canvases = page.evaluate(
        "() => Array.from(document.querySelectorAll('.timeline canvas'),"
        " (c) => [c.width, c.height])"
    )
    with page.expect_download() as download:
        page.click("[data-export-png]")
    saved = tmp_path / "run.png"
    download.value.save_as(saved)
    width, height = png_size(saved.read_bytes())
    assert width == 2 * max(w for w, _ in canvases)
    stacked = 2 * sum(h for _, h in canvases)
    legend_row = 2 * page.locator(".legend").first.bounding_box()["height"]  # type: ignore[index]
    assert height > stacked + legend_row  # and a title, the numbers, the verdict
    # The screen's canvases are back at their own resolution.
    assert (
        page.evaluate(
            "() => Array.from(document.querySelectorAll('.timeline canvas'),"
            " (c) => [c.width, c.height])"
        )
        == canvases
    )


def test_the_compare_page_saves_all_its_runs_as_one_png(
    open_page: OpenPage, blocking_run: dict[str, Any], fan_out_run: dict[str, Any], tmp_path: Path
) -> None:
    page = open_page(f"/compare?runs={blocking_run['id']}&runs={fan_out_run['id']}", 1280, 800)
    expect(page.locator(".status-line")).to_have_count(2)
    page.wait_for_function(
        "() => Array.from(document.querySelectorAll('.timeline'))"
        ".every((t) => Number(t.dataset.drawn) > 0)"
    )
    one = page.evaluate(
        "() => Array.from(document.querySelectorAll('.timeline'),"
        " (t) => t.timeline.picture().height)"
    )
    with page.expect_download() as download:
        page.click("[data-export-all-png]")
    saved = tmp_path / "compare.png"
    download.value.save_as(saved)
    width, height = png_size(saved.read_bytes())
    canvas_width = page.evaluate("document.querySelector('.timeline-canvas').width")
    assert width == 2 * canvas_width
    assert height > sum(one)


def test_the_history_fits_its_column_at_1280_px(
    open_page: OpenPage, blocking_run: dict[str, Any], fan_out_run: dict[str, Any]
) -> None:
    page = open_page("/", 1280, 800)
    rows = page.locator("#history tbody tr")
    expect(rows.first).to_be_visible()
    assert rows.count() >= 2
    fits = page.evaluate(
        """() => { const history = document.querySelector('#history');
                   const table = history.querySelector('table');
                   return [history.scrollWidth <= history.clientWidth,
                           table.getBoundingClientRect().right
                             <= history.getBoundingClientRect().right + 1,
                           document.scrollingElement.scrollWidth <= innerWidth]; }"""
    )
    assert fits == [True, True, True]
