// An honest cancel: the button says "cancelling…" the moment it is pressed, before the server
// answers, and stays disabled until the run's summary replaces it. And the form's "run N is
// still going" (a 409) clears itself once the lab is free again.

const CANCEL = "[data-cancel]";
const FORM = "#run-form";
const LAB_POLL_MS = 500;

/** The run of `button` is being cancelled: say so at once. */
export function showCancelling(button) {
  button.dataset.cancellingAt = String(performance.now());
  button.textContent = "cancelling…";
  button.disabled = true;
  button.setAttribute("aria-busy", "true");
  const state = button.closest(".run")?.querySelector("[data-progress-state]");
  if (state) state.textContent = "Cancelling…";
}

document.addEventListener("htmx:beforeRequest", (event) => {
  const elt = event.detail.elt;
  if (elt instanceof HTMLButtonElement && elt.matches(CANCEL)) showCancelling(elt);
});

// The run had already ended (a 409): its summary is on its way and removes the button.
document.addEventListener("htmx:afterRequest", (event) => {
  const elt = event.detail.elt;
  if (elt instanceof HTMLButtonElement && elt.matches(CANCEL) && !event.detail.successful) {
    elt.textContent = "ended";
    elt.removeAttribute("aria-busy");
  }
});

/** Clear `errors` once the lab has no run going, unless something else was written there. */
async function clearWhenLabFree(errors) {
  const shown = errors.textContent;   // not innerHTML: htmx's settling changes its classes
  while (errors.isConnected && errors.textContent === shown) {
    try {
      const lab = await (await fetch("/api/lab")).json();
      if (!lab.busy) break;
    } catch {
      // the playground is restarting: ask again
    }
    await new Promise((resolve) => setTimeout(resolve, LAB_POLL_MS));
  }
  if (errors.isConnected && errors.textContent === shown) errors.replaceChildren();
}

// A run refused because another is going (409): the message goes when that run has ended.
document.addEventListener("htmx:afterRequest", (event) => {
  const { elt, xhr } = event.detail;
  if (!(elt instanceof HTMLFormElement) || !elt.matches(FORM) || xhr?.status !== 409) return;
  requestAnimationFrame(() => {
    const errors = document.getElementById("form-errors");
    if (errors?.textContent.trim()) clearWhenLabFree(errors);
  });
});
