// The live timeline: one row per request, drawn on a canvas from the run's event stream.
// Colours come from the CSS variables the legend uses, so light, dark and the legend agree.
(() => {
  "use strict";

  const MARGIN = { left: 56, right: 14, top: 10, bottom: 26 };
  const STRIP_MARGIN = { left: 56, right: 14, top: 8, bottom: 8 };

  const colours = () => {
    const style = getComputedStyle(document.documentElement);
    const get = (name) => style.getPropertyValue(name).trim();
    return {
      waiting: get("--c-waiting"), running: get("--c-running"),
      spans: [get("--c-span"), get("--c-span-2"), get("--c-span-3")],
      tail: get("--c-tail"), error: get("--c-error"), bystander: get("--c-bystander"),
      predicted: get("--c-predicted"), grid: get("--c-grid"), text: get("--c-text"),
      background: getComputedStyle(document.body).backgroundColor,
    };
  };

  // A step of 1, 2 or 5 × 10^k that gives about `count` ticks over `span`.
  const niceStep = (span, count) => {
    const raw = span / Math.max(1, count);
    const power = 10 ** Math.floor(Math.log10(raw));
    const scaled = raw / power;
    return (scaled < 1.5 ? 1 : scaled < 3.5 ? 2 : scaled < 7.5 ? 5 : 10) * power;
  };

  const fitCanvas = (canvas) => {
    const ratio = window.devicePixelRatio || 1;
    const width = Math.max(1, Math.round(canvas.clientWidth * ratio));
    const height = Math.max(1, Math.round(canvas.clientHeight * ratio));
    if (canvas.width !== width || canvas.height !== height) {
      canvas.width = width;
      canvas.height = height;
    }
    const context = canvas.getContext("2d");
    context.setTransform(ratio, 0, 0, ratio, 0, 0);
    return { context, width: canvas.clientWidth, height: canvas.clientHeight };
  };

  class Timeline {
    constructor(root) {
      this.root = root;
      this.canvas = root.querySelector(".timeline-canvas");
      this.strip = root.querySelector(".bystander-canvas");
      this.total = Number(root.dataset.total) || 0;
      this.predicted = Number(root.dataset.predicted) || 0;
      this.sharedSpan = Number(root.dataset.span) || 0;  // a common time axis when comparing
      this.rows = [];          // by request index: {sent_s, began_s, ended_s, received_s, error, spans}
      this.pings = [];
      this.spanNames = [];     // names of the parts the lab reported, in the order first seen
      this.inFlight = new Set();   // indices sent and not yet back
      this.finishedRows = [];      // indices back (or failed), in the order they came
      this.layer = document.createElement("canvas");
      this.layerKey = "";
      this.painted = 0;            // how many of finishedRows the layer shows
      this.tmax = 0;
      this.count = 0;
      this.lastTime = 0;       // latest time seen on the run's clock, in seconds
      this.serverElapsed = 0;  // the run's clock at the last frame...
      this.frameAt = 0;        // ...and when that frame arrived here
      this.finished = false;
      this.scheduled = false;
      this.colours = colours();
      new ResizeObserver(() => this.schedule()).observe(this.canvas);
      window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", () => {
        this.colours = colours();
        this.schedule();
      });
      this.open(root.dataset.runStream);
    }

    open(url) {
      this.source = new EventSource(url);
      this.source.addEventListener("update", (event) => this.update(JSON.parse(event.data)));
      this.source.addEventListener("summary", (event) => {
        this.source.close();
        this.finish(JSON.parse(event.data));
      });
    }

    close() {
      if (this.source) this.source.close();
      this.finished = true;
    }

    update(frame) {
      for (const [i, sent] of frame.sent) {
        if (!this.rows[i]) {
          this.rows[i] = { sent_s: sent, received_s: null, error: null, pending: true };
          this.inFlight.add(i);
        }
        this.lastTime = Math.max(this.lastTime, sent);
      }
      for (const row of frame.done) {
        this.rows[row.i] = row;
        this.inFlight.delete(row.i);
        this.finishedRows.push(row.i);
        for (const part of row.spans || []) {
          if (!this.spanNames.includes(part.name)) {
            this.spanNames.push(part.name);
            this.showSpanLegend();
          }
        }
        if (row.received_s != null) this.lastTime = Math.max(this.lastTime, row.received_s);
      }
      for (const ping of frame.bystander) this.pings.push(ping);
      if (frame.elapsed_s != null) {
        this.serverElapsed = frame.elapsed_s;
        this.frameAt = performance.now();
      }
      this.showProgress();
      this.schedule();
    }

    showSpanLegend() {
      const legend = this.root.querySelector("[data-span-legend]");
      if (!legend) return;
      legend.replaceChildren(...this.spanNames.map((name, lane) => {
        const item = document.createElement("li");
        const swatch = document.createElement("i");
        swatch.className = "swatch";
        swatch.style.background = this.colours.spans[lane % this.colours.spans.length];
        item.append(swatch, ` ${name}`);
        return item;
      }));
    }

    now() {
      if (this.finished || !this.frameAt) return this.lastTime;
      return Math.max(this.lastTime, this.serverElapsed + (performance.now() - this.frameAt) / 1000);
    }

    showProgress() {
      const progress = this.root.closest(".run")?.querySelector("[data-progress]");
      if (!progress) return;
      let done = 0, errors = 0;
      for (const row of this.rows) {
        if (row && !row.pending) {
          done += 1;
          if (row.error) errors += 1;
        }
      }
      const total = this.total || this.rows.length;
      progress.textContent = `${done.toLocaleString()} / ${total.toLocaleString()} done`
        + (errors ? ` · ${errors} failed` : "") + ` · ${this.now().toFixed(1)} s`;
    }

    finish(payload) {
      this.finished = true;
      const run = this.root.closest(".run");
      const summary = run?.querySelector(".summary");
      if (summary) {
        summary.innerHTML = payload.html;
        if (window.htmx) window.htmx.process(summary);
      }
      run?.querySelector("[data-cancel]")?.remove();
      this.root.dataset.status = payload.status;
      if (window.htmx) window.htmx.trigger(document.body, "runs-changed");
      this.schedule();
    }

    schedule() {
      if (this.scheduled) return;
      this.scheduled = true;
      requestAnimationFrame(() => {
        this.scheduled = false;
        this.draw();
        if (!this.finished) this.schedule();  // in-flight bars grow with the clock
      });
    }

    // The scales grow in steps while the run goes, so the layer of finished rows stays valid
    // for many frames; at the end they fit the run exactly.
    updateScales() {
      const wanted = Math.max(this.predicted * 1.05, this.now() * 1.02, this.sharedSpan, 0.05);
      const rows = Math.max(this.total, this.rows.length, 1);
      if (this.finished) {
        this.tmax = wanted;
        this.count = rows;
        return;
      }
      if (wanted > this.tmax) this.tmax = Math.max(wanted, this.tmax * 1.5);
      if (rows > this.count) this.count = Math.max(rows, Math.ceil(this.count * 1.5));
    }

    draw() {
      const started = performance.now();
      this.updateScales();
      this.drawRequests();
      this.drawBystander();
      this.root.dataset.drawMs = (performance.now() - started).toFixed(2);
      this.root.dataset.drawn = String(this.finishedRows.length + this.inFlight.size);
    }

    // Finished rows never change: they are painted once onto an offscreen layer, and a frame
    // copies the layer and paints only the requests still in flight.
    drawRequests() {
      const { context: g, width, height } = fitCanvas(this.canvas);
      const c = this.colours;
      const plotWidth = width - MARGIN.left - MARGIN.right;
      const plotHeight = height - MARGIN.top - MARGIN.bottom;
      const tmax = this.tmax;
      const x = (t) => MARGIN.left + (t / tmax) * plotWidth;
      const rowHeight = plotHeight / this.count;
      const barHeight = Math.max(rowHeight - (rowHeight > 4 ? 1 : 0), 0.6);
      const now = this.now();

      const key = [this.canvas.width, this.canvas.height, tmax, this.count, this.spanNames.length, c.running].join();
      if (key !== this.layerKey) {
        this.layerKey = key;
        this.layer.width = this.canvas.width;
        this.layer.height = this.canvas.height;
        this.painted = 0;
      }
      if (this.painted < this.finishedRows.length) {
        const layer = this.layer.getContext("2d");
        layer.setTransform(this.canvas.width / width, 0, 0, this.canvas.height / height, 0, 0);
        const batch = this.finishedRows.slice(this.painted).map((i) => [this.rows[i], MARGIN.top + i * rowHeight]);
        this.paintFinished(layer, batch, x, barHeight, rowHeight < 1);
        this.painted = this.finishedRows.length;
      }

      g.clearRect(0, 0, width, height);
      this.drawTimeAxis(g, x, tmax, MARGIN.top, MARGIN.top + plotHeight, height);
      g.fillStyle = c.text;
      g.font = "12px system-ui, sans-serif";
      g.textAlign = "right";
      g.fillText("#1", MARGIN.left - 6, MARGIN.top + 10);
      g.fillText(`#${this.count.toLocaleString()}`, MARGIN.left - 6, MARGIN.top + plotHeight);
      g.drawImage(this.layer, 0, 0, width, height);

      // In flight: waiting from when it was sent until now. Rows thinner than a pixel are
      // merged per pixel row, where they all end at `now` and the earliest start is the bar.
      g.fillStyle = c.waiting;
      const earliest = new Map();
      for (const i of this.inFlight) {
        const y = rowHeight >= 1 ? MARGIN.top + i * rowHeight : MARGIN.top + Math.floor(i * rowHeight);
        const sent = this.rows[i].sent_s;
        if (!(earliest.get(y) <= sent)) earliest.set(y, sent);
      }
      for (const [y, sent] of earliest) {
        const left = x(sent);
        g.fillRect(left, y, Math.max(x(now) - left, 1), rowHeight >= 1 ? barHeight : 1);
      }
      this.drawPredicted(g, x, MARGIN.top, MARGIN.top + plotHeight);
    }

    // With rows thinner than a pixel (`merge`), neighbouring rows share a pixel row: bars of one
    // colour that overlap there are painted as one rectangle, a few hundred instead of 10,000.
    paintFinished(g, batch, x, barHeight, merge) {
      const c = this.colours;
      let pending = null;  // [left, right, top, bottom, pixel row]
      const flush = () => {
        if (pending) g.fillRect(pending[0], pending[2], pending[1] - pending[0], pending[3] - pending[2]);
        pending = null;
      };
      const bar = (from, to, y, h) => {
        const left = x(from);
        const right = left + Math.max(x(to) - left, 1);
        const pixelRow = Math.floor(y);
        if (merge && pending && pending[4] === pixelRow && left <= pending[1] + 1 && right >= pending[0] - 1) {
          pending[0] = Math.min(pending[0], left);
          pending[1] = Math.max(pending[1], right);
          pending[3] = Math.max(pending[3], y + h);
          return;
        }
        flush();
        pending = [left, right, y, y + h, pixelRow];
      };
      const lanes = this.spanNames.length;
      const laneHeight = (barHeight * 0.7) / Math.max(lanes, 1);
      // One pass per colour: few state changes, fast with 10,000 rows.
      const passes = [
        [c.waiting, (row, y) => {
          if (!row.error && row.began_s != null) bar(row.sent_s, row.began_s, y, barHeight);
        }],
        [c.running, (row, y) => {
          if (!row.error && row.began_s != null) bar(row.began_s, row.ended_s, y, barHeight);
        }],
        // Reported parts (offloaded work, the pieces of a fan-out): a lane each, inside the bar.
        ...this.spanNames.map((name, lane) => [c.spans[lane % c.spans.length], (row, y) => {
          if (row.error || !row.spans) return;
          for (const part of row.spans) {
            if (part.name === name) bar(part.began, part.ended, y + barHeight * 0.15 + lane * laneHeight, laneHeight);
          }
        }]),
        [c.tail, (row, y) => {
          if (!row.error && row.ended_s != null && row.received_s != null) {
            bar(row.ended_s, row.received_s, y + barHeight * 0.4, Math.max(barHeight * 0.2, 0.5));
          }
        }],
        [c.error, (row, y) => {
          if (row.error) bar(row.sent_s, row.received_s ?? this.lastTime, y, barHeight);
        }],
      ];
      for (const [colour, paint] of passes) {
        g.fillStyle = colour;
        for (const [row, y] of batch) paint(row, y);
        flush();
      }
    }

    drawTimeAxis(g, x, tmax, top, bottom, height) {
      const c = this.colours;
      const plotWidth = x(tmax) - x(0);
      const step = niceStep(tmax, Math.max(2, Math.floor(plotWidth / 90)));
      g.strokeStyle = c.grid;
      g.fillStyle = c.text;
      g.lineWidth = 1;
      g.font = "12px system-ui, sans-serif";
      g.textAlign = "center";
      for (let t = 0; t <= tmax + 1e-9; t += step) {
        const px = Math.round(x(t)) + 0.5;
        g.beginPath();
        g.moveTo(px, top);
        g.lineTo(px, bottom);
        g.stroke();
        const label = step < 0.01 ? `${(t * 1000).toFixed(1)} ms` : step < 1 ? `${(t * 1000).toFixed(0)} ms` : `${t.toFixed(0)} s`;
        if (height) g.fillText(label, px, height - 8);
      }
    }

    drawPredicted(g, x, top, bottom) {
      if (!this.predicted) return;
      const px = Math.round(x(this.predicted)) + 0.5;
      g.save();
      g.strokeStyle = this.colours.predicted;
      g.lineWidth = 2;
      g.setLineDash([6, 4]);
      g.beginPath();
      g.moveTo(px, top);
      g.lineTo(px, bottom);
      g.stroke();
      g.restore();
      g.fillStyle = this.colours.predicted;
      const nearLeft = px < MARGIN.left + 80;
      g.textAlign = nearLeft ? "left" : "right";
      g.font = "bold 12px system-ui, sans-serif";
      g.fillText("predicted", nearLeft ? px + 4 : px - 4, top + 12);
    }

    drawBystander() {
      if (!this.strip) return;
      const { context: g, width, height } = fitCanvas(this.strip);
      const c = this.colours;
      const m = STRIP_MARGIN;
      const plotWidth = width - m.left - m.right;
      const plotHeight = height - m.top - m.bottom;
      const tmax = this.tmax;
      const x = (t) => m.left + (t / tmax) * plotWidth;
      // Pings go one at a time, every 50 ms: the one after the last answered ping went out at
      // a known moment, and while the lab is frozen it is still waiting now.
      const last = this.pings[this.pings.length - 1];
      const pendingFrom = last ? last.at_s + Math.max(0.05, (last.latency_ms ?? 0) / 1000) : 0;
      const pendingMs = this.finished ? 0 : Math.max(0, (this.now() - pendingFrom) * 1000);
      let worst = pendingMs;
      for (const ping of this.pings) worst = Math.max(worst, ping.latency_ms ?? 0);
      const ymax = Math.max(20, worst * 1.1);
      const y = (ms) => m.top + plotHeight - (ms / ymax) * plotHeight;
      g.clearRect(0, 0, width, height);
      this.drawTimeAxis(g, x, tmax, m.top, m.top + plotHeight, 0);
      g.fillStyle = c.text;
      g.font = "12px system-ui, sans-serif";
      g.textAlign = "right";
      g.fillText(ymax >= 1000 ? `${(ymax / 1000).toFixed(1)} s` : `${Math.round(ymax)} ms`, m.left - 6, m.top + 10);
      g.fillText("0", m.left - 6, m.top + plotHeight);
      g.strokeStyle = c.bystander;
      g.lineWidth = 2;
      g.beginPath();
      let first = true;
      for (const ping of this.pings) {
        if (ping.latency_ms == null) continue;
        const px = x(ping.at_s), py = y(ping.latency_ms);
        if (first) g.moveTo(px, py); else g.lineTo(px, py);
        first = false;
      }
      g.stroke();
      if (pendingMs > 100) {
        g.save();
        g.setLineDash([4, 3]);
        g.beginPath();
        g.moveTo(x(pendingFrom), y(0));
        g.lineTo(x(pendingFrom + pendingMs / 1000), y(pendingMs));
        g.stroke();
        g.restore();
        g.fillStyle = c.bystander;
        g.textAlign = "left";
        g.fillText(`ping waiting ${Math.round(pendingMs)} ms…`, x(pendingFrom) + 6, m.top + 12);
      }
      g.fillStyle = c.error;
      for (const ping of this.pings) {
        if (ping.error) g.fillRect(x(ping.at_s) - 1, m.top, 2, plotHeight);
      }
      this.drawPredicted(g, x, m.top, m.top + plotHeight);
    }

    // One picture for slides: title, timeline, bystander strip, on the page's background.
    exportPng() {
      const ratio = window.devicePixelRatio || 1;
      const titleHeight = 36 * ratio;
      const out = document.createElement("canvas");
      out.width = this.canvas.width;
      out.height = titleHeight + this.canvas.height + this.strip.height;
      const g = out.getContext("2d");
      g.fillStyle = this.colours.background;
      g.fillRect(0, 0, out.width, out.height);
      g.fillStyle = this.colours.text;
      g.font = `bold ${18 * ratio}px system-ui, sans-serif`;
      g.fillText(this.root.dataset.title || "Async Playground", 12 * ratio, 24 * ratio);
      g.drawImage(this.canvas, 0, titleHeight);
      g.drawImage(this.strip, 0, titleHeight + this.canvas.height);
      const link = document.createElement("a");
      link.download = `${(this.root.dataset.title || "run").replace(/[^\w.-]+/g, "-")}.png`;
      link.href = out.toDataURL("image/png");
      link.click();
    }
  }

  const bind = (scope) => {
    for (const root of scope.querySelectorAll("[data-run-stream]:not([data-bound])")) {
      root.dataset.bound = "1";
      root.timeline = new Timeline(root);
    }
  };

  document.addEventListener("DOMContentLoaded", () => bind(document));
  document.addEventListener("htmx:load", (event) => bind(event.detail.elt.parentElement || document));
  document.addEventListener("htmx:beforeCleanupElement", (event) => {
    if (event.detail.elt.timeline) event.detail.elt.timeline.close();
  });
  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-export-png]");
    if (!button) return;
    const timeline = button.closest(".run")?.querySelector("[data-run-stream]")?.timeline;
    if (timeline) timeline.exportPng();
  });
})();
