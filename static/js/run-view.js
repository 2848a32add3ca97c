// One run's timeline on the page: its model, its lanes top to bottom on one time axis, and
// the painter that draws them when something changed (thirty times a second while the run goes).

import { onColoursChanged, readColours } from "./colours.js";
import { runPicture, savePng } from "./export-png.js";
import { Painter } from "./painter.js";
import { RunModel } from "./run-model.js";
import { showPartLegend, showProgress, showSummary } from "./run-text.js";
import { Extent, layoutFor, rootFontPx } from "./scale.js";
import { follow } from "./stream.js";

const numberOr = (text, fallback) => (Number.isFinite(Number.parseFloat(text)) ? Number.parseFloat(text) : fallback);

export class RunView {
  /**
   * `root`: a `.timeline` element (its `data-` attributes: total, predicted, span, title).
   * `lanes`: every lane that may be drawn, top to bottom, as `{name, present(model),
   * create()}`; a lane is built when `present` first says it has something to draw.
   */
  constructor(root, { lanes }) {
    this.root = root;
    this.registry = lanes;
    this.predictedS = numberOr(root.dataset.predicted, 0);
    this.sharedSpanS = numberOr(root.dataset.span, 0);   // a common time axis when comparing
    this.spanIsExact = false;
    this.model = new RunModel({ total: numberOr(root.dataset.total, 0) });
    this.extent = new Extent();
    this.colours = readColours();
    this.layout = layoutFor(rootFontPx());
    this.lanes = [];              // the built ones, in the registry's order
    this.built = new Set();       // their names
    this.stream = null;
    this.painter = new Painter(() => this.draw(), { live: () => !this.model.finished });

    this.onChange = (event) => this.changed(event.detail);
    this.model.addEventListener("change", this.onChange);
    this.resized = new ResizeObserver(() => this.painter.schedule());
    this.resized.observe(root);
    this.stopColours = onColoursChanged(() => {
      this.colours = readColours();
      this.showParts();
      this.painter.schedule();
    });
    this.buildLanes();
  }

  /** Draw the run the stream at `url` delivers, and show its summary at the end. */
  follow(url) {
    this.stream = follow(url, this.model, {
      onSummary: (payload) => {
        this.root.dataset.status = payload.status;
        const run = this.root.closest(".run");
        if (run) showSummary(run, payload);
      },
    });
  }

  close() {
    this.stream?.close();
    this.painter.stop();
    this.resized.disconnect();
    this.stopColours();
    this.model.removeEventListener("change", this.onChange);
  }

  /** Draw `model` instead (a replay's, `replay.js`): the lanes start over from it. */
  useModel(model) {
    this.model.removeEventListener("change", this.onChange);
    this.model = model;
    model.addEventListener("change", this.onChange);
    for (const lane of this.lanes) lane.reset?.();
    this.painter.schedule();
  }

  changed({ newParts, newLanes }) {
    if (newLanes.length) this.buildLanes();
    if (newParts.length) this.showParts();
    const progress = this.root.closest(".run")?.querySelector("[data-progress]");
    if (progress) showProgress(progress, this.model);
    this.painter.schedule();
  }

  buildLanes() {
    let added = false;
    for (const entry of this.registry) {
      if (this.built.has(entry.name) || !entry.present(this.model)) continue;
      const lane = entry.create();
      this.built.add(entry.name);
      if (!lane) continue;
      lane.name = entry.name;
      if (lane.element) this.resized.observe(lane.element);  // folded or unfolded: drawn again
      this.lanes.push(lane);
      added = true;
    }
    if (!added) return;
    const order = this.registry.map((entry) => entry.name);
    this.lanes.sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name));
    const container = this.root.querySelector("[data-lanes]");
    for (const lane of this.lanes) {
      if (container && (!lane.element.isConnected || lane.element.parentElement === container)) {
        container.append(lane.element);  // appended in order: the lanes stay in the registry's
      }
    }
  }

  showParts() {
    const legend = this.root.querySelector("[data-span-legend]");
    if (legend) showPartLegend(legend, this.model.partNames, this.colours);
  }

  draw() {
    const started = performance.now();
    const model = this.model;
    const now = model.now();
    this.layout = layoutFor(rootFontPx());
    // Compared runs (compare.js) span exactly the given axis once ended, the lab's samples after
    // the last request cut off; otherwise the axis reaches at least to it.
    const exactSpan = this.spanIsExact && model.finished && this.sharedSpanS > 0;
    this.extent.fit({
      seconds: exactSpan ? this.sharedSpanS : Math.max(this.predictedS * 1.05, now * 1.02, this.sharedSpanS, 0.05),
      rows: model.rowCount,
      exact: model.finished,
    });
    const scene = {
      model,
      now,
      seconds: this.extent.seconds,
      rows: this.extent.rows,
      predictedS: this.predictedS,
      layout: this.layout,
      colours: this.colours,
    };
    for (const lane of this.lanes) lane.draw(scene);
    this.root.dataset.predictedLine = this.predictedS ? "shown" : "hidden";
    this.root.dataset.drawMs = (performance.now() - started).toFixed(2);
    this.root.dataset.drawn = String(model.drawnCount);
  }

  /** The run as a picture for slides (export-png.js): canvases at 2×, words, legend, numbers. */
  picture() {
    return runPicture({
      run: this.root.closest(".run") ?? this.root,
      lanes: this.lanes,
      draw: () => this.draw(),
      colours: this.colours,
    });
  }

  exportPng() {
    const picture = this.picture();
    savePng(picture, this.root.dataset.title || "Async Playground");
    return picture;
  }
}
