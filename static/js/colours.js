// The timeline's colours, read from the CSS variables the legend uses, so every theme and the
// legend agree; and the one event that says they changed (a theme chosen, or the OS's changed).

/** Dispatched on `document` when the colours changed; listen with `onColoursChanged`. */
export const COLOURS_CHANGED = "colours-changed";

/** Every colour a lane paints with, by name. */
export function readColours() {
  const style = getComputedStyle(document.documentElement);
  const get = (name) => style.getPropertyValue(name).trim();
  return {
    waiting: get("--c-waiting"),
    connecting: get("--c-connecting") || get("--c-waiting"),   // sent → the lab's app saw it
    queued: get("--c-queued") || get("--c-waiting"),           // arrived → the handler began
    running: get("--c-running"),
    parts: [get("--c-span"), get("--c-span-2"), get("--c-span-3")],
    tail: get("--c-tail"),
    error: get("--c-error"),
    cancelled: get("--c-cancelled"),
    bystander: get("--c-bystander"),
    predicted: get("--c-predicted"),
    grid: get("--c-grid"),
    text: get("--c-text"),
    patternLight: get("--c-pattern-light"),
    patternDark: get("--c-pattern-dark"),
    background: style.backgroundColor,   // Pico paints the page's background on the root
    variable: get,
  };
}

/** The colour of the `n`th part the lab reported (offloaded work, a piece of a fan-out). */
export const partColour = (colours, n) => colours.parts[n % colours.parts.length];

/** Call `callback` whenever the colours change; returns the function that stops it. */
export function onColoursChanged(callback) {
  document.addEventListener(COLOURS_CHANGED, callback);
  return () => document.removeEventListener(COLOURS_CHANGED, callback);
}
