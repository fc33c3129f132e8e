// The call engine across real browsers: a whole call (both join at once, camera off/on,
// screen share on/off, a device switch, leave, join again) is ONE offer/answer per pair
// and zero rebuilt connections, and the video each side is already watching keeps
// presenting frames in the same <video> while the other side changes its media.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openPair, playingRemoteVideos, waitUntil } from './harness.mjs';

/** Offers made by this page's connection(s), and whether it ever held another Peer. */
const engineState = (page) =>
  page.evaluate(() => {
    const session = document.querySelector('parley-room').session;
    const peers = [...session.peers.values()];
    if (!window.__seen) {
      // Every connection this page ever makes from now on, the first one included.
      window.__seen = new Set(peers);
      session.events.on('peer', (peer) => window.__seen.add(peer));
    }
    return { offers: [...window.__seen].reduce((n, p) => n + p.offers, 0), peers: window.__seen.size, open: peers.filter((p) => !p.closed).length };
  });

/**
 * Starts watching the other person's camera <video> on this page: every presented frame
 * (requestVideoFrameCallback) is timed, and the element is remembered.
 */
const watchCamera = (page) =>
  page.evaluate(() => {
    const grid = document.querySelector('parley-video-grid');
    const video = grid.shadowRoot.querySelector('[part~=tile]:not([part~=self]):not([part~=screen]) video');
    const watch = { video, frames: [], stopped: false, reloaded: 0 };
    // A reload (srcObject set again, the element re-created) is a blank whatever the load.
    video.addEventListener('emptied', () => watch.reloaded++);
    const next = () =>
      video.requestVideoFrameCallback((now) => {
        watch.frames.push(now);
        if (!watch.stopped) next();
      });
    next();
    window.__watch = watch;
  });

/** Stops watching; the longest gap between frames, and whether the element stayed. */
const watched = (page) =>
  page.evaluate(() => {
    const watch = window.__watch;
    watch.stopped = true;
    const grid = document.querySelector('parley-video-grid');
    const now = grid.shadowRoot.querySelector('[part~=tile]:not([part~=self]):not([part~=screen]) video');
    let gap = 0;
    for (let i = 1; i < watch.frames.length; i++) gap = Math.max(gap, watch.frames[i] - watch.frames[i - 1]);
    gap = Math.max(gap, performance.now() - watch.frames[watch.frames.length - 1]);
    return { same: now === watch.video && watch.video.isConnected, reloaded: watch.reloaded, frames: watch.frames.length, gap: Math.round(gap) };
  });

const media = (page, who) =>
  page.evaluate((who) => {
    const session = document.querySelector('parley-room').session;
    return session.participants().find((p) => !p.isLocal && p.name === who)?.media ?? null;
  }, who);

for (const kinds of [
  ['chromium', 'chromium'],
  ['chromium', 'firefox'],
]) {
  describe(`the call engine, ${kinds.join(' ↔ ')}`, () => {
    let pair;
    let a;
    let b;

    before(async () => {
      pair = await openPair(kinds, `e2e-engine-${kinds[1]}`);
      ({ a, b } = pair);
      await waitUntil(async () => (await engineState(a)).open === 1 && (await engineState(b)).open === 1, 'the pair to connect');
      // Both at once: where two offers used to collide.
      await Promise.all([a, b].map((page) => page.evaluate(() => document.querySelector('parley-room').join())));
      await waitUntil(async () => (await playingRemoteVideos(a)) === 1 && (await playingRemoteVideos(b)) === 1, 'both videos', 30000);
      // A screen capturer sends frames when the screen changes: keep Ada's screen moving.
      await a.evaluate(() => {
        const clock = document.body.appendChild(document.createElement('output'));
        setInterval(() => (clock.textContent = String(performance.now())), 50);
      });
    });

    after(() => pair?.close());

    it('keeps the other side’s video presenting frames while Ada shares her screen and stops', async () => {
      await watchCamera(b);
      await a.click('parley-controls >>> button[part~=screen]');
      await waitUntil(async () => (await media(b, 'Ada'))?.screen, 'Ada’s screen at Bob');
      await waitUntil(() => b.evaluate(() => Boolean(document.querySelector('parley-video-grid').shadowRoot.querySelector('[part~=screen] video'))), 'the screen tile');
      await new Promise((resolve) => setTimeout(resolve, 1000)); // a second of both videos
      await a.click('parley-controls >>> button[part~=screen]');
      await waitUntil(async () => !(await media(b, 'Ada'))?.screen, 'the share to end at Bob');
      await new Promise((resolve) => setTimeout(resolve, 500));
      const seen = await watched(b);
      assert.equal(seen.same, true, 'Ada’s camera stayed in the same <video> on Bob’s page');
      assert.equal(seen.reloaded, 0, 'Ada’s camera video was never reloaded');
      // A blank restarts the video for a second or more; a loaded 2-core machine alone has
      // shown gaps up to ~750 ms between presented frames.
      assert.ok(seen.gap < 1000, `Ada’s camera kept presenting frames (longest gap ${seen.gap} ms, ${seen.frames} frames)`);
    });

    it('keeps Ada’s video presenting frames while Bob turns his camera off and on', async () => {
      await watchCamera(a);
      await watchCamera(b);
      await b.click('parley-controls >>> button[part~=camera]');
      await waitUntil(async () => (await media(a, 'Bob'))?.video === false, 'Bob’s camera off at Ada');
      await b.click('parley-controls >>> button[part~=camera]');
      await waitUntil(async () => (await media(a, 'Bob'))?.video === true, 'Bob’s camera on at Ada');
      await new Promise((resolve) => setTimeout(resolve, 500));
      const atBob = await watched(b);
      assert.equal(atBob.same, true, 'Ada’s camera stayed in the same <video> on Bob’s page');
      assert.equal(atBob.reloaded, 0, 'Ada’s camera video was never reloaded');
      assert.ok(atBob.gap < 1000, `Ada’s camera kept presenting frames (longest gap ${atBob.gap} ms)`);
      const atAda = await watched(a);
      assert.equal(atAda.same, true, 'Bob’s camera came back in the same <video> on Ada’s page');
    });

    it('makes one offer for the whole call: device switch, leave and join again included', async () => {
      await a.evaluate(async () => {
        const session = document.querySelector('parley-room').session;
        const cameras = (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === 'videoinput');
        await session.setDevice('camera', cameras[cameras.length - 1].deviceId);
      });
      for (const [page, other, name] of [
        [a, b, 'Ada'],
        [b, a, 'Bob'],
      ]) {
        await page.evaluate(() => document.querySelector('parley-room').leave());
        await waitUntil(async () => (await media(other, name)) === null, `${name} to leave at the other side`);
        await page.evaluate(() => document.querySelector('parley-room').join());
        await waitUntil(async () => (await media(other, name))?.video, `${name} back in the call`);
      }
      await waitUntil(async () => (await playingRemoteVideos(a)) === 1 && (await playingRemoteVideos(b)) === 1, 'both videos again', 30000);
      const [atA, atB] = [await engineState(a), await engineState(b)];
      assert.deepEqual({ offers: atA.offers + atB.offers, rebuilt: atA.peers + atB.peers - 2 }, { offers: 1, rebuilt: 0 });
      assert.deepEqual([...a.parleyErrors, ...b.parleyErrors], []);
    });
  });
}
