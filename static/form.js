// The run form's behaviour, here rather than in inline handlers that the page's
// Content-Security-Policy forbids: the load model shows its own fields, and a new request
// clears the errors of the last one. Listens on the document, so a form htmx swapped in works.

const FORM = "#run-form";

// Show the fields of the chosen load model; disabled fields are not submitted.
export function showModelFields(select) {
  for (const group of select.form.querySelectorAll("[data-model]")) {
    const other = group.dataset.model !== select.value;
    group.hidden = other;
    group.disabled = other;
  }
}

export function clearErrors() {
  const errors = document.getElementById("form-errors");
  if (errors) errors.replaceChildren();
}

document.addEventListener("change", (event) => {
  const target = event.target;
  if (target instanceof HTMLSelectElement && target.name === "model" && target.closest(FORM)) {
    showModelFields(target);
  }
});

document.addEventListener("htmx:beforeRequest", (event) => {
  if (event.target instanceof Element && event.target.closest(FORM)) clearErrors();
});
