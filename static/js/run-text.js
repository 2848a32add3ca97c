// The words around the canvases: progress while the run goes, the legend of the parts the lab
// reported, and the summary the stream ends with.

import { paintSwatch } from "./patterns.js";

/** "12 / 100 done · 1 failed · 3.4 s" in `element`. */
export function showProgress(element, model) {
  const total = model.total || model.rows.length;
  element.textContent = `${model.doneCount.toLocaleString()} / ${total.toLocaleString()} done`
    + (model.errorCount ? ` · ${model.errorCount} failed` : "")
    + ` · ${model.now().toFixed(1)} s`;
}

/** A swatch and a name per reported part, in the colours and patterns the bars use. */
export function showPartLegend(list, names, colours) {
  list.replaceChildren(...names.map((name, n) => {
    const item = document.createElement("li");
    const swatch = document.createElement("i");
    swatch.className = "swatch";
    paintSwatch(swatch, colours, `part-${n}`);
    item.append(swatch, ` ${name}`);
    return item;
  }));
}

/** The run's end: its numbers in place of the progress, no more Cancel, the history refreshed. */
export function showSummary(run, payload) {
  const summary = run.querySelector(".summary");
  if (summary) {
    summary.innerHTML = payload.html;
    window.htmx?.process(summary);
  }
  run.querySelector("[data-cancel]")?.remove();
  window.htmx?.trigger(document.body, "runs-changed");
}
