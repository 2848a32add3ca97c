// Scales and layout: where a moment of the run and a request fall on a canvas, and every size
// in CSS px derived from the root font size, so presenter mode scales the canvases, text and
// all, by changing that one size.

/** The root element's font size in CSS px: 1 rem. */
export const rootFontPx = () =>
  Number.parseFloat(getComputedStyle(document.documentElement).fontSize) || 16;

/** Every size the canvases use, in CSS px, for a root font of `remPx`. */
export function layoutFor(remPx) {
  const rem = (n) => n * remPx;
  const fontPx = rem(0.75);
  return {
    remPx,
    fontPx,
    font: `${fontPx}px system-ui, sans-serif`,
    boldFont: `bold ${fontPx}px system-ui, sans-serif`,
    titlePx: rem(1.125),
    titleFont: `bold ${rem(1.125)}px system-ui, sans-serif`,
    titleBand: rem(2.25),          // the PNG's title above the canvases
    requests: { left: rem(3.5), right: rem(0.875), top: rem(1.25), bottom: rem(1.625) },  // "predicted" on top
    strip: { left: rem(3.5), right: rem(0.875), top: rem(0.5), bottom: rem(0.5) },
    lane: { left: rem(3.5), right: rem(0.875), top: rem(1.25), bottom: rem(0.375) },  // its label on top
    tickSpacing: rem(7),           // about one time label per this many px
    gap: rem(0.375),               // between a label and what it names
    nudge: rem(0.25),
    labelBaseline: rem(0.75),      // a label's baseline below the top of its plot
    firstRowBaseline: rem(0.625),  // "#1" beside the first row
    axisLabelRise: rem(0.5),       // the time labels' baseline above the canvas's bottom
    line: rem(0.125),              // lines that carry data: the bystander, predicted, counters
    hairline: Math.max(1, rem(0.0625)),
    dash: [rem(0.375), rem(0.25)],
    shortDash: [rem(0.25), rem(0.1875)],
    nearLeft: rem(5),              // a label this close to the plot's left edge goes right of its mark
  };
}

/** The plotting area of a canvas `width` × `height` CSS px inside `margin`. */
export function plotBox(width, height, margin) {
  const left = margin.left;
  const top = margin.top;
  const plotWidth = Math.max(1, width - margin.left - margin.right);
  const plotHeight = Math.max(1, height - margin.top - margin.bottom);
  return { left, top, width: plotWidth, height: plotHeight, right: left + plotWidth, bottom: top + plotHeight };
}

/** Seconds on the run's clock → x in CSS px, for an axis from 0 to `tmax` across `box`. */
export const timeToX = (tmax, box) => (t) => box.left + (t / tmax) * box.width;

/** A step of 1, 2 or 5 × 10^k that gives about `count` ticks over `span`. */
export function niceStep(span, count) {
  const raw = span / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const scaled = raw / power;
  return (scaled < 1.5 ? 1 : scaled < 3.5 ? 2 : scaled < 7.5 ? 5 : 10) * power;
}

/** The time axis's ticks from 0 to `tmax` over `plotWidth` px: `[{t, label}]`. */
export function timeTicks(tmax, plotWidth, layout) {
  const step = niceStep(tmax, Math.max(2, Math.floor(plotWidth / layout.tickSpacing)));
  const label = (t) =>
    step < 0.01 ? `${(t * 1000).toFixed(1)} ms` : step < 1 ? `${(t * 1000).toFixed(0)} ms` : `${t.toFixed(0)} s`;
  const ticks = [];
  for (let t = 0; t <= tmax + 1e-9; t += step) ticks.push({ t, label: label(t) });
  return ticks;
}

/**
 * How far the axes reach. They grow in steps while the run goes, so what was painted of the
 * finished rows stays valid for many frames; at the end they fit the run exactly.
 */
export class Extent {
  constructor() {
    this.seconds = 0;
    this.rows = 0;
  }

  fit({ seconds, rows, exact }) {
    if (exact) {
      this.seconds = seconds;
      this.rows = rows;
      return this;
    }
    if (seconds > this.seconds) this.seconds = Math.max(seconds, this.seconds * 1.5);
    if (rows > this.rows) this.rows = Math.max(rows, Math.ceil(this.rows * 1.5));
    return this;
  }
}
