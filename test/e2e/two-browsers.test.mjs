// Two real browsers, the real relay, the demo page as a user gets it (one script tag):
// the form syncs without a call, concurrent typing converges, and after joining the call
// each side plays the other's video.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fieldValue, launch, openDemo, playingRemoteVideos, startServers, waitUntil } from './harness.mjs';

for (const [first, second] of [
  ['chromium', 'chromium'],
  ['chromium', 'firefox'],
]) {
  describe(`demo page, ${first} + ${second}`, () => {
    let servers;
    let browsers = [];
    let a;
    let b;

    before(async () => {
      servers = await startServers();
      browsers = await Promise.all([launch(first), launch(second)]);
      const room = `e2e-${first}-${second}-${Date.now()}`;
      a = await openDemo(browsers[0], servers.demoUrl({ room, name: 'Ada' }));
      b = await openDemo(browsers[1], servers.demoUrl({ room, name: 'Bob' }));
    });

    after(async () => {
      await Promise.all(browsers.map((browser) => browser.close().catch(() => {})));
      await servers?.close();
    });

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
      await b.click('#customer');
      await b.keyboard.press('End');
      await Promise.all([a.keyboard.type(' Ada agrees.', { delay: 10 }), b.keyboard.type(' Ltd', { delay: 10 })]);
      await waitUntil(
        async () => (await fieldValue(b, '#notes')) === 'Customer asked for a split payment. Ada agrees.',
        'Ada’s notes on Bob’s page',
      );
      await waitUntil(async () => (await fieldValue(a, '#customer')) === 'Globex Corporation Ltd', 'Bob’s edit on Ada’s page');
      await b.select('#status', 'paid');
      await waitUntil(async () => (await fieldValue(a, '#status')) === 'paid', 'the status select');
      await a.click('#reminder');
      await waitUntil(async () => (await fieldValue(b, '#reminder')) === true, 'the checkbox');
      // The page's own form still submits the converged values.
      const posted = await b.evaluate(() => Object.fromEntries(new FormData(document.querySelector('form'))));
      assert.equal(posted.notes, 'Customer asked for a split payment. Ada agrees.');
      assert.equal(posted.status, 'paid');
      assert.ok(posted.csrf_token, 'the CSRF token is still posted');
    });

    it('plays the remote video on each page after both join', async () => {
      await Promise.all([a, b].map((page) => page.evaluate(() => document.querySelector('parley-room').join())));
      await waitUntil(async () => (await playingRemoteVideos(a)) === 1, 'a remote video playing on Ada’s page', 30000);
      await waitUntil(async () => (await playingRemoteVideos(b)) === 1, 'a remote video playing on Bob’s page', 30000);
      assert.deepEqual([...a.parleyErrors, ...b.parleyErrors], []);
    });
  });
}
