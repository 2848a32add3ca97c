// The page's timelines: finds every `.timeline` with a run's stream, draws it, and wires the
// buttons and htmx's swaps. The lanes under the time axis are listed here, top to bottom:
// adding one is a module under lanes/ and an entry in `lanesOf` (a counter, one in
// `playground/lane_display.py`).

import { savePng, stackPictures } from "./export-png.js";
import { BystanderLane } from "./lanes/bystander.js";
import { CounterLane } from "./lanes/counter.js";
import { RequestsLane } from "./lanes/requests.js";
import { RunView } from "./run-view.js";

/**
 * The counter lanes of `root`'s run, as the playground words them for the run's lab (its
 * `data-lanes`, written by `playground/lane_display.py`): `CounterLane`'s options, top to bottom.
 */
function countersOf(root) {
  try {
    const counters = JSON.parse(root.querySelector("[data-lanes]")?.dataset.lanes || "[]");
    return Array.isArray(counters) ? counters : [];
  } catch {
    return [];
  }
}

/** Every lane of `root`'s run, top to bottom; one is built when it first has something to draw. */
export function lanesOf(root) {
  return [
    {
      name: "requests",
      present: () => true,
      create: () => new RequestsLane(root.querySelector(".timeline-canvas")),
    },
    {
      name: "bystander",
      present: () => true,
      create: () => {
        const canvas = root.querySelector(".bystander-canvas");
        return canvas && new BystanderLane(canvas);
      },
    },
    ...countersOf(root).map((counter) => ({
      name: counter.series,
      present: (model) => model.lanes.has(counter.series),
      create: () => new CounterLane(counter),
    })),
  ];
}

/** Draw the run of `root` (a `.timeline`), following its stream unless `stream` is false. */
export function mountTimeline(root, { stream = true } = {}) {
  root.dataset.bound = "1";
  const view = new RunView(root, { lanes: lanesOf(root) });
  if (stream && root.dataset.runStream) view.follow(root.dataset.runStream);
  root.timeline = view;
  return view;
}

const bind = (scope) => {
  for (const root of scope.querySelectorAll(".timeline[data-run-stream]:not([data-bound])")) mountTimeline(root);
};

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", () => bind(document));
else bind(document);
document.addEventListener("htmx:load", (event) => bind(event.detail.elt.parentElement || document));
document.addEventListener("htmx:beforeCleanupElement", (event) => event.detail.elt.timeline?.close());
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-export-png]");
  button?.closest(".run")?.querySelector(".timeline")?.timeline?.exportPng();
  const every = event.target.closest("[data-export-all-png]");
  const views = every ? [...document.querySelectorAll(".timeline")].map((root) => root.timeline).filter(Boolean) : [];
  if (views.length) {
    const title = every.dataset.title || "Async Playground";
    savePng(stackPictures(views.map((view) => view.picture()), { title, colours: views[0].colours }), title);
  }
});
