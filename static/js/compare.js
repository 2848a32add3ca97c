// The comparison page: the switch between one time axis for every run and each run fitted to
// its own width (once a run has ended its axis is exactly that), and, while a series goes,
// following it until its last run has ended.

const POLL_MS = 500;

/** Every timeline on the page spans `data-shared-span` (shared) or its panel's `data-own-span`. */
export function useAxis(mode) {
  const grid = document.querySelector(".compare-grid");
  if (!grid) return;
  for (const panel of grid.querySelectorAll(".compare-panel")) {
    const root = panel.querySelector(".timeline");
    if (!root) continue;
    const span = mode === "shared" ? grid.dataset.sharedSpan : panel.dataset.ownSpan;
    root.dataset.span = span;
    const view = root.timeline;
    if (view) {
      view.sharedSpanS = Number.parseFloat(span) || 0;
      view.spanIsExact = true;
      view.painter.schedule();
    }
  }
  grid.dataset.axis = mode;
}

document.addEventListener("change", (event) => {
  const input = event.target;
  if (input instanceof HTMLInputElement && input.matches("[data-axis]") && input.checked) useAxis(input.value);
});

/**
 * A series still going: ask for it every POLL_MS; when a run has started or the series has
 * ended, the page is drawn again by the server (the runs already shown replay their streams).
 */
async function followSeries(section) {
  const shown = section.dataset.seriesRuns;
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    let series;
    try {
      const response = await fetch(`/api/series/${section.dataset.series}`);
      if (!response.ok) continue;
      series = await response.json();
    } catch {
      continue;
    }
    if (series.runs.join(",") !== shown || series.status !== "running") {
      const mode = document.querySelector("[data-axis]:checked")?.value;
      const url = new URL(window.location.href);
      if (mode) url.searchParams.set("axis", mode);
      window.location.replace(url);
      return;
    }
  }
}

const start = () => {
  const wanted = new URL(window.location.href).searchParams.get("axis");
  const input = wanted && document.querySelector(`[data-axis][value="${wanted}"]`);
  if (input) input.checked = true;
  useAxis(wanted && input ? wanted : "shared");
  const section = document.querySelector(".compare[data-series]");
  if (section?.dataset.seriesStatus === "running") followSeries(section);
};

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
