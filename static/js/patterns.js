// The pattern each category of bar wears, so that waiting, in the handler, the parts the lab
// reported, failed and cancelled stay apart in greyscale and for every kind of colour vision:
// the canvas fills bars with them and the legend shows the very same tiles.

import { partColour } from "./colours.js";

const TILE_REM = 0.5;       // one tile's side, as the legend's background-size says too
const TILE_PX = 32;         // the legend's tile bitmap: crisp at any root size

/** What each category is painted with: a colour name in `colours` and a pattern. */
export function fillOf(colours, category) {
  if (category.startsWith("part-")) {
    const n = Number(category.slice(5)) || 0;
    return { colour: partColour(colours, n), pattern: ["dots", "grid", "vertical"][n % 3] };
  }
  return {
    connecting: { colour: colours.connecting, pattern: "rhatch" },
    queued: { colour: colours.queued, pattern: "hatch" },
    waiting: { colour: colours.waiting, pattern: "hatch" },
    running: { colour: colours.running, pattern: "solid" },
    failed: { colour: colours.error, pattern: "cross" },
    cancelled: { colour: colours.cancelled, pattern: "horizontal" },
    tail: { colour: colours.tail, pattern: "solid" },
  }[category] ?? { colour: colours.text, pattern: "solid" };
}

// One tile `size` px square of `pattern` over `colour`: light marks on the hatched and dotted
// (lighter than their colour), dark ones on the rest (darker), so their grey differs too.
function paintTile(g, { colour, pattern }, size, colours) {
  g.fillStyle = colour;
  g.fillRect(0, 0, size, size);
  if (pattern === "solid") return;
  const light = ["hatch", "rhatch", "dots", "horizontal"].includes(pattern);
  g.fillStyle = g.strokeStyle = light ? colours.patternLight : colours.patternDark;
  g.globalAlpha = light ? 0.55 : 0.6;
  g.lineWidth = size * 0.22;
  g.lineCap = "square";
  const line = (x0, y0, x1, y1) => {
    g.beginPath();
    g.moveTo(x0, y0);
    g.lineTo(x1, y1);
    g.stroke();
  };
  if (pattern === "hatch") {
    // Diagonal stripes that join across tiles: the tile's diagonal and its two corners.
    line(-size / 2, size / 2, size / 2, -size / 2);
    line(0, size, size, 0);
    line(size / 2, size * 1.5, size * 1.5, size / 2);
  } else if (pattern === "rhatch") {
    // The other diagonal, so connecting and queued differ in greyscale too.
    line(-size / 2, size / 2, size / 2, size * 1.5);
    line(0, 0, size, size);
    line(size / 2, -size / 2, size * 1.5, size / 2);
  } else if (pattern === "cross") {
    line(0, 0, size, size);
    line(0, size, size, 0);
  } else if (pattern === "grid") {
    g.lineWidth = size * 0.16;
    line(size / 2, 0, size / 2, size);
    line(0, size / 2, size, size / 2);
  } else if (pattern === "vertical") {
    line(size / 2, 0, size / 2, size);
  } else if (pattern === "horizontal") {
    g.lineWidth = size * 0.3;
    line(0, size / 2, size, size / 2);
  } else if (pattern === "dots") {
    g.beginPath();
    g.arc(size / 2, size / 2, size * 0.2, 0, 2 * Math.PI);
    g.fill();
  }
  g.globalAlpha = 1;
}

function tile(fill, size, colours) {
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = Math.max(2, Math.round(size));
  paintTile(canvas.getContext("2d"), fill, canvas.width, colours);
  return canvas;
}

const cache = new WeakMap();   // context → ("category colours size" → CanvasPattern)

/**
 * The fill for `category` on context `g` at a root font of `remPx`: a colour for solid bars, else
 * a pattern whose tile is drawn at the context's own resolution (crisp on any screen or export).
 */
export function canvasFill(g, colours, category, remPx) {
  const fill = fillOf(colours, category);
  if (fill.pattern === "solid") return fill.colour;
  const scale = Math.abs(g.getTransform().a) || 1;
  const size = Math.round(TILE_REM * remPx * scale);
  const key = [category, fill.colour, colours.patternLight, colours.patternDark, size].join(" ");
  let patterns = cache.get(g);
  if (!patterns) cache.set(g, (patterns = new Map()));
  if (!patterns.has(key)) {
    const pattern = g.createPattern(tile(fill, size, colours), "repeat");
    pattern.setTransform(new DOMMatrix().scale(1 / scale));
    patterns.set(key, pattern);
  }
  return patterns.get(key);
}

/** Dress a legend `swatch` as `category`'s bars: its colour and its pattern's tile. */
export function paintSwatch(swatch, colours, category) {
  const fill = fillOf(colours, category);
  swatch.style.backgroundColor = fill.colour;
  swatch.style.backgroundImage = fill.pattern === "solid" ? "none" : `url(${tile(fill, TILE_PX, colours).toDataURL()})`;
  swatch.style.backgroundSize = `${TILE_REM}rem ${TILE_REM}rem`;
  swatch.style.backgroundRepeat = "repeat";
  swatch.dataset.swatch = category;
}

/** Draw `category`'s swatch at x, y, w × h on context `g` (the PNG's legend). */
export function drawSwatch(g, colours, category, { x, y, width, height, remPx }) {
  g.fillStyle = canvasFill(g, colours, category, remPx);
  g.fillRect(x, y, width, height);
}
