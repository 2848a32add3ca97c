// A run as the page knows it: requests by index, which are still out, the order they came
// back in, the bystander's pings, the lanes' series and the run's clock. Fed by `update`
// frames (a replay in one frame or many, or live); knows nothing of the DOM.

/** A request that was sent and has not come back. */
const sentRow = (index, sentS) => ({
  i: index,
  sent_s: sentS,
  began_s: null,
  ended_s: null,
  received_s: null,
  error: null,
  spans: [],
  done: false,
});

export class RunModel extends EventTarget {
  /** `total`: how many requests the run will send, when known up front (a burst). */
  constructor({ total = 0 } = {}) {
    super();
    this.total = total;
    this.rows = [];               // by request index
    this.inFlight = new Set();    // indices sent and not yet back
    this.finishedOrder = [];      // indices back (or failed), in the order they came
    this.partNames = [];          // parts the lab reported, in the order first seen
    this.pings = [];              // the bystander's: {at_s, latency_ms, error}
    this.lanes = new Map();       // lane name → [{at_s, value, pid}], in the order first seen
    this.doneCount = 0;
    this.errorCount = 0;
    this.clock = {
      latestS: 0,                 // the latest moment a request shows (lanes linger after it)
      serverElapsedS: 0,          // the run's clock at the last live frame...
      frameAt: null,              // ...and when that frame arrived here (performance.now())
    };
    this.finished = false;
  }

  /** Take one `update` frame: `{sent: [[i, s]], done: [row], bystander: [ping], lanes, elapsed_s}`. */
  apply(frame) {
    const newParts = [];
    const newLanes = [];
    const clock = this.clock;
    for (const [index, sentS] of frame.sent ?? []) {
      if (!this.rows[index]) {
        this.rows[index] = sentRow(index, sentS);
        this.inFlight.add(index);
      }
      clock.latestS = Math.max(clock.latestS, sentS);
    }
    for (const row of frame.done ?? []) {
      if (this.rows[row.i]?.done) continue;
      this.rows[row.i] = { ...row, spans: row.spans ?? [], done: true };
      this.inFlight.delete(row.i);
      this.finishedOrder.push(row.i);
      this.doneCount += 1;
      if (row.error) this.errorCount += 1;
      for (const part of row.spans ?? []) {
        if (!this.partNames.includes(part.name)) {
          this.partNames.push(part.name);
          newParts.push(part.name);
        }
      }
      if (row.received_s != null) clock.latestS = Math.max(clock.latestS, row.received_s);
    }
    for (const ping of frame.bystander ?? []) this.pings.push(ping);
    for (const [name, points] of Object.entries(frame.lanes ?? {})) {
      if (!Array.isArray(points) || points.length === 0) continue;
      const series = this.lanes.get(name);
      if (series) for (const point of points) series.push(point);
      else {
        this.lanes.set(name, [...points]);
        newLanes.push(name);
      }
    }
    if (frame.elapsed_s != null) {
      clock.serverElapsedS = frame.elapsed_s;
      clock.frameAt = performance.now();
    }
    this.dispatchEvent(new CustomEvent("change", { detail: { newParts, newLanes } }));
  }

  /** The run has ended: nothing more comes, and the clock stops at the last thing seen. */
  finish() {
    this.finished = true;
    this.dispatchEvent(new CustomEvent("change", { detail: { newParts: [], newLanes: [] } }));
  }

  /** Now on the run's clock, in seconds: still ticking between live frames. */
  now() {
    const clock = this.clock;
    if (this.finished || clock.frameAt === null) return clock.latestS;
    return Math.max(clock.latestS, clock.serverElapsedS + (performance.now() - clock.frameAt) / 1000);
  }

  /** Rows the requests lane makes room for. */
  get rowCount() {
    return Math.max(this.total, this.rows.length, 1);
  }

  /** Rows on screen: back, and still out. */
  get drawnCount() {
    return this.finishedOrder.length + this.inFlight.size;
  }
}
