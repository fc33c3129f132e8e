// A real connectivity failure, not a simulated one: Bob's browser is frozen (SIGSTOP on its
// renderer, where Chromium's WebRTC stack runs), so the heartbeat on Ada's data channel goes
// unanswered. Within seconds Ada restarts ICE on the SAME peer connection; once Bob thaws,
// the call resumes on that peer, in the same <video>, with no new tile.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openPair, playingRemoteVideos, sessionId, waitUntil } from './harness.mjs';
import { rendererPids } from './processes.mjs';

const peerState = (page, id) =>
  page.evaluate((id) => {
    const peer = document.querySelector('parley-room').session.peers.get(id);
    window.__peers ??= new Set();
    window.__peers.add(peer);
    return {
      state: peer?.pc.connectionState,
      signaling: peer?.pc.signalingState,
      ufrag: peer?.pc.localDescription?.sdp.match(/a=ice-ufrag:(\S+)/)?.[1],
      samePeer: window.__peers.size === 1,
    };
  }, id);

describe('recovery from a real ICE failure', () => {
  let pair;
  let a;
  let b;
  /** The browser of `b`, the page that is frozen. */
  let bobBrowser;
  let frozen = [];

  before(async () => {
    pair = await openPair(['chromium', 'chromium'], 'e2e-ice');
    // Only the impolite side of a pair makes ICE restart offers; the polite side asks it to
    // (negotiation.ts). `a` ("Ada") is the impolite page, whose restart is watched while the
    // other is frozen.
    const ids = await Promise.all([pair.a, pair.b].map(sessionId));
    const swap = ids[0] < ids[1];
    [a, b] = swap ? [pair.b, pair.a] : [pair.a, pair.b];
    bobBrowser = pair.browsers[swap ? 0 : 1];
    await Promise.all([a, b].map((page) => page.evaluate(() => document.querySelector('parley-room').join())));
    await waitUntil(async () => (await playingRemoteVideos(a)) === 1, 'Bob’s video on Ada’s page', 30000);
  });

  after(async () => {
    for (const pid of frozen) {
      try {
        process.kill(pid, 'SIGCONT');
      } catch {}
    }
    await pair?.close();
  });

  it('does not restart ICE when the other page is only busy: its media still arrives', async () => {
    const bob = await sessionId(b);
    const offers = () => a.evaluate((id) => document.querySelector('parley-room').session.peers.get(id).offers, bob);
    const before = await offers();
    // Bob's page runs a 4 s task: no ping is answered meanwhile, but his browser's WebRTC
    // threads go on sending his video.
    await b.evaluate(() => {
      const until = performance.now() + 4000;
      while (performance.now() < until) {
        /* busy */
      }
    });
    // Bob is back: once his next edit reaches Ada, her heartbeat has had the whole 4 s
    // (twice its silence limit) to judge the connection.
    await b.evaluate(() => document.querySelector('parley-room').session.doc.getMap('probe').set('back', true));
    await waitUntil(() => a.evaluate(() => document.querySelector('parley-room').session.doc.getMap('probe').get('back')), 'Bob’s edit at Ada');
    assert.equal(await offers(), before, 'no ICE restart offer from Ada');
    const state = await peerState(a, bob);
    assert.equal(state.state, 'connected');
  });

  it('restarts ICE on the same peer when the heartbeat stops, and resumes the same video', async () => {
    const bob = await sessionId(b);
    const before = await peerState(a, bob);
    assert.equal(before.state, 'connected');
    // The <video> showing Bob, marked, so we can tell whether it is still the same element.
    await a.evaluate(() => {
      document.querySelector('parley-video-grid').shadowRoot.querySelector('video[data-remote]').__bob = true;
    });

    frozen = rendererPids(bobBrowser);
    assert.ok(frozen.length > 0, 'found Bob’s renderer');
    const frozenAt = Date.now();
    frozen.forEach((pid) => process.kill(pid, 'SIGSTOP'));
    // The heartbeat finds the dead path: a new local offer with new credentials.
    await waitUntil(async () => (await peerState(a, bob)).ufrag !== before.ufrag, 'Ada to restart ICE', 30000);
    console.log(`# ICE restarted ${Date.now() - frozenAt} ms after Bob froze`);
    frozen.forEach((pid) => process.kill(pid, 'SIGCONT'));
    frozen = [];

    await waitUntil(async () => {
      const s = await peerState(a, bob);
      return s.state === 'connected' && s.signaling === 'stable';
    }, 'the connection to recover', 30000);
    const after = await peerState(a, bob);
    assert.equal(after.samePeer, true, 'the same Peer object carried the call throughout');
    // Frames presented again, counted with requestVideoFrameCallback, in the same element.
    const frames = await a.evaluate(
      () =>
        new Promise((resolve, reject) => {
          const video = document.querySelector('parley-video-grid').shadowRoot.querySelector('video[data-remote]');
          if (!video.__bob) return reject(new Error('Bob’s <video> was replaced'));
          let count = 0;
          const timer = setTimeout(() => resolve(count), 20000);
          const next = () =>
            video.requestVideoFrameCallback(() => {
              if (++count < 10) return next();
              clearTimeout(timer);
              resolve(count);
            });
          next();
        }),
    );
    assert.equal(frames, 10, 'Bob’s video presents frames again');
    const tiles = await a.evaluate(() => document.querySelector('parley-video-grid').shadowRoot.querySelectorAll('[part~=tile]').length);
    assert.equal(tiles, 2, 'Ada’s tile and one tile for Bob: no ghost');
    assert.deepEqual([...a.parleyErrors, ...b.parleyErrors], []);
  });
});
