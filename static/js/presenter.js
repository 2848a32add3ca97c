// Presenter mode: one larger root font size (everything is in rem, the canvases too) and a
// layout where a run's timeline, key numbers and verdict share the screen. Toggled by the
// header's button or the key `p`, or set by `?present=1` (`?present=0` ends it) on any page's
// URL; remembered for the tab in sessionStorage, so it stays on while navigating. base.html's
// first script applies it before the first paint.

/** sessionStorage's key, the one base.html's first script reads too. */
export const PRESENT_KEY = "playground.present";

const root = document.documentElement;

export const presenting = () => "present" in root.dataset;

/** Turn presenter mode on or off, and remember it for this tab. */
export function present(on) {
  if (on) root.dataset.present = "";
  else delete root.dataset.present;
  sessionStorage.setItem(PRESENT_KEY, on ? "1" : "0");
  if (!on) openDrawer(false);
  for (const button of document.querySelectorAll("[data-present-toggle]")) {
    button.setAttribute("aria-pressed", String(on));
  }
}

/** In presenter mode the form is a drawer over the stage: open or close it. */
export function openDrawer(open) {
  if (open) root.dataset.drawer = "";
  else delete root.dataset.drawer;
  for (const button of document.querySelectorAll("[data-drawer-toggle]")) {
    button.setAttribute("aria-expanded", String(open));
  }
}

const typing = (element) =>
  element instanceof HTMLElement
  && (element.isContentEditable || ["INPUT", "SELECT", "TEXTAREA"].includes(element.tagName));

document.addEventListener("keydown", (event) => {
  if (event.key !== "p" || event.ctrlKey || event.metaKey || event.altKey || event.repeat) return;
  if (typing(event.target)) return;
  event.preventDefault();
  present(!presenting());
});
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-present-toggle]")) present(!presenting());
  else if (event.target.closest("[data-drawer-toggle]")) openDrawer(!("drawer" in root.dataset));
});
// A run started from the drawer: close it so the stage shows the run.
document.addEventListener("htmx:beforeRequest", (event) => {
  if (event.detail.elt?.id === "run-form" && presenting()) openDrawer(false);
});
document.addEventListener("keydown", (event) => {
  if (event.key === "Escape" && "drawer" in root.dataset) openDrawer(false);
});

const sync = () => present(presenting());
if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", sync);
else sync();
