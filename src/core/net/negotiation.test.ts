import { expect } from '@open-wc/testing';
import { connectedPair, sessionsAndVideos, waitFor } from '../../../test/helpers.js';

describe('negotiation (real RTCPeerConnection, real relay)', () => {
  const { sessions } = sessionsAndVideos();

  it('answers an offer sent again with the answer it made, without renegotiating', async () => {
    const [a, b] = await connectedPair();
    sessions.push(a, b);
    const [answerer, offerer] = a.peers.get(b.id)!.pc.localDescription?.type === 'answer' ? [a.peers.get(b.id)!, b.peers.get(a.id)!] : [b.peers.get(a.id)!, a.peers.get(b.id)!];
    const { pc } = answerer;
    expect(pc.signalingState).to.equal('stable');
    const offer = pc.remoteDescription!.sdp;
    const answer = pc.localDescription!.sdp;

    // Count what the answerer's real connection is asked to do from here on.
    let applied = 0;
    let sentinel = false;
    const setRemote = pc.setRemoteDescription.bind(pc);
    const addCandidate = pc.addIceCandidate.bind(pc);
    pc.setRemoteDescription = (description: RTCSessionDescriptionInit) => (applied++, setRemote(description));
    pc.addIceCandidate = (candidate?: RTCIceCandidateInit | null) => ((sentinel = true), addCandidate(candidate ?? undefined));

    // The offerer's offer again, as its resend timer sends it when our answer is slow to
    // arrive; then an end-of-candidates signal, which the in-order queue handles after it.
    answerer.handleSignal({ description: { type: 'offer', sdp: offer } });
    answerer.handleSignal({ candidate: null });
    await waitFor(() => sentinel, 'the signals after the repeated offer to be handled');

    expect(applied, 'descriptions applied for the repeated offer').to.equal(0);
    expect(pc.signalingState).to.equal('stable');
    expect(pc.localDescription!.sdp, 'the same answer, not a new one').to.equal(answer);
    expect(offerer.pc.signalingState).to.equal('stable');
    // The connection goes on: data still flows both ways.
    a.doc.getMap('m').set('after', 'repeat');
    await waitFor(() => b.doc.getMap('m').get('after') === 'repeat', 'an edit after the repeated offer');
    expect(answerer.closed || offerer.closed).to.equal(false);
  });
});
