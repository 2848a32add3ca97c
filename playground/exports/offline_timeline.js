// Draws an exported run from the JSON inlined in the same file: no stream, no requests.
// The page's painter, reduced: one pass per colour, rows thinner than a pixel merged.
(() => {
  "use strict";
  const run = JSON.parse(document.getElementById("run-data").textContent);
  const c = run.colours;
  const margin = { left: 64, right: 16, top: 10, bottom: 26 };

  const niceStep = (span, count) => {
    const raw = span / Math.max(1, count);
    const power = 10 ** Math.floor(Math.log10(raw));
    const scaled = raw / power;
    return (scaled < 1.5 ? 1 : scaled < 3.5 ? 2 : scaled < 7.5 ? 5 : 10) * power;
  };

  const fit = (canvas) => {
    const ratio = window.devicePixelRatio || 1;
    canvas.width = Math.round(canvas.clientWidth * ratio);
    canvas.height = Math.round(canvas.clientHeight * ratio);
    const g = canvas.getContext("2d");
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    g.font = "12px system-ui, sans-serif";
    return { g, width: canvas.clientWidth, height: canvas.clientHeight };
  };

  const scaleX = (width) => (t) => margin.left + (t / run.span_s) * (width - margin.left - margin.right);

  const axis = (g, x, top, bottom, labelAt) => {
    const step = niceStep(run.span_s, Math.max(2, Math.floor((x(run.span_s) - x(0)) / 90)));
    g.strokeStyle = c.grid;
    g.fillStyle = c.text;
    g.textAlign = "center";
    for (let t = 0; t <= run.span_s + 1e-9; t += step) {
      const px = Math.round(x(t)) + 0.5;
      g.beginPath();
      g.moveTo(px, top);
      g.lineTo(px, bottom);
      g.stroke();
      const label = step < 0.01 ? `${(t * 1000).toFixed(1)} ms` : step < 1 ? `${(t * 1000).toFixed(0)} ms` : `${t.toFixed(0)} s`;
      if (labelAt) g.fillText(label, px, labelAt);
    }
  };

  const predicted = (g, x, top, bottom) => {
    if (!run.predicted_s) return;
    const px = Math.round(x(run.predicted_s)) + 0.5;
    g.save();
    g.strokeStyle = c.predicted;
    g.lineWidth = 2;
    g.setLineDash([6, 4]);
    g.beginPath();
    g.moveTo(px, top);
    g.lineTo(px, bottom);
    g.stroke();
    g.restore();
  };

  const drawTimeline = (canvas) => {
    const { g, width, height } = fit(canvas);
    const x = scaleX(width);
    const top = margin.top, bottom = height - margin.bottom;
    const count = Math.max(1, ...run.rows.map((row) => row.i + 1));
    const rowHeight = (bottom - top) / count;
    const barHeight = Math.max(rowHeight - (rowHeight > 4 ? 1 : 0), 0.6);
    const merge = rowHeight < 1;
    axis(g, x, top, bottom, height - 8);
    let pending = null;
    let rects = 0;
    const flush = () => {
      if (pending) g.fillRect(pending.left, pending.top, pending.right - pending.left, pending.bottom - pending.top);
      if (pending) rects += 1;
      pending = null;
    };
    const bar = (from, to, y, h) => {
      const left = x(from), right = left + Math.max(x(to) - left, 1), pixelRow = Math.floor(y);
      if (merge && pending && pending.pixelRow === pixelRow && left <= pending.right + 1 && right >= pending.left - 1) {
        pending.left = Math.min(pending.left, left);
        pending.right = Math.max(pending.right, right);
        pending.bottom = Math.max(pending.bottom, y + h);
        return;
      }
      flush();
      pending = { left, right, top: y, bottom: y + h, pixelRow };
    };
    const lanes = run.span_names.length;
    const laneHeight = (barHeight * 0.7) / Math.max(lanes, 1);
    const ok = (row) => !row.error && row.began_s != null && row.ended_s != null;
    const passes = [
      [c.waiting, (row, y) => ok(row) && bar(row.sent_s, row.began_s, y, barHeight)],
      [c.running, (row, y) => ok(row) && bar(row.began_s, row.ended_s, y, barHeight)],
      ...run.span_names.map((name, lane) => [c.spans[lane % c.spans.length], (row, y) => {
        if (!ok(row)) return;
        for (const part of row.spans) {
          if (part.name === name) bar(part.began, part.ended, y + barHeight * 0.15 + lane * laneHeight, laneHeight);
        }
      }]),
      [c.tail, (row, y) => ok(row) && row.received_s != null
        && bar(row.ended_s, row.received_s, y + barHeight * 0.4, Math.max(barHeight * 0.2, 0.5))],
      [c.error, (row, y) => row.error && bar(row.sent_s, row.received_s ?? run.end_s, y, barHeight)],
    ];
    for (const [colour, paint] of passes) {
      g.fillStyle = colour;
      for (const row of run.rows) paint(row, top + row.i * rowHeight);
      flush();
    }
    g.fillStyle = c.text;
    g.textAlign = "right";
    g.fillText("#1", margin.left - 6, top + 10);
    g.fillText(`#${count.toLocaleString()}`, margin.left - 6, bottom);
    predicted(g, x, top, bottom);
    return rects;
  };

  // The bystander's latency over time, on a strip of its own.
  const drawBystander = (canvas, series, colour) => {
    const { g, width, height } = fit(canvas);
    const x = scaleX(width);
    const top = 8, bottom = height - 8;
    let ymax = 0;
    for (const points of series) for (const point of points) ymax = Math.max(ymax, point.value);
    ymax = Math.max(20, ymax * 1.1);
    const y = (value) => bottom - (value / ymax) * (bottom - top);
    axis(g, x, top, bottom, 0);
    g.strokeStyle = colour;
    g.lineWidth = 2;
    for (const points of series) {
      g.beginPath();
      points.forEach((point, n) => (n ? g.lineTo(x(point.at_s), y(point.value)) : g.moveTo(x(point.at_s), y(point.value))));
      g.stroke();
    }
    g.fillStyle = c.text;
    g.textAlign = "right";
    g.fillText(ymax >= 1000 ? `${(ymax / 1000).toFixed(1)} s` : `${Math.round(ymax * 10) / 10} ms`, margin.left - 6, top + 10);
    g.fillText("0", margin.left - 6, bottom);
    predicted(g, x, top, bottom);
  };

  // One of the lab's lanes, as `playground/exports/lanes.py` laid it out: each block shaded with
  // its value as a line on top, the band stacked on it, the pool's size dashed.
  const drawLane = (canvas, strip) => {
    const { g, width, height } = fit(canvas);
    const x = scaleX(width);
    const top = 8, bottom = height - 8;
    const y = (value) => bottom - (value / strip.top) * (bottom - top);
    axis(g, x, top, bottom, 0);
    for (const [blocks, colour] of [[strip.blocks, strip.colour], [strip.band, strip.band_colour]]) {
      g.fillStyle = colour;
      for (const [from, to, low, high] of blocks) {
        if (high <= low) continue;
        const left = x(from), span = Math.max(x(to) - left, 0.5);
        g.globalAlpha = 0.45;
        g.fillRect(left, y(high), span, y(low) - y(high));
        g.globalAlpha = 1;
        g.fillRect(left, y(high), span, 1.5);
      }
    }
    if (strip.ceiling) {
      g.save();
      g.strokeStyle = strip.colour;
      g.setLineDash([4, 3]);
      g.beginPath();
      g.moveTo(margin.left, Math.round(y(strip.ceiling)) + 0.5);
      g.lineTo(width - margin.right, Math.round(y(strip.ceiling)) + 0.5);
      g.stroke();
      g.restore();
    }
    g.fillStyle = c.text;
    g.textAlign = "right";
    g.fillText(strip.highest_label, margin.left - 6, y(strip.highest) + 4);
    g.fillText("0", margin.left - 6, bottom);
    predicted(g, x, top, bottom);
  };

  const draw = () => {
    const rects = drawTimeline(document.getElementById("timeline"));
    // Each ping where its answer came, as the page draws it (static/js/lanes/bystander.js).
    const pings = run.pings.filter((ping) => ping.latency_ms != null)
      .map((ping) => ({ at_s: ping.at_s + ping.latency_ms / 1000, value: ping.latency_ms }));
    drawBystander(document.getElementById("bystander"), [pings], c.bystander);
    for (const strip of run.strips) drawLane(document.querySelector(`canvas[data-lane="${CSS.escape(strip.series)}"]`), strip);
    document.body.dataset.drawnRows = String(run.rows.length);
    document.body.dataset.drawnRects = String(rects);
  };

  draw();
  window.addEventListener("resize", draw);
})();
