// Predict, then reveal: the form's "predict first" switch (remembered; on by default in
// presenter mode and lessons), the guess it asks for before Run, and the reveal of a guessed
// run's answer — the model's prediction, its dashed line and the verdict — on a button or the
// space key. Listens on the document, so a form or a run htmx swapped in works.

const FORM = "#run-form";
const REMEMBERED = "playground.predictFirst";

/** On unless turned off, where a class is taught: presenter mode or a lesson. */
function teaching() {
  const root = document.documentElement;
  return root.classList.contains("present") || "present" in root.dataset || "lesson" in root.dataset;
}

/** The switch's state for a fresh form: a link's word, else what was chosen last, else teaching(). */
function wanted(form) {
  const linked = form.dataset.predictFirstLinked;
  if (linked === "1" || linked === "0") return linked === "1";
  const remembered = localStorage.getItem(REMEMBERED);
  if (remembered === "1" || remembered === "0") return remembered === "1";
  return teaching();
}

function hasGuess(form) {
  const makespan = form.elements.namedItem("guess_makespan");
  return Boolean(makespan?.value.trim()) || Boolean(form.querySelector("input[name=guess_shape]:checked"));
}

/** One guess at a time: a makespan or a shape. */
function clearGuess(form, { makespan = false, shapes = false }) {
  const field = form.elements.namedItem("guess_makespan");
  if (makespan && field) field.value = "";
  if (shapes) for (const shape of form.querySelectorAll("input[name=guess_shape]")) shape.checked = false;
}

/** Show or hide the guess and the prediction; Run waits for a guess while predicting first. */
export function applySwitch(form) {
  const on = form.querySelector("[data-predict-first]")?.checked ?? false;
  form.toggleAttribute("data-predicting", on);
  const guess = form.querySelector("[data-guess]");
  if (guess) {
    guess.hidden = !on;
    guess.disabled = !on;
  }
  const run = form.querySelector(".run-button");
  if (run) {
    run.disabled = on && !hasGuess(form);
    run.title = run.disabled ? "Make a guess first: a makespan or a shape" : "";
  }
}

function setUp(form) {
  if (form.dataset.revealReady) return;
  form.dataset.revealReady = "1";
  const toggle = form.querySelector("[data-predict-first]");
  if (toggle) toggle.checked = wanted(form);
  applySwitch(form);
}

/** Show a guessed run's answer: the hidden numbers, the verdict and the dashed line. */
export function reveal(run) {
  for (const element of run.querySelectorAll("[data-answer]")) element.hidden = false;
  run.querySelector("[data-reveal-button]")?.remove();
  run.dataset.revealed = "1";
  const timeline = run.querySelector(".timeline");
  const hiddenS = Number.parseFloat(timeline?.dataset.predictedHidden ?? "");
  if (timeline && Number.isFinite(hiddenS)) {
    timeline.dataset.predicted = String(hiddenS);
    const view = timeline.timeline;
    if (view) {
      view.predictedS = hiddenS;
      view.painter.schedule();
    }
  }
}

const bind = () => {
  for (const form of document.querySelectorAll(FORM)) setUp(form);
};

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", bind);
else bind();
document.addEventListener("htmx:load", bind);

document.addEventListener("change", (event) => {
  const target = event.target;
  const form = target instanceof HTMLInputElement ? target.closest(FORM) : null;
  if (!form) return;
  if (target.matches("[data-predict-first]")) {
    localStorage.setItem(REMEMBERED, target.checked ? "1" : "0");
  } else if (target.name === "guess_shape") {
    clearGuess(form, { makespan: true });
  }
  applySwitch(form);
});

document.addEventListener("input", (event) => {
  const target = event.target;
  const form = target instanceof HTMLInputElement ? target.closest(FORM) : null;
  if (!form || target.name !== "guess_makespan") return;
  if (target.value.trim()) clearGuess(form, { shapes: true });
  applySwitch(form);
});

// A run started: the next one asks for a fresh guess.
document.addEventListener("htmx:afterRequest", (event) => {
  const form = event.detail.elt;
  if (!(form instanceof HTMLFormElement) || !form.matches(FORM) || !event.detail.successful) return;
  clearGuess(form, { makespan: true, shapes: true });
  applySwitch(form);
});

document.addEventListener("click", (event) => {
  const button = event.target instanceof Element ? event.target.closest("[data-reveal-button]") : null;
  const run = button?.closest(".run");
  if (run) reveal(run);
});

// Space reveals the first run on the page still hiding its answer, unless typing or on a control.
document.addEventListener("keydown", (event) => {
  if (event.key !== " " || event.repeat || event.ctrlKey || event.metaKey || event.altKey) return;
  const focus = document.activeElement;
  if (focus instanceof Element && focus.closest("input, textarea, select, button, a, [contenteditable]")) return;
  const button = document.querySelector(".run [data-reveal-button]");
  if (!button) return;
  event.preventDefault();
  reveal(button.closest(".run"));
});
