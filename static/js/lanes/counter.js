// A counter lane: one series `[{at_s, value, pid}]` under the timeline, on its time axis, as a
// step line over a shaded area (one per lab process), with its label, its own value scale and
// an optional ceiling (the pool's size). Every coming lane (loop lag, threads busy, CPU) is one.

import { drawMarginLabel, drawPredicted, drawTimeAxis } from "../axis.js";
import { fitCanvas } from "../painter.js";
import { plotBox, timeToX } from "../scale.js";

const formatValue = (value) =>
  Math.abs(value) >= 10 ? Math.round(value).toLocaleString() : String(Number(value.toFixed(1)));

/** The points of `series` grouped by the process that reported them, in the order they came. */
function byProcess(series) {
  const groups = new Map();
  for (const point of series) {
    const group = groups.get(point.pid);
    if (group) group.push(point);
    else groups.set(point.pid, [point]);
  }
  return [...groups.values()];
}

/** A gauge's step line: each reading holds from its sample until the next. */
function stepForward(points, x, y) {
  const path = new Path2D();
  path.moveTo(x(points[0].at_s), y(points[0].value));
  for (let n = 1; n < points.length; n += 1) {
    path.lineTo(x(points[n].at_s), y(points[n - 1].value));
    path.lineTo(x(points[n].at_s), y(points[n].value));
  }
  return { path, from: points[0].at_s };
}

/**
 * A windowed share's step line: each reading covers the time since the sample before it (the
 * first, `windowS` before it). A gap of more than two windows is the sampler idle: drawn at 0.
 */
function stepBack(points, windowS, x, y) {
  const path = new Path2D();
  const from = points[0].at_s - windowS;
  path.moveTo(x(from), y(points[0].value));
  path.lineTo(x(points[0].at_s), y(points[0].value));
  for (let n = 1; n < points.length; n += 1) {
    const start = Math.max(points[n - 1].at_s, points[n].at_s - 2 * windowS);
    if (start > points[n - 1].at_s) {
      path.lineTo(x(points[n - 1].at_s), y(0));
      path.lineTo(x(start), y(0));
    }
    path.lineTo(x(start), y(points[n].value));
    path.lineTo(x(points[n].at_s), y(points[n].value));
  }
  return { path, from };
}

/**
 * `on`'s points raised by `series`' reading taken with each (the same process and moment): the
 * top of a band stacked on `series`. A point with no reading beside it is left out.
 */
function stackOn(series, on) {
  const base = new Map(series.map((point) => [`${point.pid}@${point.at_s}`, point.value]));
  const stacked = [];
  for (const point of on) {
    const under = base.get(`${point.pid}@${point.at_s}`);
    if (under !== undefined) stacked.push({ ...point, value: under + point.value });
  }
  return stacked;
}

export class CounterLane {
  /**
   * `series`: the lane's name in the run's `lanes`; `label` says what it counts, in words;
   * `colour`: a CSS variable; `ceiling`: a value drawn as a dashed line, or null;
   * `lookback`: each value is a span in ms ending at its sample (the loop's stalls), drawn
   * as a block over that span instead of a step line;
   * `windowS`: each value is a share of the window of about this many seconds that ended at
   * its sample (the CPU), drawn back over that window instead of forward to the next sample;
   * `stack`: `{series, colour}`, a second series in the same unit, sampled with this one,
   * drawn as a band on top of it (the CPU the loop waited for, above the CPU used);
   * `headroom`: how far above its highest value the lane's top stands (a factor);
   * `playground/lane_display.py` gives every option.
   */
  constructor({ series, label, colour = "--c-lane", ceiling = null, lookback = false, windowS = null, stack = null, headroom }) {
    this.series = series;
    this.lookback = lookback;
    this.windowS = Number.isFinite(windowS) && windowS > 0 ? windowS : null;
    this.label = label;
    this.colour = colour;
    this.ceiling = Number.isFinite(ceiling) && ceiling > 0 ? ceiling : null;
    this.element = document.createElement("div");
    this.element.className = "lane";
    this.element.dataset.lane = series;
    this.canvas = document.createElement("canvas");
    this.canvas.className = "lane-canvas";
    this.canvas.setAttribute("aria-label", label);
    this.element.dataset.label = label;
    this.stack = stack;
    this.headroom = headroom;
    this.element.append(this.canvas);
    this.drawn = { points: 0, stacked: 0, ymax: 0, ceiling: this.ceiling };
  }

  draw(scene) {
    const { layout, colours } = scene;
    const series = scene.model.lanes.get(this.series) ?? [];
    const stacked = this.stack ? stackOn(series, scene.model.lanes.get(this.stack.series) ?? []) : [];
    // Quiet: sampled, and never off zero. Presenter mode folds such a lane to one line of text.
    const quiet = (point) => point.value === 0;
    this.element.toggleAttribute("data-quiet", series.length > 0 && series.every(quiet) && stacked.every(quiet));
    const { context: g, width, height } = fitCanvas(this.canvas);
    const box = plotBox(width, height, layout.lane);
    const x = timeToX(scene.seconds, box);
    let highest = this.ceiling ?? 0;
    for (const point of [...series, ...stacked]) highest = Math.max(highest, point.value);
    const ymax = highest > 0 ? highest * this.headroom : 1;
    const y = (value) => box.bottom - (Math.max(0, value) / ymax) * box.height;
    const colour = colours.variable(this.colour) || colours.text;

    g.clearRect(0, 0, width, height);
    drawTimeAxis(g, { x, tmax: scene.seconds, box, layout, colours });
    // The scale reads the highest value itself, at its level (the top is headroom above it).
    if (highest > 0) {
      const level = y(highest) + layout.firstRowBaseline / 2;
      drawMarginLabel(g, formatValue(highest), level, { box, layout, colours });
    }
    drawMarginLabel(g, "0", box.bottom, { box, layout, colours });

    g.save();
    g.beginPath();
    g.rect(box.left, 0, box.width, height);
    g.clip();
    g.strokeStyle = colour;
    g.fillStyle = colour;
    g.lineWidth = layout.line;
    if (this.lookback) {
      // Each sample is a stall that ended when it was taken: a block over the time it lasted.
      for (const point of series) {
        const left = x(point.at_s - point.value / 1000);
        g.globalAlpha = 0.35;
        g.fillRect(left, y(point.value), Math.max(x(point.at_s) - left, layout.hairline), box.bottom - y(point.value));
        g.globalAlpha = 1;
        g.fillRect(left, y(point.value), Math.max(x(point.at_s) - left, layout.hairline), layout.hairline);
      }
    }
    const lines = (values) => byProcess(values).map((points) => {
      const step = this.windowS === null ? stepForward(points, x, y) : stepBack(points, this.windowS, x, y);
      const area = new Path2D(step.path);
      area.lineTo(x(points[points.length - 1].at_s), box.bottom);
      area.lineTo(x(step.from), box.bottom);
      area.closePath();
      return { line: step.path, area };
    });
    const own = this.lookback ? [] : lines(series);
    if (stacked.length) {
      // The band between this lane's own line and the stacked one: outside its own area.
      const band = new Path2D();
      band.rect(box.left, 0, box.width, height);
      for (const { area } of own) band.addPath(area);
      const stackColour = colours.variable(this.stack.colour) || colours.text;
      g.save();
      g.clip(band, "evenodd");
      g.fillStyle = stackColour;
      g.strokeStyle = stackColour;
      for (const { line, area } of lines(stacked)) {
        g.globalAlpha = 0.5;
        g.fill(area);
        g.globalAlpha = 1;
        g.stroke(line);
      }
      g.restore();
    }
    for (const { line, area } of own) {
      g.save();
      g.globalAlpha = 0.2;
      g.fill(area);
      g.restore();
      g.stroke(line);
    }
    g.restore();

    if (this.ceiling !== null) {
      const level = Math.round(y(this.ceiling)) + 0.5;
      g.save();
      g.strokeStyle = colours.predicted;
      g.lineWidth = layout.hairline;
      g.setLineDash(layout.shortDash);
      g.beginPath();
      g.moveTo(box.left, level);
      g.lineTo(box.right, level);
      g.stroke();
      g.restore();
      g.fillStyle = colours.predicted;
      g.font = layout.font;
      g.textAlign = "right";
      g.fillText(`ceiling ${formatValue(this.ceiling)}`, box.right, box.top - layout.gap);
    }
    g.fillStyle = colour;
    g.font = layout.boldFont;
    g.textAlign = "left";
    g.fillText(this.label, box.left, box.top - layout.gap);
    drawPredicted(g, { x, predictedS: scene.predictedS, box, layout, colours, withLabel: false });
    this.drawn = { points: series.length, stacked: stacked.length, ymax, ceiling: this.ceiling };
  }
}
