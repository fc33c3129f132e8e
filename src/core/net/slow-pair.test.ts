import { expect } from '@open-wc/testing';
import { Session } from '../session/session.js';
import { PEER_CONNECT_TIMEOUT_MS } from './mesh.js';
import type { ParleyError } from '../errors.js';
import { shapedRelay, uniqueRoom, waitFor } from '../../../test/helpers.js';

// A pair whose path drops everything at first (a shaped link losing every datagram,
// bench/shaped-link.mjs) is closed, at the latest after PEER_CONNECT_TIMEOUT_MS like a hello
// nobody stands behind, and tried again; once the path clears, it connects and the form
// syncs. Nothing is patched.
describe('a pair that cannot connect at first', () => {
  const sessions: Session[] = [];
  afterEach(() => sessions.splice(0).forEach((s) => s.destroy()));

  it('is closed and tried again, and connects on its own once the path clears', async function () {
    this.timeout(PEER_CONNECT_TIMEOUT_MS * 3);
    const link = await shapedRelay();
    await link.shape({ mbit: 50, rttMs: 10, queueMs: 200, lossEvery: 1 });
    const room = uniqueRoom('slow-pair');
    const errors: ParleyError[] = [];
    const [ada, bob] = ['Ada', 'Bob'].map((name) => new Session(room, { signaling: link.url, name }));
    sessions.push(ada, bob);
    for (const s of sessions) s.events.on('error', (e) => errors.push(e));
    // Each connection Ada makes to Bob (a new pair after one is closed, for whatever reason).
    let pairs = 0;
    ada.events.on('peer', (peer) => void (peer.id === bob.id && pairs++));
    ada.start();
    bob.start();
    // Nothing gets through: the first pair is closed (Chromium after the connect timeout, and
    // says so; Firefox may find ICE failed sooner) and another is tried.
    await waitFor(() => pairs >= 2, () => `Ada to try a second connection to Bob (${pairs}; ${errors.map((e) => e.message).join('; ')})`, PEER_CONNECT_TIMEOUT_MS + 15_000);
    expect(ada.peers.get(bob.id)?.connected ?? false).to.equal(false);
    // The path clears: the pair tries again by itself, and an edit reaches the other side.
    await link.shape({ mbit: 50, rttMs: 10, queueMs: 200 });
    await waitFor(() => ada.peers.get(bob.id)?.connected && bob.peers.get(ada.id)?.connected, () => `Ada and Bob connected again (${errors.map((e) => e.message).join('; ')})`, PEER_CONNECT_TIMEOUT_MS + 15_000);
    ada.doc.getMap('form').set('amount', '42');
    await waitFor(() => bob.doc.getMap('form').get('amount') === '42', 'Ada’s edit at Bob');
  });
});
