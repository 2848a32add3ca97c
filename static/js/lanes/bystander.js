// The bystander strip: every 50 ms the harness pings a trivial `async def` endpoint of the same
// lab; its latency, on the run's time axis, rises when the lab's event loop is blocked. Each ping
// is drawn when its answer came, where the line of a ping still waiting ends: a ping that waited
// out a 2 s block climbs across those 2 s, not up a cliff at the moment it was sent (the
// exports draw it so too: `answered_s` in playground/exports/run.py). Runs
// compared side by side share one latency scale: the worst ping of any of them, the
// `data-bystander-max` (ms) of an element around the strip.

import { drawMarginLabel, drawPredicted, drawTimeAxis } from "../axis.js";
import { fitCanvas } from "../painter.js";
import { plotBox, timeToX } from "../scale.js";

const PING_EVERY_S = 0.05;

/** When an answered ping's answer came, on the run's clock: where the strip draws it. */
const answeredS = (ping) => ping.at_s + ping.latency_ms / 1000;

export class BystanderLane {
  constructor(canvas) {
    this.canvas = canvas;
    this.element = canvas;
    this.drawn = { ymax: 0 };
  }

  draw(scene) {
    const { model, layout, colours } = scene;
    const { context: g, width, height } = fitCanvas(this.canvas);
    const box = plotBox(width, height, layout.strip);
    const x = timeToX(scene.seconds, box);
    const pings = model.pings;
    // Pings go one at a time: the one after the last answered ping went out at a known moment,
    // and while the lab is frozen it is still waiting now.
    const last = pings[pings.length - 1];
    const pendingFrom = last ? last.at_s + Math.max(PING_EVERY_S, (last.latency_ms ?? 0) / 1000) : 0;
    const pendingMs = model.finished ? 0 : Math.max(0, (scene.now - pendingFrom) * 1000);
    const shared = Number.parseFloat(this.canvas.closest("[data-bystander-max]")?.dataset.bystanderMax);
    const slowest = pings.reduce((a, b) => ((b.latency_ms ?? 0) > (a?.latency_ms ?? 0) ? b : a), null);
    const worst = Math.max(pendingMs, Number.isFinite(shared) ? shared : 0, slowest?.latency_ms ?? 0);
    const ymax = Math.max(20, worst * 1.1);
    // ymax for a shared scale; when the slowest ping's answer came, as drawn (the tests read it).
    this.drawn = { ymax, slowestAnsweredS: slowest ? answeredS(slowest) : null };
    const y = (ms) => box.bottom - (ms / ymax) * box.height;

    g.clearRect(0, 0, width, height);
    drawTimeAxis(g, { x, tmax: scene.seconds, box, layout, colours });
    const top = ymax >= 1000 ? `${(ymax / 1000).toFixed(1)} s` : `${Math.round(ymax)} ms`;
    drawMarginLabel(g, top, box.top + layout.firstRowBaseline, { box, layout, colours });
    drawMarginLabel(g, "0", box.bottom, { box, layout, colours });

    g.strokeStyle = colours.bystander;
    g.lineWidth = layout.line;
    g.beginPath();
    let first = true;
    for (const ping of pings) {
      if (ping.latency_ms == null) continue;
      if (first) g.moveTo(x(answeredS(ping)), y(ping.latency_ms));
      else g.lineTo(x(answeredS(ping)), y(ping.latency_ms));
      first = false;
    }
    g.stroke();
    if (pendingMs > 100) {
      g.save();
      g.setLineDash(layout.shortDash);
      g.beginPath();
      g.moveTo(x(pendingFrom), y(0));
      g.lineTo(x(pendingFrom + pendingMs / 1000), y(pendingMs));
      g.stroke();
      g.restore();
      g.fillStyle = colours.bystander;
      g.font = layout.font;
      g.textAlign = "left";
      g.fillText(`ping waiting ${Math.round(pendingMs)} ms…`, x(pendingFrom) + layout.gap, box.top + layout.labelBaseline);
    }
    g.fillStyle = colours.error;
    for (const ping of pings) {
      if (ping.error) g.fillRect(x(ping.at_s) - layout.hairline, box.top, 2 * layout.hairline, box.height);
    }
    drawPredicted(g, { x, predictedS: scene.predictedS, box, layout, colours, withLabel: false });
  }
}
