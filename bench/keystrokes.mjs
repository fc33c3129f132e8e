// Keystroke → remote field latency, shared by `bench:e2e` and `bench:forms`: one page types
// into a field, the other timestamps each remote `parley-field-change`. Both stamps are
// epoch time (timeOrigin + now), so the two pages are measured on one clock.
import { waitUntil } from '../test/e2e/harness.mjs';

/**
 * Types `count` keys, one at a time, at the end of `selector` on page `from`, each once the
 * previous one has reached the <parley-form> of page `to`; returns each key's latency in ms.
 */
export async function keystrokeLatencies(from, to, selector, count) {
  await to.evaluate(() => {
    window.__arrivals = [];
    // Once per page: a second run on the same page counts each arrival once.
    if (window.__listening) return;
    window.__listening = true;
    document.querySelector('parley-form').addEventListener('parley-field-change', (event) => {
      if (event.detail.origin === 'remote') window.__arrivals.push(performance.timeOrigin + performance.now());
    });
  });
  const sent = [];
  for (let i = 0; i < count; i++) {
    sent.push(
      await from.evaluate((selector) => {
        const el = document.querySelector(selector);
        el.focus();
        el.setSelectionRange(el.value.length, el.value.length);
        el.value += 'x';
        const t = performance.timeOrigin + performance.now();
        el.dispatchEvent(new InputEvent('input', { bubbles: true, inputType: 'insertText', data: 'x' }));
        return t;
      }, selector),
    );
    await waitUntil(() => to.evaluate((n) => window.__arrivals.length >= n, sent.length), 'a keystroke to arrive', 5000);
  }
  const arrivals = await to.evaluate(() => window.__arrivals);
  return sent.map((t, i) => arrivals[i] - t);
}
