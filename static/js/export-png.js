// Pictures for slides: a run's canvases redrawn at twice their resolution under its title and
// parameters, with the legend (patterns included), the key numbers and the verdict under them;
// several runs (the compare page) stacked into one picture.

import { atPixelRatio } from "./painter.js";
import { drawSwatch } from "./patterns.js";
import { rootFontPx } from "./scale.js";

const SCALE = 2;   // the picture's pixels per pixel of the canvas on the screen

const words = (element) => (element?.textContent ?? "").replace(/\s+/g, " ").trim();

/** `text` broken into lines no wider than `width` on `g` with its current font. */
function wrap(g, text, width) {
  const lines = [];
  let line = "";
  for (const word of text.split(" ")) {
    const next = line ? `${line} ${word}` : word;
    if (line && g.measureText(next).width > width) {
      lines.push(line);
      line = word;
    } else line = next;
  }
  if (line) lines.push(line);
  return lines;
}

/** What the run's page says around its canvases: title, parameters, legend, numbers, verdict. */
function readRun(run) {
  const legend = [...run.querySelectorAll(".timeline .legend li")].map((item) => {
    const swatch = item.querySelector(".swatch");
    return {
      label: words(item),
      category: swatch?.dataset.swatch ?? null,
      line: ["tail", "bystander", "predicted"].find((name) => swatch?.classList.contains(name)) ?? null,
    };
  });
  const numbers = [...run.querySelectorAll(".numbers .big")].map((box) => ({
    label: words(box.querySelector("span")),
    value: words(box.querySelector("strong")),
    note: words(box.querySelector("small")),
  }));
  return {
    title: words(run.querySelector(".run-head h2")) || run.dataset.title || "Async Playground",
    details: words(run.querySelector(".run-head p")),
    legend,
    numbers,
    verdict: [...run.querySelectorAll(".summary .verdict")].map(words).filter(Boolean),
  };
}

/** Sizes in the picture's pixels, from the page's root font and the picture's scale. */
function metricsFor(ratio) {
  const rem = rootFontPx() * ratio;
  const font = (size, weight = "") => `${weight} ${size * rem}px system-ui, sans-serif`.trim();
  return {
    rem,
    pad: 0.75 * rem,
    title: font(1.25, "bold"),
    text: font(0.8),
    label: font(0.7),
    value: font(1.25, "bold"),
    line: (size) => size * rem * 1.35,
  };
}

// The words and swatches under the canvases, drawn from `top` when `g` paints, else only
// measured; returns the height they take.
function drawFooter(g, facts, { width, top, m, colours, paint }) {
  let y = top + m.pad;
  // Legend: swatch and label, flowing into lines.
  g.font = m.label;
  const swatch = { width: 1.4 * m.rem, height: 0.7 * m.rem };
  let x = m.pad;
  const rowHeight = m.line(0.7);
  for (const item of facts.legend) {
    const itemWidth = swatch.width + 0.4 * m.rem + g.measureText(item.label).width + m.rem;
    if (x > m.pad && x + itemWidth > width - m.pad) {
      x = m.pad;
      y += rowHeight;
    }
    if (paint) {
      const mid = y + rowHeight / 2;
      if (item.category) {
        drawSwatch(g, colours, item.category, { x, y: mid - swatch.height / 2, ...swatch, remPx: m.rem });
      } else if (item.line) {
        g.strokeStyle = colours[item.line];
        g.lineWidth = (item.line === "bystander" ? 0.1875 : 0.125) * m.rem;
        g.setLineDash(item.line === "predicted" ? [0.375 * m.rem, 0.25 * m.rem] : []);
        g.beginPath();
        g.moveTo(x, mid);
        g.lineTo(x + swatch.width, mid);
        g.stroke();
        g.setLineDash([]);
      }
      g.fillStyle = colours.text;
      g.textBaseline = "middle";
      g.fillText(item.label, x + swatch.width + 0.4 * m.rem, mid);
    }
    x += itemWidth;
  }
  if (facts.legend.length) y += rowHeight + 0.5 * m.rem;
  // Key numbers: a column each.
  if (facts.numbers.length) {
    const column = (width - 2 * m.pad) / facts.numbers.length;
    facts.numbers.forEach((number, n) => {
      const left = m.pad + n * column;
      if (!paint) return;
      g.textBaseline = "top";
      g.fillStyle = colours.text;
      g.font = m.label;
      g.fillText(number.label, left, y, column - m.rem);
      g.font = m.value;
      g.fillText(number.value, left, y + m.line(0.7), column - m.rem);
      g.font = m.label;
      if (number.note) g.fillText(number.note, left, y + m.line(0.7) + m.line(1.25), column - m.rem);
    });
    y += m.line(0.7) * 2 + m.line(1.25) + 0.5 * m.rem;
  }
  // The verdict, wrapped.
  g.font = m.text;
  for (const text of facts.verdict) {
    for (const line of wrap(g, text, width - 2 * m.pad)) {
      if (paint) {
        g.textBaseline = "top";
        g.fillStyle = colours.text;
        g.fillText(line, m.pad, y);
      }
      y += m.line(0.8);
    }
  }
  return y + m.pad - top;
}

/**
 * One run as a picture: `lanes`' canvases redrawn by `draw()` at twice their resolution, under
 * the run's title and parameters, over its legend, key numbers and verdict, as read from
 * `run` (the `.run` element). Returns the picture's canvas.
 */
export function runPicture({ run, lanes, draw, colours }) {
  const ratio = SCALE * (window.devicePixelRatio || 1);
  const m = metricsFor(ratio);
  const facts = readRun(run);
  const out = document.createElement("canvas");
  const g = out.getContext("2d");
  atPixelRatio(ratio, () => {
    draw();
    const canvases = lanes.map((lane) => lane.canvas).filter((canvas) => canvas.width > 1);
    const width = Math.max(1, ...canvases.map((canvas) => canvas.width));
    // The header's height: the title and the parameters wrapped to the width.
    g.font = m.title;
    const titleLines = wrap(g, facts.title, width - 2 * m.pad);
    g.font = m.text;
    const detailLines = facts.details ? wrap(g, facts.details, width - 2 * m.pad) : [];
    const header = m.pad + titleLines.length * m.line(1.25) + detailLines.length * m.line(0.8) + 0.5 * m.rem;
    const canvasHeight = canvases.reduce((sum, canvas) => sum + canvas.height, 0);
    const footer = drawFooter(g, facts, { width, top: 0, m, colours, paint: false });
    out.width = width;
    out.height = Math.ceil(header + canvasHeight + footer);

    g.fillStyle = colours.background;
    g.fillRect(0, 0, out.width, out.height);
    g.fillStyle = colours.text;
    g.textBaseline = "top";
    let y = m.pad;
    g.font = m.title;
    for (const line of titleLines) {
      g.fillText(line, m.pad, y);
      y += m.line(1.25);
    }
    g.font = m.text;
    for (const line of detailLines) {
      g.fillText(line, m.pad, y);
      y += m.line(0.8);
    }
    y = header;
    for (const canvas of canvases) {
      g.drawImage(canvas, 0, y);
      y += canvas.height;
    }
    drawFooter(g, facts, { width, top: y, m, colours, paint: true });
  });
  draw();   // back to the screen's resolution
  return out;
}

/** Several pictures (`runPicture`s) stacked into one, under `title`, on `colours.background`. */
export function stackPictures(pictures, { title, colours }) {
  const m = metricsFor(SCALE * (window.devicePixelRatio || 1));
  const band = m.pad * 2 + m.line(1.25);
  const out = document.createElement("canvas");
  out.width = Math.max(1, ...pictures.map((picture) => picture.width));
  out.height = Math.ceil(band + pictures.reduce((sum, picture) => sum + picture.height, 0));
  const g = out.getContext("2d");
  g.fillStyle = colours.background;
  g.fillRect(0, 0, out.width, out.height);
  g.fillStyle = colours.text;
  g.font = m.title;
  g.textBaseline = "top";
  g.fillText(title, m.pad, m.pad);
  let y = band;
  for (const picture of pictures) {
    g.drawImage(picture, 0, y);
    y += picture.height;
    g.fillStyle = colours.grid;
    g.fillRect(0, y - 1, out.width, Math.max(1, m.rem / 16));
  }
  return out;
}

/** Offer `picture` (a canvas) as a PNG download named after `title`. */
export function savePng(picture, title) {
  const link = document.createElement("a");
  link.download = `${title.replace(/[^\w.-]+/g, "-")}.png`;
  link.href = picture.toDataURL("image/png");
  link.click();
}
