// The page's own widgets around a bound control. jQuery widgets (select2, datepickers in a
// Flask-AppBuilder form) change the control with .val() + .trigger('change'): jQuery
// handlers run, but no DOM event is dispatched, so a binding listens where they speak, and
// after a remote change tells them to redraw the same way.

interface JQueryLike {
  (element: Element): {
    on(events: string, handler: () => void): unknown;
    off(events: string): unknown;
    trigger(event: string): unknown;
  };
  _data?(element: Element, key: string): Record<string, unknown> | undefined;
}

const jquery = () => (globalThis as { jQuery?: JQueryLike }).jQuery ?? null;

/** Calls `onChange` when page code changes a control through jQuery; returns the undo. */
export function followWidgets(controls: readonly Element[], onChange: () => void): () => void {
  const $ = jquery();
  if (!$) return () => {};
  for (const control of controls) $(control).on('change.parley', onChange);
  return () => controls.forEach((control) => $(control).off('change.parley'));
}

/**
 * Lets page widgets redraw after a remote value landed: native `input`/`change` events
 * when the page asked for them (`notify`), else a jQuery `change` to controls that have
 * jQuery change handlers.
 */
export function notifyWidgets(controls: readonly Element[], native: boolean): void {
  const $ = jquery();
  for (const control of controls) {
    if (native) {
      control.dispatchEvent(new Event('input', { bubbles: true }));
      control.dispatchEvent(new Event('change', { bubbles: true }));
    } else if ($?._data?.(control, 'events')?.change) {
      $(control).trigger('change');
    }
  }
}
