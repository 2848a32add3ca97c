// Painting on canvases: frames on requestAnimationFrame, a layer that keeps what never changes,
// and bars merged where many rows share one pixel row.

let ratioOverride = null;   // device px per CSS px while `atPixelRatio` paints

/** Run `paint()` with canvases sized `ratio` device px per CSS px (an export at 2×). */
export function atPixelRatio(ratio, paint) {
  ratioOverride = ratio;
  try {
    paint();
  } finally {
    ratioOverride = null;
  }
}

/** Size `canvas` for the device's pixels; draw on the context in CSS px. */
export function fitCanvas(canvas) {
  const ratio = ratioOverride ?? (window.devicePixelRatio || 1);
  const width = Math.max(1, Math.round(canvas.clientWidth * ratio));
  const height = Math.max(1, Math.round(canvas.clientHeight * ratio));
  if (canvas.width !== width || canvas.height !== height) {
    canvas.width = width;
    canvas.height = height;
  }
  const context = canvas.getContext("2d");
  context.setTransform(ratio, 0, 0, ratio, 0, 0);
  return { context, width: canvas.clientWidth, height: canvas.clientHeight };
}

/* While a run goes, a frame every LIVE_FRAME_MS, not at every animation frame: at 60 a second,
   Chromium without a GPU spent a core and a half on a live run at 1920×1080 (at 30, 0.8),
   taken from the lab it measures on the same machine. The wait ends half a frame early, so the
   frame clock's next tick is the one that far on. */
const LIVE_FRAME_MS = 1000 / 30;
const HALF_A_FRAME_MS = 8;

/**
 * Draws `paint()` on animation frames: once per `schedule()` however often it is called, and
 * while `live()` says the picture moves by itself (bars growing with the clock) again and
 * again, `LIVE_FRAME_MS` apart.
 */
export class Painter {
  constructor(paint, { live = () => false } = {}) {
    this.paint = paint;
    this.live = live;
    this.scheduled = false;
    this.stopped = false;
    this.paintedAt = -Infinity;
  }

  schedule() {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    const frame = () => requestAnimationFrame(() => {
      this.scheduled = false;
      if (this.stopped) return;
      this.paintedAt = performance.now();
      this.paint();
      if (this.live()) this.schedule();
    });
    const early = this.live() ? this.paintedAt + LIVE_FRAME_MS - performance.now() : 0;
    if (early > HALF_A_FRAME_MS) setTimeout(frame, early - HALF_A_FRAME_MS);
    else frame();
  }

  stop() {
    this.stopped = true;
  }
}

/**
 * An offscreen copy of a canvas for what never changes once painted (finished rows): a frame
 * copies it and paints only what moves. It starts over whenever `key` (size, scales,
 * colours) changes.
 */
export class Layer {
  constructor() {
    this.canvas = document.createElement("canvas");
    this.key = "";
  }

  /** The layer's context in CSS px for a canvas of `width` × `height` CSS px; `fresh` if cleared. */
  prepare(target, width, height, key) {
    const fresh = key !== this.key;
    if (fresh) {
      this.key = key;
      this.canvas.width = target.width;
      this.canvas.height = target.height;
    }
    const context = this.canvas.getContext("2d");
    context.setTransform(target.width / width, 0, 0, target.height / height, 0, 0);
    return { context, fresh };
  }
}

/**
 * Bars of one colour. With rows thinner than a pixel (`merge`), neighbouring rows share a
 * pixel row: bars that overlap there are painted as one rectangle, a few hundred instead of
 * 10,000. Call `flush()` before changing colour.
 */
export class Bars {
  constructor(context, { merge }) {
    this.context = context;
    this.merge = merge;
    this.pending = null;   // {left, right, top, bottom, pixelRow}
    this.painted = 0;      // rectangles painted
  }

  add(left, right, top, height) {
    right = left + Math.max(right - left, 1);
    const pixelRow = Math.floor(top);
    const pending = this.pending;
    if (this.merge && pending && pending.pixelRow === pixelRow
        && left <= pending.right + 1 && right >= pending.left - 1) {
      pending.left = Math.min(pending.left, left);
      pending.right = Math.max(pending.right, right);
      pending.bottom = Math.max(pending.bottom, top + height);
      return;
    }
    this.flush();
    this.pending = { left, right, top, bottom: top + height, pixelRow };
  }

  flush() {
    const bar = this.pending;
    if (!bar) return;
    this.context.fillRect(bar.left, bar.top, bar.right - bar.left, bar.bottom - bar.top);
    this.painted += 1;
    this.pending = null;
  }
}
