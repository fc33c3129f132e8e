// Two real browsers, the real relay, the demo page as a user gets it (one script tag):
// the form syncs without a call, concurrent typing converges, and after joining the call
// each side plays the other's video. Each test opens its own two pages in a room of its
// own (the browsers are shared within a pair of browsers), so none depends on another.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  closePages,
  connectedPeers,
  fieldValue,
  freshRoom,
  join,
  openDemo,
  playingRemoteVideos,
  useServersAndBrowsers,
  waitUntil,
} from './harness.mjs';

const NOTES = 'Customer asked for a split payment.';

for (const [first, second] of [
  ['chromium', 'chromium'],
  ['chromium', 'firefox'],
]) {
  describe(`demo page, ${first} + ${second}`, () => {
    const shared = useServersAndBrowsers([first, second]);

    /** Ada and Bob on fresh pages in a fresh room, opened at the same moment; `test.after` closes them. */
    async function openPair(t, { connected = true } = {}) {
      const room = freshRoom(`e2e-${first}-${second}`);
      const [a, b] = await Promise.all([
        openDemo(shared.browsers[0], shared.servers.demoUrl({ room, name: 'Ada' })),
        openDemo(shared.browsers[1], shared.servers.demoUrl({ room, name: 'Bob' })),
      ]);
      t.after(() => closePages(a, b));
      if (connected) {
        await waitUntil(async () => (await connectedPeers(a)) === 1 && (await connectedPeers(b)) === 1, 'Ada and Bob to connect');
      }
      return { a, b };
    }

    /** Types `text` at the end of the field `selector` on `page`. */
    async function typeAtEnd(page, selector, text) {
      await page.click(selector);
      await page.keyboard.press('End');
      await page.keyboard.type(text, { delay: 10 });
    }

    it('seeds the server-rendered values once on both pages, opened at the same moment', async (t) => {
      const { a, b } = await openPair(t);
      // Markers typed after each page seeded: once each has the other's marker, it has every
      // update the other sent before it, a second copy of the seed included.
      await typeAtEnd(a, '#notes', ' [Ada]');
      await typeAtEnd(b, '#number', '-B');
      await waitUntil(async () => (await fieldValue(b, '#notes')).endsWith('[Ada]'), 'Ada’s marker on Bob’s page');
      await waitUntil(async () => (await fieldValue(a, '#number')).endsWith('-B'), 'Bob’s marker on Ada’s page');
      for (const page of [a, b]) {
        assert.equal(await fieldValue(page, '#notes'), `${NOTES} [Ada]`);
        assert.equal(await fieldValue(page, '#number'), 'INV-2026-0042-B');
        assert.equal(await fieldValue(page, '#amount'), '1200.00');
      }
    });

    it('syncs fields without a call, typing on both sides at once', async (t) => {
      const { a, b } = await openPair(t);
      await a.click('#notes');
      await a.keyboard.press('End');
      await b.click('#number');
      await b.keyboard.press('End');
      await Promise.all([a.keyboard.type(' Ada agrees.', { delay: 10 }), b.keyboard.type('-B', { delay: 10 })]);
      await waitUntil(async () => (await fieldValue(b, '#notes')) === `${NOTES} Ada agrees.`, 'Ada’s notes on Bob’s page');
      await waitUntil(async () => (await fieldValue(a, '#number')) === 'INV-2026-0042-B', 'Bob’s edit on Ada’s page');
      assert.equal(await fieldValue(a, '#notes'), `${NOTES} Ada agrees.`);
      assert.equal(await fieldValue(b, '#number'), 'INV-2026-0042-B');
      assert.equal(await fieldValue(b, '#reminder'), false);
      await a.click('#reminder');
      await waitUntil(async () => (await fieldValue(b, '#reminder')) === true, 'the checkbox');
      assert.equal(await b.evaluate(() => document.querySelector('parley-room').session.inCall), false, 'no call was joined');
    });

    it('syncs jQuery widgets both ways: select2 redraws, the datepicker’s value arrives', async (t) => {
      const { a, b } = await openPair(t);
      assert.notEqual(await fieldValue(a, '#status'), 'paid');
      // Bob picks "Paid" in the select2 dropdown, as a user does.
      await b.click('#status + .select2 .select2-selection');
      const option = await b.waitForSelector('.select2-results__option ::-p-text(Paid)');
      await option.click();
      await waitUntil(async () => (await fieldValue(a, '#status')) === 'paid', 'the status on Ada’s page');
      await waitUntil(
        () => a.$eval('#select2-status-container', (el) => el.textContent.trim() === 'Paid'),
        'Ada’s select2 to show the new choice',
      );
      // Ada picks a date through the datepicker's API (what its calendar click does).
      await a.evaluate(() => window.jQuery('#due').datepicker('update', '2027-01-31').trigger('change'));
      await waitUntil(async () => (await fieldValue(b, '#due')) === '2027-01-31', 'the date on Bob’s page');
    });

    it('plays the remote video on each page after both join', async (t) => {
      const { a, b } = await openPair(t);
      assert.equal(await playingRemoteVideos(a), 0, 'no video before anyone joins');
      // Both at once: both add media at the same moment, so both offer and perfect
      // negotiation sorts it out (across browsers too, rebuilding the pair if Chromium
      // refuses Firefox's offer after its rollback).
      await Promise.all([join(a), join(b)]);
      await waitUntil(async () => (await playingRemoteVideos(a)) === 1, 'a remote video playing on Ada’s page', 30000);
      await waitUntil(async () => (await playingRemoteVideos(b)) === 1, 'a remote video playing on Bob’s page', 30000);
      assert.deepEqual([...a.parleyErrors, ...b.parleyErrors], []);
    });

    it('posts the converged values natively, with the CSRF token, to the page’s endpoint', async (t) => {
      const { a, b } = await openPair(t);
      // Edits on both pages, each waited for on the other.
      await typeAtEnd(a, '#notes', ' Ada agrees.');
      await typeAtEnd(b, '#number', '-B');
      await a.click('#reminder');
      await b.evaluate(() => window.jQuery('#status').val('paid').trigger('change'));
      await a.evaluate(() => window.jQuery('#due').datepicker('update', '2027-01-31').trigger('change'));
      await waitUntil(async () => (await fieldValue(b, '#notes')) === `${NOTES} Ada agrees.`, 'Ada’s notes on Bob’s page');
      await waitUntil(async () => (await fieldValue(b, '#reminder')) === true, 'Ada’s checkbox on Bob’s page');
      await waitUntil(async () => (await fieldValue(b, '#due')) === '2027-01-31', 'Ada’s date on Bob’s page');
      const before = shared.servers.saved.length;
      // Bob submits: what he posts are Ada's edits as well as his own.
      await Promise.all([b.waitForNavigation(), b.click('button[type=submit]')]);
      assert.equal(shared.servers.saved.length, before + 1);
      const posted = Object.fromEntries(shared.servers.saved.at(-1));
      assert.equal(posted.notes, `${NOTES} Ada agrees.`);
      assert.equal(posted.number, 'INV-2026-0042-B');
      assert.equal(posted.status, 'paid');
      assert.equal(posted.due, '2027-01-31');
      assert.equal(posted.reminder, 'on');
      assert.equal(posted.customer, '1');
      assert.equal(posted.csrf_token, 'IjQ2ZDk1ZjA2ZGUyYzQ1NjM4NDc4YTk3NWE2Y2Y4Y2Y0Yj', 'the page’s own CSRF token is posted');
    });
  });
}
