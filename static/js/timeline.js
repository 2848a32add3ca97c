// The page's timelines: finds every `.timeline` with a run's stream, draws it, and wires the
// buttons and htmx's swaps. The lanes under the time axis are listed here, top to bottom:
// adding one is a module under lanes/ and an entry in LANES (a counter, one in COUNTERS).

import { savePng, stackPictures } from "./export-png.js";
import { BystanderLane } from "./lanes/bystander.js";
import { CounterLane } from "./lanes/counter.js";
import { RequestsLane } from "./lanes/requests.js";
import { RunView } from "./run-view.js";

/**
 * The counter lanes a run may carry in `lanes`, by series name: what each counts, its colour
 * (a CSS variable) and its ceiling from the lab's pool sizes (`data-lab`).
 */
export const COUNTERS = [
  { series: "loop_lag_ms", label: "event loop lag", unit: "ms", colour: "--c-lane-lag" },
  { series: "threadpool_busy", label: "threadpool threads busy", unit: "threads",
    colour: "--c-lane-threads", ceiling: (lab) => lab.threadpool },
  { series: "executor_busy", label: "default executor threads busy", unit: "threads",
    colour: "--c-lane-threads", ceiling: (lab) => lab.default_executor },
  { series: "process_pool_busy", label: "process pool workers busy", unit: "processes",
    colour: "--c-lane-processes", ceiling: (lab) => lab.processes },
  { series: "cpu_percent", label: "lab CPU", unit: "% of a core",
    colour: "--c-lane-cpu", ceiling: (lab) => lab.cores * 100 },
];

/** Every lane, top to bottom; one is built when it first has something to draw. */
export const LANES = [
  {
    name: "requests",
    present: () => true,
    create: ({ root }) => new RequestsLane(root.querySelector(".timeline-canvas")),
  },
  {
    name: "bystander",
    present: () => true,
    create: ({ root }) => {
      const canvas = root.querySelector(".bystander-canvas");
      return canvas && new BystanderLane(canvas);
    },
  },
  ...COUNTERS.map((counter) => ({
    name: counter.series,
    present: (model) => model.lanes.has(counter.series),
    create: ({ lab }) => new CounterLane({ ...counter, ceiling: counter.ceiling?.(lab) ?? null }),
  })),
];

/** Draw the run of `root` (a `.timeline`), following its stream unless `stream` is false. */
export function mountTimeline(root, { stream = true } = {}) {
  root.dataset.bound = "1";
  const view = new RunView(root, { lanes: LANES });
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
