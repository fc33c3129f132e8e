// `<parley-form persist>` across a real reload (page.reload(), a new document and a new JS
// heap), in Chromium and in Firefox. The page is alone in a room of its own, so after the
// reload nobody in the room holds the edit: only the browser's IndexedDB can bring it back.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { closePages, fieldValue, freshRoom, launch, openDemo, startServers, waitUntil } from './harness.mjs';

const NOTES = 'Customer asked for a split payment.';

/** Whether the room's IndexedDB store holds an update containing `marker` (UTF-8). */
const storedInIndexedDb = (page, room, marker) =>
  page.evaluate(
    (name, marker) =>
      new Promise((resolve) => {
        const open = indexedDB.open(name);
        open.onerror = () => resolve(false);
        open.onsuccess = () => {
          const db = open.result;
          if (!db.objectStoreNames.contains('updates')) return db.close(), resolve(false);
          const all = db.transaction('updates').objectStore('updates').getAll();
          all.onsuccess = () => {
            db.close();
            const needle = new TextEncoder().encode(marker);
            const has = (bytes) => {
              outer: for (let i = 0; i + needle.length <= bytes.length; i++) {
                for (let j = 0; j < needle.length; j++) if (bytes[i + j] !== needle[j]) continue outer;
                return true;
              }
              return false;
            };
            resolve(all.result.some((update) => has(new Uint8Array(update))));
          };
          all.onerror = () => (db.close(), resolve(false));
        };
      }),
    `parley:${room}`,
    marker,
  );

for (const kind of ['chromium', 'firefox']) {
  describe(`persist across a reload, ${kind}`, () => {
    let servers;
    let browser;

    before(async () => {
      servers = await startServers();
      browser = await launch(kind);
    });

    after(async () => {
      await browser?.close().catch(() => {});
      await servers?.close();
    });

    it('an edit comes back after page.reload(), alone in the room, from IndexedDB', { timeout: 120_000 }, async (t) => {
      const room = freshRoom(`e2e-persist-${kind}`);
      const url = `${servers.demoUrl({ room, name: 'Ada' })}&persist`;
      const page = await openDemo(browser, url);
      t.after(() => closePages(page));
      assert.equal(await page.$eval('parley-form', (form) => form.hasAttribute('persist')), true);
      // Alone: the relay counts one subscriber in the room.
      await page.evaluate(() => document.querySelector('parley-room').session.whenSettled());
      assert.equal(await page.evaluate(() => document.querySelector('parley-room').session.peers.size), 0);

      // One edit, as a paste: a single update with the whole marker in it.
      const marker = `kept-${Date.now()}`;
      await page.$eval(
        '#notes',
        (el, marker) => {
          el.value += ` ${marker}`;
          el.dispatchEvent(new InputEvent('input', { bubbles: true, inputType: 'insertFromPaste' }));
        },
        marker,
      );
      await waitUntil(() => storedInIndexedDb(page, room, marker), 'the edit to be written to IndexedDB');

      await page.reload({ waitUntil: 'load' });
      await page.waitForFunction(() => document.querySelector('parley-room')?.session);
      // The server renders the old value; the stored room state replaces it.
      await waitUntil(async () => (await fieldValue(page, '#notes')) === `${NOTES} ${marker}`, 'the edit to come back after the reload', 30_000);
      assert.equal(await page.evaluate(() => document.querySelector('parley-room').session.peers.size), 0, 'still alone in the room');

      // Control: once that page is gone, the same room opened without persist (a new
      // context, its own empty IndexedDB) has nobody to get the edit from.
      await closePages(page);
      const control = await openDemo(browser, servers.demoUrl({ room, name: 'Bob' }));
      t.after(() => closePages(control));
      await control.evaluate(() => document.querySelector('parley-room').session.whenSettled());
      assert.equal(await control.evaluate(() => document.querySelector('parley-room').session.peers.size), 0);
      assert.equal(await fieldValue(control, '#notes'), NOTES);
    });
  });
}
