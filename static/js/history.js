// The history's compare button: two to `data-max-compared` ticked runs open side by side;
// more or fewer get a message beside the button instead of a page that drops some silently.

const FORM = ".history-form";

/** The message for `ticked` runs, or "" when they can be compared. */
export function compareProblem(ticked, most) {
  if (ticked > most) return `compare at most ${most} runs; you ticked ${ticked}`;
  if (ticked < 2) return `tick 2 to ${most} runs to compare; you ticked ${ticked}`;
  return "";
}

document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.matches(FORM)) return;
  const ticked = form.querySelectorAll("input[name=runs]:checked").length;
  const problem = compareProblem(ticked, Number(form.dataset.maxCompared));
  const message = form.querySelector("[data-compare-message]");
  if (message) message.textContent = problem;
  if (problem) event.preventDefault();
});

document.addEventListener("change", (event) => {
  const form = event.target instanceof Element ? event.target.closest(FORM) : null;
  const message = form?.querySelector("[data-compare-message]");
  if (message && message.textContent) message.textContent = "";
});
