// Two real browsers, the real relay, the demo page as a user gets it (one script tag):
// the form syncs without a call, concurrent typing converges, and after joining the call
// each side plays the other's video.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fieldValue, openPair, playingRemoteVideos, waitUntil } from './harness.mjs';

for (const [first, second] of [
  ['chromium', 'chromium'],
  ['chromium', 'firefox'],
]) {
  describe(`demo page, ${first} + ${second}`, () => {
    let pair;
    let a;
    let b;

    before(async () => {
      pair = await openPair([first, second], `e2e-${first}-${second}`);
      ({ a, b } = pair);
    });

    after(() => pair?.close());

    it('seeds the server-rendered values once on both pages', async () => {
      await waitUntil(
        () => a.evaluate(() => document.querySelector('parley-room').session.peers.size > 0),
        'the pages to connect',
      );
      await new Promise((resolve) => setTimeout(resolve, 500));
      assert.equal(await fieldValue(a, '#notes'), 'Customer asked for a split payment.');
      assert.equal(await fieldValue(b, '#notes'), 'Customer asked for a split payment.');
      assert.equal(await fieldValue(b, '#number'), 'INV-2026-0042');
    });

    it('syncs fields without a call, typing on both sides at once', async () => {
      await a.click('#notes');
      await a.keyboard.press('End');
      await b.click('#number');
      await b.keyboard.press('End');
      await Promise.all([a.keyboard.type(' Ada agrees.', { delay: 10 }), b.keyboard.type('-B', { delay: 10 })]);
      await waitUntil(
        async () => (await fieldValue(b, '#notes')) === 'Customer asked for a split payment. Ada agrees.',
        'Ada’s notes on Bob’s page',
      );
      await waitUntil(async () => (await fieldValue(a, '#number')) === 'INV-2026-0042-B', 'Bob’s edit on Ada’s page');
      await a.click('#reminder');
      await waitUntil(async () => (await fieldValue(b, '#reminder')) === true, 'the checkbox');
    });

    it('syncs jQuery widgets both ways: select2 redraws, the datepicker’s value arrives', async () => {
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

    it('plays the remote video on each page after both join', async () => {
      const join = (page) => page.evaluate(() => document.querySelector('parley-room').join());
      // Both at once: both add media at the same moment, so both offer and perfect
      // negotiation sorts it out (across browsers too, rebuilding the pair if Chromium
      // refuses Firefox's offer after its rollback).
      await Promise.all([join(a), join(b)]);
      await waitUntil(async () => (await playingRemoteVideos(a)) === 1, 'a remote video playing on Ada’s page', 30000);
      await waitUntil(async () => (await playingRemoteVideos(b)) === 1, 'a remote video playing on Bob’s page', 30000);
      assert.deepEqual([...a.parleyErrors, ...b.parleyErrors], []);
    });

    it('posts the converged values natively, with the CSRF token, to the page’s endpoint', async () => {
      await Promise.all([b.waitForNavigation(), b.click('button[type=submit]')]);
      const posted = Object.fromEntries(pair.servers.saved.at(-1));
      assert.equal(posted.notes, 'Customer asked for a split payment. Ada agrees.');
      assert.equal(posted.number, 'INV-2026-0042-B');
      assert.equal(posted.status, 'paid');
      assert.equal(posted.due, '2027-01-31');
      assert.equal(posted.reminder, 'on');
      assert.equal(posted.customer, '1');
      assert.ok(posted.csrf_token, 'the CSRF token is still posted');
    });
  });
}
