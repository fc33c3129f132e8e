// Screen share across browsers: Chromium shares its screen from <parley-controls>' own
// button (a real click, which getDisplayMedia requires); Firefox shows it as a large tile
// of its own, with frames, next to the sharer's camera tile, and drops it when sharing stops.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openPair, playingRemoteVideos, waitUntil } from './harness.mjs';

const screenTile = (page) =>
  page.evaluate(async () => {
    const grid = document.querySelector('parley-video-grid');
    const tile = grid.shadowRoot.querySelector('[part~=tile][part~=screen]');
    if (!tile) return null;
    const video = tile.querySelector('video');
    // Playing: new frames presented now (requestVideoFrameCallback), two within two seconds.
    const playing = await new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), 2000);
      video.requestVideoFrameCallback(() =>
        video.requestVideoFrameCallback(() => {
          clearTimeout(timer);
          resolve(true);
        }),
      );
    });
    const camera = grid.shadowRoot.querySelector(`[part~=tile][data-peer="${tile.dataset.peer}"]:not([part~=screen])`);
    return {
      label: tile.getAttribute('aria-label'),
      featured: tile.part.contains('featured'),
      playing,
      wider: tile.getBoundingClientRect().width > (camera?.getBoundingClientRect().width ?? Infinity),
      cameraVisible: (camera?.getBoundingClientRect().height ?? 0) > 0,
    };
  });

describe('screen share, chromium → firefox', () => {
  let pair;
  let a;
  let b;

  before(async () => {
    pair = await openPair(['chromium', 'firefox'], 'e2e-screen');
    ({ a, b } = pair);
    await Promise.all([a, b].map((page) => page.evaluate(() => document.querySelector('parley-room').join())));
    await waitUntil(async () => (await playingRemoteVideos(b)) === 1, 'Ada’s camera on Bob’s page', 30000);
    await waitUntil(async () => (await playingRemoteVideos(a)) === 1, 'Bob’s camera on Ada’s page', 30000);
  });

  after(() => pair?.close());

  it('shows the shared screen large on the other side, with frames, and removes it when sharing stops', async () => {
    // A screen capturer sends frames when the screen changes: keep Ada's screen moving, as
    // a real one would, so a frame lost before Bob's decoder is ready is soon followed by more.
    await a.evaluate(() => {
      const clock = document.body.appendChild(document.createElement('output'));
      setInterval(() => (clock.textContent = String(performance.now())), 50);
    });
    await a.waitForSelector('parley-controls >>> button[part~=screen]');
    await a.click('parley-controls >>> button[part~=screen]');
    await waitUntil(() => a.evaluate(() => Boolean(document.querySelector('parley-room').session.screenStream)), 'Ada to share');
    await waitUntil(async () => (await screenTile(b))?.playing, 'Ada’s screen playing on Bob’s page', 30000);
    const tile = await screenTile(b);
    assert.equal(tile.label, "Ada's screen");
    assert.equal(tile.featured, true);
    assert.equal(tile.wider, true, 'the screen tile is larger than the camera tile');
    assert.equal(tile.cameraVisible, true, 'Ada’s camera tile stays visible');

    // The browser's "Stop sharing" ends the track; here the same path via the toggle.
    await a.click('parley-controls >>> button[part~=screen]');
    await waitUntil(async () => (await screenTile(b)) === null, 'the screen tile to go on Bob’s page', 20000);
    assert.deepEqual([...a.parleyErrors, ...b.parleyErrors], []);
  });
});
