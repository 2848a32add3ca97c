// The timeline's colours, read from the CSS variables the legend uses, so light, dark and the
// legend agree.

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
    bystander: get("--c-bystander"),
    predicted: get("--c-predicted"),
    grid: get("--c-grid"),
    text: get("--c-text"),
    background: getComputedStyle(document.body).backgroundColor,
    variable: get,
  };
}

/** The colour of the `n`th part the lab reported (offloaded work, a piece of a fan-out). */
export const partColour = (colours, n) => colours.parts[n % colours.parts.length];
