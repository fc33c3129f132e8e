// A real connectivity failure, not a simulated one: Bob's browser is frozen (SIGSTOP on its
// renderer, where Chromium's WebRTC stack runs), so Ada's ICE consent checks go unanswered
// and her connection turns `disconnected`. After the grace period Ada restarts ICE on the
// SAME peer connection; once Bob thaws, the call resumes on that peer, with no new tile.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openPair, playingRemoteVideos, waitUntil } from './harness.mjs';
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
  let frozen = [];

  before(async () => {
    pair = await openPair(['chromium', 'chromium'], 'e2e-ice');
    ({ a, b } = pair);
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

  it('restarts ICE on the same peer after the grace period and resumes the video', async () => {
    const bob = await b.evaluate(() => document.querySelector('parley-room').session.id);
    const before = await peerState(a, bob);
    assert.equal(before.state, 'connected');

    frozen = rendererPids(pair.browsers[1]);
    assert.ok(frozen.length > 0, 'found Bob’s renderer');
    frozen.forEach((pid) => process.kill(pid, 'SIGSTOP'));
    await waitUntil(async () => (await peerState(a, bob)).state === 'disconnected', 'Ada to notice Bob is gone', 30000);
    // After DISCONNECTED_GRACE_MS Ada restarts ICE: a new local offer with new credentials.
    await waitUntil(async () => (await peerState(a, bob)).ufrag !== before.ufrag, 'Ada to restart ICE', 30000);
    const thawed = Date.now();
    frozen.forEach((pid) => process.kill(pid, 'SIGCONT'));
    frozen = [];

    await waitUntil(async () => {
      const s = await peerState(a, bob);
      return s.state === 'connected' && s.signaling === 'stable';
    }, 'the connection to recover', 30000);
    const after = await peerState(a, bob);
    assert.equal(after.samePeer, true, 'the same Peer object carried the call throughout');
    await a.evaluate(() => {
      const video = document.querySelector('parley-video-grid').shadowRoot.querySelector('video[data-remote]');
      window.__t = video.currentTime;
    });
    await waitUntil(
      () => a.evaluate(() => document.querySelector('parley-video-grid').shadowRoot.querySelector('video[data-remote]').currentTime > window.__t + 0.5),
      'Bob’s video to play again on Ada’s page',
    );
    const recovered = Date.now() - thawed;
    assert.ok(recovered < 10000, `video back ${recovered} ms after Bob’s browser resumed`);
    const tiles = await a.evaluate(() => document.querySelector('parley-video-grid').shadowRoot.querySelectorAll('[part~=tile]').length);
    assert.equal(tiles, 2, 'Ada’s tile and one tile for Bob: no ghost');
    assert.deepEqual([...a.parleyErrors, ...b.parleyErrors], []);
  });
});
