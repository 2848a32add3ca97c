// The legends wear the canvas's patterns: every `.swatch[data-swatch]` gets its category's
// colour and tile (static/js/patterns.js), again whenever the colours change.

import { onColoursChanged, readColours } from "./colours.js";
import { paintSwatch } from "./patterns.js";

/** Paint every patterned swatch under `scope`. */
export function paintLegends(scope = document) {
  const colours = readColours();
  for (const swatch of scope.querySelectorAll(".swatch[data-swatch]")) {
    paintSwatch(swatch, colours, swatch.dataset.swatch);
  }
}

onColoursChanged(() => paintLegends());
document.addEventListener("htmx:load", (event) => paintLegends(event.detail.elt.parentElement || document));
if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", () => paintLegends());
else paintLegends();
