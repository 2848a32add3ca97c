// The run's event stream: `update` frames go into a run model, `summary` ends it. Closing on
// `summary` matters: a stream that just ends makes browsers reconnect and replay it.

/**
 * Follow the stream at `url` into `model`; `onSummary(payload)` gets the final
 * `{status, error, summary, html}`. Returns `{close}` for a page that goes away first.
 */
export function follow(url, model, { onSummary = () => {} } = {}) {
  const source = new EventSource(url);
  source.addEventListener("update", (event) => model.apply(JSON.parse(event.data)));
  source.addEventListener("summary", (event) => {
    source.close();
    const payload = JSON.parse(event.data);
    model.finish();
    onSummary(payload);
  });
  return { close: () => source.close() };
}
