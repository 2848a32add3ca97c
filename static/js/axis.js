// What every lane draws on the shared time axis: the grid with its labels, and the
// predicted makespan as a dashed line.

import { timeTicks } from "./scale.js";

/** Grid lines at nice times across `box`; the labels under it when `labelsAt` (a baseline y) is given. */
export function drawTimeAxis(g, { x, tmax, box, labelsAt = null, layout, colours }) {
  g.strokeStyle = colours.grid;
  g.fillStyle = colours.text;
  g.lineWidth = layout.hairline;
  g.font = layout.font;
  g.textAlign = "center";
  for (const tick of timeTicks(tmax, box.width, layout)) {
    const px = Math.round(x(tick.t)) + 0.5;
    g.beginPath();
    g.moveTo(px, box.top);
    g.lineTo(px, box.bottom);
    g.stroke();
    if (labelsAt !== null) g.fillText(tick.label, px, labelsAt);
  }
}

/** The makespan predicted before the run, a dashed line across `box`, labelled (if `withLabel`)
 * above the plot, in its top margin, where no bar is. */
export function drawPredicted(g, { x, predictedS, box, layout, colours, withLabel = true }) {
  if (!predictedS) return;
  const px = Math.round(x(predictedS)) + 0.5;
  g.save();
  g.strokeStyle = colours.predicted;
  g.lineWidth = layout.line;
  g.setLineDash(layout.dash);
  g.beginPath();
  g.moveTo(px, box.top);
  g.lineTo(px, box.bottom);
  g.stroke();
  g.restore();
  if (!withLabel) return;
  g.fillStyle = colours.predicted;
  const nearLeft = px < box.left + layout.nearLeft;
  g.textAlign = nearLeft ? "left" : "right";
  g.font = layout.boldFont;
  g.fillText("predicted", nearLeft ? px + layout.nudge : px - layout.nudge, box.top - layout.gap);
}

/** A value label right-aligned in the left margin, at baseline `y`. */
export function drawMarginLabel(g, text, y, { box, layout, colours }) {
  g.fillStyle = colours.text;
  g.font = layout.font;
  g.textAlign = "right";
  g.fillText(text, box.left - layout.gap, y);
}
