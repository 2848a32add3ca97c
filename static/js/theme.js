// The theme: light, dark or high contrast, chosen in the header and remembered in localStorage,
// or the OS's until one is chosen. base.html applies the remembered one before the first paint;
// this module wires the switch and says when the colours changed.

import { COLOURS_CHANGED } from "./colours.js";

/** localStorage's key, the one base.html's first script reads too. */
export const THEME_KEY = "playground.theme";
/** The choices, as `data-theme` on the root says them; "" follows the OS. */
export const THEMES = ["", "light", "dark", "contrast"];

const root = document.documentElement;

/** The theme chosen, or "" while following the OS. */
export const chosenTheme = () => root.dataset.theme ?? "";

/** Show `theme` ("" follows the OS), remember it, and tell the canvases. */
export function chooseTheme(theme) {
  const choice = THEMES.includes(theme) ? theme : "";
  if (choice) {
    root.dataset.theme = choice;
    localStorage.setItem(THEME_KEY, choice);
  } else {
    delete root.dataset.theme;
    localStorage.removeItem(THEME_KEY);
  }
  for (const select of document.querySelectorAll("[data-theme-choice]")) select.value = choice;
  document.dispatchEvent(new CustomEvent(COLOURS_CHANGED));
}

function wire() {
  for (const select of document.querySelectorAll("[data-theme-choice]")) {
    select.value = chosenTheme();
    select.addEventListener("change", () => chooseTheme(select.value));
  }
}

// The OS's scheme matters only while no theme is chosen.
window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", () => {
  if (!chosenTheme()) document.dispatchEvent(new CustomEvent(COLOURS_CHANGED));
});
if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", wire);
else wire();
