// Convergence when one pair cannot connect, for real: three sessions on a real relay with
// real connections, where Ada and Cy never reach each other (every signal between them is
// lost on the way, in the pages' own WebSockets). Peers do not pass on edits they did not
// write, so Ada's edit reaches Cy only because Bob's state-vector report shows Cy that Bob
// holds more than Cy, and Cy asks Bob for the difference (sync/sync.ts #catchUpWith).
import { expect } from '@open-wc/testing';
import { Session } from '../session/session.js';
import { filterRelayMessages, relayUrl, uniqueRoom, waitFor } from '../../../test/helpers.js';

describe('Convergence with a pair that cannot connect (three sessions, real relay)', function () {
  this.timeout(60000);
  const sessions: Session[] = [];
  afterEach(() => sessions.splice(0).forEach((s) => s.destroy()));

  it("Ada's edit reaches Cy through Bob when Ada and Cy have no connection", async () => {
    const signaling = await relayUrl();
    const room = uniqueRoom();
    const [ada, bob, cy] = ['Ada', 'Bob', 'Cy'].map((name) => new Session(room, { signaling, name }));
    sessions.push(ada!, bob!, cy!);
    const cutOff = new Set([ada!.id, cy!.id]);
    let lost = 0;
    // A signal (offer, answer, candidate) between Ada and Cy never arrives.
    const relay = filterRelayMessages(() => (text) => {
      const pair = text.includes('"type":"signal"') && text.match(/"from":"([^"]+)","to":"([^"]+)"/)?.slice(1);
      const drop = Boolean(pair && cutOff.has(pair[0]!) && cutOff.has(pair[1]!));
      if (drop) lost++;
      return drop;
    });
    try {
      sessions.forEach((s) => s.start());
      await waitFor(() => relay.sockets === 3, 'three signaling sockets');
    } finally {
      relay.stop(); // the sockets exist now; nothing else is filtered
    }
    await waitFor(
      () => ada!.peers.get(bob!.id)?.connected && bob!.peers.get(cy!.id)?.connected && cy!.peers.get(bob!.id)?.connected,
      'Ada–Bob and Bob–Cy to connect',
    );
    await waitFor(() => lost > 0, 'a signal between Ada and Cy to be lost');

    ada!.doc.getText('notes').insert(0, 'from Ada');
    await waitFor(() => cy!.doc.getText('notes').toString() === 'from Ada', "Ada's edit to reach Cy");
    expect(ada!.peers.get(cy!.id)?.connected ?? false, 'Ada and Cy never connected').to.equal(false);
    expect(cy!.peers.get(ada!.id)?.connected ?? false).to.equal(false);

    // And back: Cy's answer reaches Ada the same way.
    cy!.doc.getText('notes').insert(8, ', and Cy');
    await waitFor(() => ada!.doc.getText('notes').toString() === 'from Ada, and Cy', "Cy's edit to reach Ada");
  });
});
