// A channel is used only once both its ends exist. Two real RTCPeerConnections in this page
// with a negotiated channel that one side makes at once and the other only later, as when
// a closed channel is opened again (peer.ts): the early side opens first, and Chromium
// drops what arrives for an end not made yet.
import { expect } from '@open-wc/testing';
import { BothEnds } from './both-ends.js';
import { waitFor } from '../../../test/helpers.js';

async function connect(a: RTCPeerConnection, b: RTCPeerConnection): Promise<void> {
  a.onicecandidate = ({ candidate }) => candidate && void b.addIceCandidate(candidate);
  b.onicecandidate = ({ candidate }) => candidate && void a.addIceCandidate(candidate);
  await a.setLocalDescription();
  await b.setRemoteDescription(a.localDescription!);
  await b.setLocalDescription();
  await a.setRemoteDescription(b.localDescription!);
}

describe('BothEnds (a real data channel whose ends are made at different times)', () => {
  it('is ready on the early side only after the late side made its end, and what it sends then arrives', async () => {
    const a = new RTCPeerConnection();
    const b = new RTCPeerConnection();
    try {
      // The connection carries data channels at all: one on both sides from the start.
      a.createDataChannel('start', { negotiated: true, id: 0 });
      b.createDataChannel('start', { negotiated: true, id: 0 });
      const early = a.createDataChannel('late', { negotiated: true, id: 7 });
      // Whether the late end had been made when the early side became ready (an order, not
      // two clock readings: Firefox's clock reads in whole milliseconds).
      let lateMade = false;
      let readyAfterMade: boolean | undefined;
      const earlyEnds = new BothEnds(early, () => {
        readyAfterMade = lateMade;
        early.send('first');
      });
      early.onmessage = ({ data }) => earlyEnds.heard(data);
      await connect(a, b);
      await waitFor(() => early.readyState === 'open', 'the early end to open');
      // Open, but the other end does not exist yet: whatever went now would be lost.
      await waitFor(() => b.sctp?.state === 'connected', 'the association');
      expect(earlyEnds.ready, 'ready before the other end exists').to.equal(false);

      const late = b.createDataChannel('late', { negotiated: true, id: 7 });
      lateMade = true;
      const received: string[] = [];
      const lateEnds = new BothEnds(late, () => {});
      late.onmessage = ({ data }) => lateEnds.heard(data) || received.push(data);
      await waitFor(() => received.length > 0, 'the early side’s first message at the late side');
      expect(received).to.deep.equal(['first']);
      expect(readyAfterMade, 'ready only after the late end was made').to.equal(true);
      expect(lateEnds.ready).to.equal(true);
    } finally {
      a.close();
      b.close();
    }
  });
});
