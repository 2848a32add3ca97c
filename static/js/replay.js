// Slow-motion replay of a finished run: the run's rows fed again into a fresh run model on a
// clock of the replay's own (0.1×, 0.25×, 1×, or dragged with the scrubber), so the bars grow
// as they did. A row sent after the replay clock is absent; one whose answer came back after
// it is drawn in flight. The live path is untouched: the view draws the replay's model in
// place of the finished one, and gets that one back at the end.

import { RunModel } from "./run-model.js";

/** A run model whose "now" is the replay's clock, not the wall's. */
class ReplayModel extends RunModel {
  constructor(options) {
    super(options);
    this.clockS = 0;
  }

  now() {
    return this.finished ? this.clock.latestS : this.clockS;
  }
}

const byTime = (list, at) => list.map((item) => ({ at: at(item), item })).sort((a, b) => a.at - b.at);

/** Items of a time-sorted `events` from `cursor.n` up to `untilS`; moves the cursor. */
function takeUntil(events, cursor, untilS) {
  const taken = [];
  while (cursor.n < events.length && events[cursor.n].at <= untilS) taken.push(events[cursor.n++].item);
  return taken;
}

export class Replay {
  /** `view`: a RunView whose model holds a finished run. */
  constructor(view) {
    this.view = view;
    this.original = view.model;
    this.sharedSpanS = view.sharedSpanS;
    const source = view.model;
    const rows = source.rows.filter(Boolean);
    this.endS = source.clock.latestS;
    this.sent = byTime(rows, (row) => row.sent_s);
    this.done = byTime(rows.filter((row) => row.done), (row) => row.received_s ?? row.ended_s ?? row.sent_s);
    this.pings = byTime(source.pings, (ping) => ping.at_s);
    this.lanes = [...source.lanes].map(([name, points]) => ({ name, events: byTime(points, (p) => p.at_s) }));
    this.total = source.rowCount;
    this.frame = null;
    this.onTick = () => {};
  }

  /** Start over at `fromS` (seconds on the run's clock), paused. */
  seek(fromS) {
    this.pause();
    this.model = new ReplayModel({ total: this.total });
    this.cursors = { sent: { n: 0 }, done: { n: 0 }, pings: { n: 0 }, lanes: this.lanes.map(() => ({ n: 0 })) };
    this.view.sharedSpanS = Math.max(this.sharedSpanS, this.endS);  // the axis of the whole run, fixed
    this.view.useModel(this.model);
    this.advance(Math.min(Math.max(fromS, 0), this.endS));
  }

  /** Play from where the clock is at `speed` × real time. */
  play(speed) {
    if (!this.model || this.model.finished) this.seek(0);
    this.pause();
    const fromS = this.model.clockS;
    const startedAt = performance.now();
    const tick = () => {
      this.advance(fromS + ((performance.now() - startedAt) / 1000) * speed);
      this.frame = this.model.finished ? null : requestAnimationFrame(tick);
    };
    this.frame = requestAnimationFrame(tick);
  }

  pause() {
    if (this.frame !== null) cancelAnimationFrame(this.frame);
    this.frame = null;
  }

  /** Move the clock to `untilS`, feeding the model what happened by then; ends at the end. */
  advance(untilS) {
    const model = this.model;
    const clockS = Math.min(untilS, this.endS);
    model.clockS = clockS;
    const lanes = {};
    this.lanes.forEach(({ name, events }, n) => {
      const points = takeUntil(events, this.cursors.lanes[n], clockS);
      if (points.length) lanes[name] = points;
    });
    model.apply({
      sent: takeUntil(this.sent, this.cursors.sent, clockS).map((row) => [row.i, row.sent_s]),
      done: takeUntil(this.done, this.cursors.done, clockS),
      bystander: takeUntil(this.pings, this.cursors.pings, clockS),
      lanes,
    });
    if (untilS >= this.endS) this.end();
    this.onTick(clockS);
  }

  /** The replay has reached the end: the view draws the finished run again, as it was. */
  end() {
    this.pause();
    this.model.finish();
    this.view.sharedSpanS = this.sharedSpanS;
    this.view.useModel(this.original);
  }
}

const SCOPE = "[data-replay]";

function controlsOf(element) {
  const controls = element.closest(SCOPE);
  const view = controls?.closest(".run")?.querySelector(".timeline")?.timeline;
  return controls && view ? { controls, view } : null;
}

function replayOf({ controls, view }) {
  if (!controls.replay || controls.replay.view !== view) {
    const replay = new Replay(view);
    const scrub = controls.querySelector("[data-replay-scrub]");
    const clock = controls.querySelector("[data-replay-clock]");
    scrub.max = String(Math.ceil(replay.endS * 1000));
    replay.onTick = (clockS) => {
      scrub.value = String(Math.round(clockS * 1000));
      clock.textContent = `${clockS.toFixed(2)} s / ${replay.endS.toFixed(2)} s`;
      controls.dataset.clock = clockS.toFixed(3);
    };
    controls.replay = replay;
  }
  return controls.replay;
}

document.addEventListener("click", (event) => {
  const button = event.target instanceof Element ? event.target.closest("[data-replay-speed]") : null;
  const found = button && controlsOf(button);
  if (!found || (!found.view.model.finished && !found.controls.replay)) return;
  const replay = replayOf(found);
  replay.play(Number.parseFloat(button.dataset.replaySpeed));
});

document.addEventListener("input", (event) => {
  const scrub = event.target instanceof Element ? event.target.closest("[data-replay-scrub]") : null;
  const found = scrub && controlsOf(scrub);
  if (!found) return;
  const replay = replayOf(found);
  replay.seek(Number(scrub.value) / 1000);
  replay.onTick(replay.model.clockS);
});

// The controls show once the run has ended (its timeline's `data-status` is set by the summary).
const reveal = (scope) => {
  for (const controls of scope.querySelectorAll(`${SCOPE}[hidden]`)) {
    const timeline = controls.closest(".run")?.querySelector(".timeline");
    if (!timeline) continue;
    const show = () => {
      if (!timeline.dataset.status) return false;
      controls.hidden = false;
      return true;
    };
    if (!show()) {
      const watch = new MutationObserver(() => show() && watch.disconnect());
      watch.observe(timeline, { attributes: true, attributeFilter: ["data-status"] });
    }
  }
};

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", () => reveal(document));
else reveal(document);
document.addEventListener("htmx:load", (event) => reveal(event.detail.elt.parentElement || document));
