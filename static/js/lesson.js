// A lesson step: the guess, the run (through the page's own run form route), the reveal once
// the run has finished, and the keys that drive it: 1–4 or g to guess, r to run, space to
// reveal, ← → to move between steps. Keys are ignored while typing in a field.

import { mountTimeline } from "./timeline.js";

const TYPING = new Set(["text", "number", "search", "email", "url", "password"]);

/** Whether a key pressed in `target` belongs to a field the person is typing in. */
function typing(target) {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable || target.tagName === "TEXTAREA" || target.tagName === "SELECT") return true;
  return target.tagName === "INPUT" && TYPING.has(target.type);
}

class LessonStep {
  constructor(section) {
    this.section = section;
    this.form = section.querySelector("#lesson-form");
    this.stage = section.querySelector("#lesson-stage");
    this.errors = section.querySelector("#lesson-errors");
    this.revealed = section.querySelector("#lesson-reveal");
    this.revealButton = section.querySelector("[data-reveal]");
    this.runId = null;
    this.finished = false;
    this.watch = null;

    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.run();
    });
    this.revealButton.addEventListener("click", () => this.reveal());
    document.addEventListener("keydown", (event) => this.key(event));
  }

  guess() {
    return new FormData(this.form).get("guess") || "";
  }

  key(event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (typing(event.target)) {
      if (event.key === "Escape") event.target.blur();
      return;
    }
    const onRadio = event.target instanceof HTMLInputElement && event.target.type === "radio";
    const choice = this.form.querySelector(`input[type=radio][data-key="${CSS.escape(event.key)}"]`);
    if (choice) {
      choice.checked = true;
    } else if (event.key === "g") {
      this.form.querySelector("input[name=guess]")?.focus();
    } else if (event.key === "r") {
      this.run();
    } else if (event.key === " ") {
      this.reveal();
    } else if (event.key === "ArrowRight" && !onRadio && this.section.dataset.next) {
      window.location.assign(this.section.dataset.next);
    } else if (event.key === "ArrowLeft" && !onRadio) {
      window.location.assign(this.section.dataset.back);
    } else {
      return;
    }
    event.preventDefault();
  }

  async run() {
    if (this.runId !== null && !this.finished) return;  // one run at a time
    document.activeElement?.blur?.();
    this.errors.replaceChildren();
    const response = await fetch(this.form.action, { method: "POST", body: new FormData(this.form) });
    const html = await response.text();
    if (!response.ok) {
      this.errors.innerHTML = html;
      return;
    }
    this.watch?.disconnect();
    this.revealed.replaceChildren();
    this.finished = false;
    this.section.dataset.state = "running";
    this.revealButton.disabled = true;
    this.stage.innerHTML = html;
    window.htmx?.process(this.stage);
    const run = this.stage.querySelector(".run");
    this.runId = run ? run.id.replace("run-", "") : null;
    const timeline = this.stage.querySelector(".timeline");
    if (!timeline) return;
    if (!timeline.dataset.bound) mountTimeline(timeline);
    this.watch = new MutationObserver(() => {
      if (timeline.dataset.status) this.done();
    });
    this.watch.observe(timeline, { attributes: true, attributeFilter: ["data-status"] });
  }

  done() {
    this.watch?.disconnect();
    this.finished = true;
    this.section.dataset.state = "finished";
    this.revealButton.disabled = false;
  }

  async reveal() {
    if (!this.finished || this.runId === null) {
      this.errors.textContent = this.runId === null ? "Guess, then press r to run." : "The run is still going.";
      return;
    }
    const url = new URL(this.section.dataset.revealUrl, window.location.href);
    url.searchParams.set("run", this.runId);
    url.searchParams.set("guess", this.guess());
    const response = await fetch(url, { headers: { "HX-Request": "true" } });  // errors as a partial
    const html = await response.text();
    if (!response.ok) {
      this.errors.innerHTML = html;
      return;
    }
    this.errors.replaceChildren();
    this.revealed.innerHTML = html;
    this.section.dataset.state = "revealed";
    this.revealed.scrollIntoView({ block: "nearest" });
  }
}

const section = document.querySelector("[data-lesson]");
if (section) section.lessonStep = new LessonStep(section);
