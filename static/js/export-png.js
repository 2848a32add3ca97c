// One picture for slides: a title over the timeline's canvases, stacked as on the page, on the
// page's background.

/** The PNG of `canvases` (top to bottom) under `title`, as a data URL. */
export function timelinePng({ title, canvases, layout, colours }) {
  const ratio = window.devicePixelRatio || 1;
  const titleBand = Math.round(layout.titleBand * ratio);
  const out = document.createElement("canvas");
  out.width = Math.max(1, ...canvases.map((canvas) => canvas.width));
  out.height = titleBand + canvases.reduce((sum, canvas) => sum + canvas.height, 0);
  const g = out.getContext("2d");
  g.fillStyle = colours.background;
  g.fillRect(0, 0, out.width, out.height);
  g.fillStyle = colours.text;
  g.font = `bold ${layout.titlePx * ratio}px system-ui, sans-serif`;
  g.textBaseline = "alphabetic";
  g.fillText(title, layout.fontPx * ratio, titleBand * (2 / 3));
  let top = titleBand;
  for (const canvas of canvases) {
    g.drawImage(canvas, 0, top);
    top += canvas.height;
  }
  return out.toDataURL("image/png");
}

/** Offer the PNG as a download named after `title`. */
export function savePng(options) {
  const link = document.createElement("a");
  link.download = `${options.title.replace(/[^\w.-]+/g, "-")}.png`;
  link.href = timelinePng(options);
  link.click();
}
