// The requests lane: one row per request, in four phases: connecting (sent → the lab's app saw
// it: the connection, or a loop too busy to read it), queued (arrived → the handler began: a
// threadpool token, other work ahead), in the handler, and a thin grey tail while the response
// travels back; the parts the lab reported in lanes inside the bar; crossed vermilion when it
// failed, striped grey when cancelled. Each category's fill comes from patterns.js. A row stored
// before arrivals were stamped is queued from when it was sent.
//
// Finished rows never change: they are painted once onto a layer, and a frame copies the
// layer and paints only the requests still in flight.

import { drawMarginLabel, drawPredicted, drawTimeAxis } from "../axis.js";
import { Bars, fitCanvas, Layer } from "../painter.js";
import { canvasFill } from "../patterns.js";
import { plotBox, timeToX } from "../scale.js";

/** The error of a request its run's cancel (or interrupt) left unanswered: schemas.CANCELLED_ERROR. */
export const CANCELLED = "cancelled";

export class RequestsLane {
  constructor(canvas) {
    this.canvas = canvas;
    this.element = canvas;
    this.layer = new Layer();
    this.paintedRows = 0;   // how many of the model's finished rows the layer shows
    this.bars = 0;          // rectangles on the layer
  }

  /** Forget what the layer shows: the next frame paints the model's finished rows afresh. */
  reset() {
    this.layer.key = "";
  }

  draw(scene) {
    const { model, layout, colours } = scene;
    const { context: g, width, height } = fitCanvas(this.canvas);
    const box = plotBox(width, height, layout.requests);
    const x = timeToX(scene.seconds, box);
    const rowHeight = box.height / scene.rows;
    const barHeight = Math.max(rowHeight - (rowHeight > 4 ? 1 : 0), 0.6);
    const rowTop = (i) => box.top + i * rowHeight;

    const key = [this.canvas.width, this.canvas.height, width, height, scene.seconds, scene.rows,
      model.partNames.length, colours.running, colours.waiting, colours.cancelled, layout.remPx].join();
    const { context: layer, fresh } = this.layer.prepare(this.canvas, width, height, key);
    if (fresh) {
      this.paintedRows = 0;
      this.bars = 0;
    }
    if (this.paintedRows < model.finishedOrder.length) {
      const batch = model.finishedOrder.slice(this.paintedRows).map((i) => ({ row: model.rows[i], top: rowTop(i) }));
      this.bars += paintFinished(layer, batch, { x, barHeight, merge: rowHeight < 1, model, colours, layout });
      this.paintedRows = model.finishedOrder.length;
    }

    g.clearRect(0, 0, width, height);
    drawTimeAxis(g, { x, tmax: scene.seconds, box, labelsAt: height - layout.axisLabelRise, layout, colours });
    drawMarginLabel(g, "#1", box.top + layout.firstRowBaseline, { box, layout, colours });
    drawMarginLabel(g, `#${scene.rows.toLocaleString()}`, box.bottom, { box, layout, colours });
    g.drawImage(this.layer.canvas, 0, 0, width, height);
    paintInFlight(g, { model, x, rowHeight, barHeight, box, now: scene.now, colours, layout });
    drawPredicted(g, { x, predictedS: scene.predictedS, box, layout, colours });
  }
}

// In flight: queued from when it was sent until now (where it waited is known once it is back).
// Rows thinner than a pixel are merged per pixel row, where they all end at `now` and the
// earliest start is the bar.
function paintInFlight(g, { model, x, rowHeight, barHeight, box, now, colours, layout }) {
  g.fillStyle = canvasFill(g, colours, "queued", layout.remPx);
  const earliest = new Map();   // top of a bar → the earliest request sent there
  for (const i of model.inFlight) {
    const top = rowHeight >= 1 ? box.top + i * rowHeight : box.top + Math.floor(i * rowHeight);
    const sent = model.rows[i].sent_s;
    if (!(earliest.get(top) <= sent)) earliest.set(top, sent);
  }
  const right = x(now);
  for (const [top, sent] of earliest) {
    const left = x(sent);
    g.fillRect(left, top, Math.max(right - left, 1), rowHeight >= 1 ? barHeight : 1);
  }
}

// One pass per category: few state changes, fast with 10,000 rows. Returns the rectangles painted.
function paintFinished(g, batch, { x, barHeight, merge, model, colours, layout }) {
  const bars = new Bars(g, { merge });
  const bar = (from, to, top, height) => bars.add(x(from), x(to), top, height);
  const partLanes = model.partNames.length;
  const partHeight = (barHeight * 0.7) / Math.max(partLanes, 1);
  const passes = [
    {
      category: "connecting",
      paint: (row, top) => {
        if (!row.error && row.began_s != null && row.arrived_s != null) {
          bar(row.sent_s, Math.min(row.arrived_s, row.began_s), top, barHeight);
        }
      },
    },
    {
      category: "queued",
      paint: (row, top) => {
        if (!row.error && row.began_s != null) bar(row.arrived_s ?? row.sent_s, row.began_s, top, barHeight);
      },
    },
    {
      category: "running",
      paint: (row, top) => {
        if (!row.error && row.began_s != null) bar(row.began_s, row.ended_s, top, barHeight);
      },
    },
    // Reported parts (offloaded work, the pieces of a fan-out): a lane each, inside the bar.
    ...model.partNames.map((name, lane) => ({
      category: `part-${lane}`,
      paint: (row, top) => {
        if (row.error) return;
        for (const part of row.spans) {
          if (part.name === name) bar(part.began, part.ended, top + barHeight * 0.15 + lane * partHeight, partHeight);
        }
      },
    })),
    {
      category: "tail",
      paint: (row, top) => {
        if (!row.error && row.ended_s != null && row.received_s != null) {
          bar(row.ended_s, row.received_s, top + barHeight * 0.4, Math.max(barHeight * 0.2, 0.5));
        }
      },
    },
    {
      category: "failed",
      paint: (row, top) => {
        if (row.error && row.error !== CANCELLED) bar(row.sent_s, row.received_s ?? model.clock.latestS, top, barHeight);
      },
    },
    // Never answered because the run was stopped: not a failure, a thinner bar of its own.
    {
      category: "cancelled",
      paint: (row, top) => {
        if (row.error === CANCELLED) bar(row.sent_s, model.clock.latestS, top + barHeight * 0.25, barHeight * 0.5);
      },
    },
  ];
  for (const pass of passes) {
    g.fillStyle = canvasFill(g, colours, pass.category, layout.remPx);
    for (const { row, top } of batch) pass.paint(row, top);
    bars.flush();
  }
  return bars.painted;
}
