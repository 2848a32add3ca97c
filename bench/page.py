"""The run page in headless Chromium (Debian's, through Playwright; never a downloaded browser):
how long the timeline of a finished run takes to draw, and the frames while a run streams in.

static/js/run-view.js sets `data-draw-ms` (the last draw) and `data-drawn` (rows drawn) on the
`[data-run-stream]` element after every draw, and `data-status` when the run's summary came.
A script added before the page loads records every change of those, the interval between
animation frames and any long task.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Any

from playwright.async_api import Browser, Page, async_playwright

from bench import tools
from playground.stats import percentile

VIEWPORT = {"width": 1280, "height": 900}

RECORDER = """
window.__bench = { draws: [], status: null, frames: [], longTasks: [] };
(() => {
  let previous = 0;
  const frame = (now) => {
    if (previous) window.__bench.frames.push([now, now - previous]);
    previous = now;
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
  try {
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        window.__bench.longTasks.push([entry.startTime, entry.duration]);
      }
    }).observe({ type: "longtask", buffered: true });
  } catch (error) {}
  new MutationObserver((changes) => {
    for (const change of changes) {
      const root = change.target;
      if (change.attributeName === "data-draw-ms") {
        window.__bench.draws.push(
          [performance.now(), Number(root.dataset.drawMs), Number(root.dataset.drawn)]);
      } else if (change.attributeName === "data-status" && root.dataset.status) {
        window.__bench.status = performance.now();
      }
    }
  }).observe(document, { attributes: true, subtree: true,
                         attributeFilter: ["data-draw-ms", "data-status"] });
})();
"""


@dataclass(frozen=True)
class Finished:
    first_full_draw_ms: float
    """From navigation start to the first draw that showed every row."""
    draw_ms: float
    """Median of full redraws (each after a resize, so every row is painted again)."""
    drawn: int


@dataclass(frozen=True)
class Live:
    draws: int
    draw_p50_ms: float
    draw_p95_ms: float
    draw_max_ms: float
    frame_p50_ms: float
    frame_p95_ms: float
    frame_max_ms: float
    long_tasks: int
    longest_task_ms: float
    streamed_s: float


async def _open(browser: Browser, url: str) -> Page:
    # bypass_csp: wait_for_function evaluates its predicate with eval, which the CSP refuses.
    page = await browser.new_page(viewport=VIEWPORT, bypass_csp=True)  # type: ignore[arg-type]
    await page.add_init_script(RECORDER)
    await page.goto(url)
    return page


async def _bench(page: Page) -> dict[str, Any]:
    data: dict[str, Any] = await page.evaluate("window.__bench")
    return data


async def finished_run(browser: Browser, url: str, rows: int, redraws: int) -> Finished:
    page = await _open(browser, url)
    try:
        await page.wait_for_function(
            f"window.__bench.status && window.__bench.draws.some(d => d[2] >= {rows})",
            timeout=120_000,
        )
        data = await _bench(page)
        first = next(t for t, _, drawn in data["draws"] if drawn >= rows)
        full_draws = []
        for n in range(redraws):
            before = len((await _bench(page))["draws"])
            width = VIEWPORT["width"] - 40 * (n % 2 + 1)
            await page.set_viewport_size({"width": width, "height": VIEWPORT["height"]})
            await page.wait_for_function(f"window.__bench.draws.length > {before}")
            await page.wait_for_timeout(200)
            draws = (await _bench(page))["draws"][before:]
            full_draws.append(max(ms for _, ms, _ in draws))
        drawn = int(data["draws"][-1][2])
        return Finished(first, statistics.median(full_draws), drawn)
    finally:
        await page.close()


async def live_run(browser: Browser, url: str, timeout_s: float) -> Live:
    page = await _open(browser, url)
    try:
        await page.wait_for_function("window.__bench.status", timeout=timeout_s * 1000)
        data = await _bench(page)
    finally:
        await page.close()
    began = data["draws"][0][0] if data["draws"] else 0.0
    ended = data["status"]
    draws = [ms for t, ms, _ in data["draws"] if t <= ended]
    frames = [interval for t, interval in data["frames"] if began < t <= ended]
    long_tasks = [ms for t, ms in data["longTasks"] if began < t <= ended]
    return Live(
        draws=len(draws),
        draw_p50_ms=statistics.median(draws),
        draw_p95_ms=percentile(draws, 95),
        draw_max_ms=max(draws),
        frame_p50_ms=statistics.median(frames) if frames else 0.0,
        frame_p95_ms=percentile(frames, 95),
        frame_max_ms=max(frames, default=0.0),
        long_tasks=len(long_tasks),
        longest_task_ms=max(long_tasks, default=0.0),
        streamed_s=(ended - began) / 1000,
    )


class Chromium:
    """Debian's Chromium, headless, for the length of an `async with`."""

    async def __aenter__(self) -> Browser:
        executable = tools.chromium()
        self._playwright = await async_playwright().start()
        self._browser = await self._playwright.chromium.launch(
            executable_path=executable, args=tools.CHROMIUM_ARGS, headless=True
        )
        return self._browser

    async def __aexit__(self, *_: object) -> None:
        await self._browser.close()
        await self._playwright.stop()
