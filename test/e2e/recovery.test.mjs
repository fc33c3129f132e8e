// Recovery, end to end: a call between real browsers survives the relay being killed and
// restarted on the same port (media is peer-to-peer; signaling reconnects and re-announces),
// a newcomer can still join afterwards, and a participant who reloads comes back as one
// tile, with no ghost of their previous page left behind.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRelay } from '../../signaling/src/relay.js';
import { serveStatic } from '../../scripts/serve.mjs';
import { join, keepsPlaying, launch, openDemo, playingRemoteVideos, sessionId, waitUntil } from './harness.mjs';

/** Remote tiles (camera tiles of other people) in the page's grid, by peer id. */
const remoteTiles = (page) =>
  page.evaluate(() => {
    const grid = document.querySelector('parley-video-grid');
    const self = document.querySelector('parley-room').session.id;
    return [...grid.shadowRoot.querySelectorAll('[part~=tile][data-peer]')]
      .filter((t) => !t.matches('[part~=screen]'))
      .map((t) => t.dataset.peer)
      .filter((id) => id !== self);
  });


describe('recovery: relay restart and reload mid-call', () => {
  let relay;
  let port;
  let web;
  let browser;
  let a;
  let b;
  let url;

  before(async () => {
    relay = await createRelay({ port: 0, log: () => {} });
    port = relay.port;
    web = await serveStatic({ port: 0 });
    browser = await launch('chromium');
    const room = `e2e-recovery-${Date.now()}`;
    url = (name) => `${web.url}/demo/?${new URLSearchParams({ room, name, signaling: relay.url })}`;
    a = await openDemo(browser, url('Ada'));
    b = await openDemo(browser, url('Bob'));
    await Promise.all([join(a), join(b)]);
    await waitUntil(async () => (await playingRemoteVideos(a)) === 1, 'Bob’s video on Ada’s page', 30000);
    await waitUntil(async () => (await playingRemoteVideos(b)) === 1, 'Ada’s video on Bob’s page', 30000);
  });

  after(async () => {
    await browser?.close().catch(() => {});
    web?.server.close();
    await relay?.close();
  });

  it('keeps the video playing while the relay is down, and lets a newcomer join after it restarts', async () => {
    await relay.close();
    assert.ok(await keepsPlaying(a), 'Ada still sees Bob with the relay down');
    assert.ok(await keepsPlaying(b), 'Bob still sees Ada with the relay down');

    relay = await createRelay({ port, log: () => {} });
    const restarted = Date.now();
    const carol = await openDemo(browser, url('Carol'));
    try {
      await join(carol);
      await waitUntil(async () => (await playingRemoteVideos(carol)) === 2, 'Ada and Bob on Carol’s page', 30000);
      await waitUntil(async () => (await remoteTiles(a)).length === 2, 'Carol’s tile on Ada’s page', 30000);
      const back = Date.now() - restarted;
      assert.ok(back < 20000, `signaling back and Carol connected in ${back} ms`);
      assert.ok(await keepsPlaying(a), 'Ada sees Bob and Carol');
      assert.deepEqual((await remoteTiles(a)).length, 2);
    } finally {
      await carol.close(); // the next test counts Ada's tiles
    }
    await waitUntil(async () => (await remoteTiles(a)).length === 1, 'Carol to leave Ada’s page');
  });

  it('a participant who reloads comes back as one tile, with no ghost', async () => {
    const oldBob = await sessionId(b);
    await b.reload({ waitUntil: 'load' });
    await b.waitForFunction(() => document.querySelector('parley-room')?.session);
    await join(b);
    const newBob = await sessionId(b);
    assert.notEqual(newBob, oldBob);
    await waitUntil(async () => {
      const tiles = await remoteTiles(a);
      return tiles.length === 1 && tiles[0] === newBob;
    }, 'exactly the new Bob on Ada’s page', 30000);
    await waitUntil(async () => (await playingRemoteVideos(b)) === 1, 'Ada’s video on the reloaded page', 30000);
    assert.ok(await keepsPlaying(a), 'Ada sees the reloaded Bob');
    assert.deepEqual(await remoteTiles(a), [newBob]);
    assert.deepEqual([...a.parleyErrors, ...b.parleyErrors], []);
  });
});
