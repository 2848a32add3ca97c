// The page's timelines: finds every `.timeline` with a run's stream, draws it, and wires the
// buttons and htmx's swaps. The lanes under the time axis are listed here, top to bottom:
// adding one is a module under lanes/ and an entry in LANES (a counter, one in COUNTERS).

import { savePng, stackPictures } from "./export-png.js";
import { BystanderLane } from "./lanes/bystander.js";
import { CounterLane } from "./lanes/counter.js";
import { RequestsLane } from "./lanes/requests.js";
import { RunView } from "./run-view.js";

const perWorker = (lab) => (lab.workers > 1 ? " per worker" : "");
const ofCeiling = (size, lab) => (Number.isFinite(size) ? ` (of ${size}${perWorker(lab)})` : "");

/**
 * The counter lanes a run may carry in `lanes`, by series name: what each counts, in words
 * (`label({lab, facts})`: the lab's pool sizes from `data-lab`, the sampler's facts from
 * `data-lanes`), its colour (a CSS variable), its ceiling from the lab's pool sizes,
 * `lookback` for a lane whose value (ms) is how long something lasted until its sample,
 * `windowed` for one whose value is a share of the sampler's CPU window that ended at it, and
 * `stack` for a series drawn as a band on top of the lane's own (`CounterLane`).
 */
export const COUNTERS = [
  { series: "loop_lag_ms", colour: "--c-lane-lag", lookback: true,
    label: ({ facts }) => `event loop lag (ms): how late a ${facts.lag_timer_ms ?? "short"}`
      + `${facts.lag_timer_ms ? " ms" : ""} timer fires` },
  { series: "threadpool_busy", colour: "--c-lane-threads", ceiling: (lab) => lab.threadpool,
    label: ({ lab }) => `threadpool tokens in use${ofCeiling(lab.threadpool, lab)}: def endpoints, run_in_threadpool` },
  { series: "executor_busy", colour: "--c-lane-threads", ceiling: (lab) => lab.default_executor,
    label: ({ lab }) => `default executor threads at work${ofCeiling(lab.default_executor, lab)}: run_in_executor, to_thread` },
  { series: "process_pool_busy", colour: "--c-lane-processes", ceiling: (lab) => lab.processes,
    label: ({ lab }) => `process pool workers at work${ofCeiling(lab.processes, lab)}` },
  { series: "cpu_percent", colour: "--c-lane-cpu", ceiling: (lab) => lab.cores * 100, windowed: true,
    stack: { series: "cpu_wait_percent", colour: "--c-lane-wait" },
    label: ({ lab }) => `lab CPU (% of one core${Number.isFinite(lab.cores) ? `; ${lab.cores} cores = ${lab.cores * 100}%` : ""})`
      + "; grey above it: its event loop waiting for a core" },
];

/** What the sampler states of itself (`data-lanes` of the run's lanes), or `{}`. */
function laneFacts(root) {
  try {
    const facts = JSON.parse(root.querySelector("[data-lanes]")?.dataset.lanes || "{}");
    return facts && typeof facts === "object" ? facts : {};
  } catch {
    return {};
  }
}

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
    create: ({ root, lab }) => {
      const facts = laneFacts(root);
      return new CounterLane({
        ...counter,
        label: counter.label({ lab, facts }),
        ceiling: counter.ceiling?.(lab) ?? null,
        windowS: counter.windowed ? facts.cpu_window_ms / 1000 : null,
      });
    },
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
