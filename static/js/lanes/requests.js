// The requests lane: one row per request. Amber while waiting (sent → the handler began), blue
// in the handler, the parts the lab reported in lanes inside the bar, a thin grey tail while
// the response travels back, red when it failed.
//
// Finished rows never change: they are painted once onto a layer, and a frame copies the
// layer and paints only the requests still in flight.

import { drawMarginLabel, drawPredicted, drawTimeAxis } from "../axis.js";
import { partColour } from "../colours.js";
import { Bars, fitCanvas, Layer } from "../painter.js";
import { plotBox, timeToX } from "../scale.js";

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
      model.partNames.length, colours.running, layout.remPx].join();
    const { context: layer, fresh } = this.layer.prepare(this.canvas, width, height, key);
    if (fresh) {
      this.paintedRows = 0;
      this.bars = 0;
    }
    if (this.paintedRows < model.finishedOrder.length) {
      const batch = model.finishedOrder.slice(this.paintedRows).map((i) => ({ row: model.rows[i], top: rowTop(i) }));
      this.bars += paintFinished(layer, batch, { x, barHeight, merge: rowHeight < 1, model, colours });
      this.paintedRows = model.finishedOrder.length;
    }

    g.clearRect(0, 0, width, height);
    drawTimeAxis(g, { x, tmax: scene.seconds, box, labelsAt: height - layout.axisLabelRise, layout, colours });
    drawMarginLabel(g, "#1", box.top + layout.firstRowBaseline, { box, layout, colours });
    drawMarginLabel(g, `#${scene.rows.toLocaleString()}`, box.bottom, { box, layout, colours });
    g.drawImage(this.layer.canvas, 0, 0, width, height);
    paintInFlight(g, { model, x, rowHeight, barHeight, box, now: scene.now, colours });
    drawPredicted(g, { x, predictedS: scene.predictedS, box, layout, colours });
  }
}

// In flight: waiting from when it was sent until now. Rows thinner than a pixel are merged per
// pixel row, where they all end at `now` and the earliest start is the bar.
function paintInFlight(g, { model, x, rowHeight, barHeight, box, now, colours }) {
  g.fillStyle = colours.waiting;
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

// One pass per colour: few state changes, fast with 10,000 rows. Returns the rectangles painted.
function paintFinished(g, batch, { x, barHeight, merge, model, colours }) {
  const bars = new Bars(g, { merge });
  const bar = (from, to, top, height) => bars.add(x(from), x(to), top, height);
  const partLanes = model.partNames.length;
  const partHeight = (barHeight * 0.7) / Math.max(partLanes, 1);
  const passes = [
    {
      colour: colours.waiting,
      paint: (row, top) => {
        if (!row.error && row.began_s != null) bar(row.sent_s, row.began_s, top, barHeight);
      },
    },
    {
      colour: colours.running,
      paint: (row, top) => {
        if (!row.error && row.began_s != null) bar(row.began_s, row.ended_s, top, barHeight);
      },
    },
    // Reported parts (offloaded work, the pieces of a fan-out): a lane each, inside the bar.
    ...model.partNames.map((name, lane) => ({
      colour: partColour(colours, lane),
      paint: (row, top) => {
        if (row.error) return;
        for (const part of row.spans) {
          if (part.name === name) bar(part.began, part.ended, top + barHeight * 0.15 + lane * partHeight, partHeight);
        }
      },
    })),
    {
      colour: colours.tail,
      paint: (row, top) => {
        if (!row.error && row.ended_s != null && row.received_s != null) {
          bar(row.ended_s, row.received_s, top + barHeight * 0.4, Math.max(barHeight * 0.2, 0.5));
        }
      },
    },
    {
      colour: colours.error,
      paint: (row, top) => {
        if (row.error) bar(row.sent_s, row.received_s ?? model.clock.latestS, top, barHeight);
      },
    },
  ];
  for (const pass of passes) {
    g.fillStyle = pass.colour;
    for (const { row, top } of batch) pass.paint(row, top);
    bars.flush();
  }
  return bars.painted;
}
