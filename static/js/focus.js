// Keyboard focus survives htmx's swaps: the control that changed the form (a scenario chosen
// with the arrow keys) is replaced by its new copy, which gets the focus back, instead of the
// focus falling to the page.

let focused = null;   // {name, value} of the focused control about to be swapped out

document.addEventListener("htmx:beforeSwap", () => {
  const element = document.activeElement;
  focused = element?.name ? { name: element.name, value: element.type === "radio" ? element.value : null } : null;
});

document.addEventListener("htmx:afterSettle", () => {
  const was = focused;
  focused = null;
  const active = document.activeElement;
  if (!was || (active && active !== document.body && active.isConnected)) return;
  const same = [...document.getElementsByName(was.name)].find(
    (element) => was.value === null || element.value === was.value,
  );
  same?.focus({ preventScroll: true });
});
