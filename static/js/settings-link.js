// "copy link": a link to `/` whose query string reopens the run form exactly as it is now
// (read back by pages.form_values_from_query), copied to the clipboard and shown in a text
// field too, to copy by hand where the clipboard is refused.

const FORM = "#run-form";
const PARAM_PREFIX = "param.";
const NOT_SETTINGS = new Set(["guess_makespan", "guess_shape"]);   // a guess is made, not linked

/** The link that reopens `form`: every enabled field with a value, parameters by their name. */
export function settingsLink(form) {
  const url = new URL("/", window.location.origin);
  for (const [name, value] of new FormData(form)) {
    const text = String(value).trim();
    if (!text || NOT_SETTINGS.has(name) || name === "predict_first") continue;
    url.searchParams.set(name.startsWith(PARAM_PREFIX) ? name.slice(PARAM_PREFIX.length) : name, text);
  }
  const predictFirst = form.querySelector("[data-predict-first]");
  if (predictFirst) url.searchParams.set("predict_first", predictFirst.checked ? "1" : "0");
  return url.href;
}

async function copyLink(form) {
  const link = settingsLink(form);
  const box = form.querySelector("[data-settings-link-box]");
  const field = form.querySelector("[data-settings-link]");
  const status = form.querySelector("[data-settings-link-status]");
  if (field) field.value = link;
  if (box) box.hidden = false;
  try {
    await navigator.clipboard.writeText(link);
    if (status) status.textContent = "copied";
  } catch {
    if (status) status.textContent = "copy it from the field";
    field?.focus();
    field?.select();
  }
}

document.addEventListener("click", (event) => {
  const button = event.target instanceof Element ? event.target.closest("[data-copy-link]") : null;
  const form = button?.closest(FORM);
  if (form) copyLink(form);
});
