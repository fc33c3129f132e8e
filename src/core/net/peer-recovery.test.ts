import { expect } from '@open-wc/testing';
import type { Session } from '../session/session.js';
import { Session as SessionClass } from '../session/session.js';
import { connectedPair, filterRelayMessages, relayUrl, uniqueRoom, waitFor, framesArrive, watchChannels } from '../../../test/helpers.js';

const ufrag = (sdp: string | undefined) => sdp?.match(/a=ice-ufrag:(\S+)/)?.[1];

describe('Peer recovery (real RTCPeerConnection)', () => {
  const sessions: Session[] = [];
  const videos: HTMLVideoElement[] = [];
  afterEach(() => {
    sessions.splice(0).forEach((s) => s.destroy());
    videos.splice(0).forEach((v) => v.remove());
  });

  /** Plays a's camera as b receives it; resolves once frames decode. */
  async function playAtB(a: Session, b: Session): Promise<HTMLVideoElement> {
    const remote = await waitFor(() => b.participants().find((p) => p.id === a.id)?.camera, 'a’s camera at b');
    const video = document.createElement('video');
    video.muted = true;
    video.srcObject = remote;
    document.body.append(video);
    videos.push(video);
    await framesArrive(video);
    return video;
  }

  /**
   * Ada and Bob in a new room, started with their relay WebSockets filtered: each socket
   * drops what its filter (made per socket by `filterFor`) says, from then on.
   */
  async function startFiltered(filterFor: Parameters<typeof filterRelayMessages>[0]): Promise<[Session, Session]> {
    const signaling = await relayUrl();
    const room = uniqueRoom();
    const a = new SessionClass(room, { signaling, name: 'Ada' });
    const b = new SessionClass(room, { signaling, name: 'Bob' });
    sessions.push(a, b);
    const relay = filterRelayMessages(filterFor);
    try {
      a.start();
      b.start();
      await waitFor(() => relay.sockets === 2, 'both signaling sockets');
    } finally {
      relay.stop(); // the sockets exist now; nothing else is filtered
    }
    return [a, b];
  }

  async function inCall() {
    const [a, b] = await connectedPair();
    sessions.push(a, b);
    await b.join({ audio: true, video: false }); // media goes only to people in the call
    await a.join({ audio: true, video: true });
    return { a, b, video: await playAtB(a, b) };
  }

  it('restarts ICE on the same peer: new credentials, same Peer, media keeps flowing', async () => {
    const { a, b, video } = await inCall();
    const peerAtA = a.peers.get(b.id)!;
    const peerAtB = b.peers.get(a.id)!;
    const before = ufrag(peerAtB.pc.remoteDescription?.sdp);
    expect(before).to.be.a('string');

    peerAtA.pc.restartIce();
    await waitFor(
      () => ufrag(peerAtB.pc.remoteDescription?.sdp) !== before && peerAtA.pc.connectionState === 'connected',
      'the ICE restart to complete',
    );
    expect(a.peers.get(b.id)).to.equal(peerAtA);
    expect(b.peers.get(a.id)).to.equal(peerAtB);
    expect(peerAtA.closed || peerAtB.closed).to.equal(false);
    await framesArrive(video, 10); // and the video still presents new frames
    // Data keeps flowing on the same connection too.
    a.doc.getMap('m').set('after', 'restart');
    await waitFor(() => b.doc.getMap('m').get('after') === 'restart', 'sync after the restart');
  });

  it('survives both ends restarting ICE at once (offer glare), keeping the peers and the video', async () => {
    const [x, y] = await connectedPair();
    sessions.push(x, y);
    // b is the polite side (the smaller id), and receives a's camera. Chromium stopped passing
    // on the video a polite side received once it rolled back a restart offer of its own to
    // take the other's: frames decoded, none presented, for good. Now only the impolite side
    // makes restart offers, and a restart on the polite side asks it for one.
    const [a, b] = x.id < y.id ? [y, x] : [x, y];
    await b.join({ audio: true, video: false });
    await a.join({ audio: true, video: true });
    const video = await playAtB(a, b);
    const peerAtA = a.peers.get(b.id)!;
    const peerAtB = b.peers.get(a.id)!;
    const before = ufrag(peerAtB.pc.remoteDescription?.sdp);
    // Both ends restart at once: perfect negotiation resolves the glare without a new peer.
    peerAtA.pc.restartIce();
    peerAtB.pc.restartIce();
    await waitFor(
      () =>
        ufrag(peerAtB.pc.remoteDescription?.sdp) !== before &&
        peerAtA.pc.signalingState === 'stable' &&
        peerAtB.pc.signalingState === 'stable' &&
        peerAtA.pc.connectionState === 'connected',
      'both restarts to settle',
    );
    expect(a.peers.get(b.id)).to.equal(peerAtA);
    expect(b.peers.get(a.id)).to.equal(peerAtB);
    await framesArrive(video, 10);
  });

  it('does not restart a healthy connection when its own page stalls (a busy machine)', async () => {
    const [a, b] = await connectedPair();
    sessions.push(a, b);
    const peers = [a.peers.get(b.id)!, b.peers.get(a.id)!];
    // The page is stuck for 3 s (longer than the heartbeat's silence limit), as on a
    // loaded machine: no timer, no message is handled meanwhile.
    const until = performance.now() + 3000;
    while (performance.now() < until) {
      /* busy */
    }
    // Long enough for every heartbeat that could misjudge the stall to have ticked.
    const after = performance.now();
    await waitFor(() => performance.now() - after > 3000, 'three seconds after the stall');
    expect(peers.map((p) => p.offers).reduce((x, y) => x + y), 'offers: the first one only, no ICE restart').to.equal(1);
    a.doc.getMap('m').set('after', 'stall');
    await waitFor(() => b.doc.getMap('m').get('after') === 'stall', 'sync after the stall');
  });

  it('does not restart a connection without media whose pages are too busy to ping, while its ICE checks still come', async function () {
    this.timeout(30000);
    const [a, b] = await connectedPair(); // sharing the form, nobody in the call: no media
    sessions.push(a, b);
    const peers = [a.peers.get(b.id)!, b.peers.get(a.id)!];
    // Both pages' scripts fall silent for 9 s, longer than the heartbeat's silence limit and
    // its wait for an ICE check: every data channel message is held back (the browser's own
    // send, wrapped), as when both pages are busy on a loaded machine and the last frames sent
    // are long delivered. Below the page, the browsers' ICE stacks go on checking the path.
    const send = RTCDataChannel.prototype.send;
    RTCDataChannel.prototype.send = function () {};
    try {
      const since = performance.now();
      await waitFor(() => performance.now() - since > 9000, 'nine silent seconds', 15000);
    } finally {
      RTCDataChannel.prototype.send = send;
    }
    expect(peers.map((p) => p.offers).reduce((x, y) => x + y), 'offers: the first one only, no ICE restart').to.equal(1);
    expect(peers.every((p) => !p.closed && p.pc.connectionState === 'connected')).to.equal(true);
    a.doc.getMap('m').set('after', 'silence');
    await waitFor(() => b.doc.getMap('m').get('after') === 'silence', 'sync after the silence');
  });

  it('sends an offer again when it goes unanswered, so a lost offer never keeps a pair apart', async function () {
    this.timeout(60000);
    // The first offer is lost on the way, as a relay drops what a frozen tab can't take:
    // the page's WebSockets (the browser's own, through a subclass that only filters what
    // they deliver) swallow the first offer from each person to each other. Parley's code
    // is untouched; it must notice the silence and offer again.
    let dropped = 0;
    let offersAfter = 0;
    const [a, b] = await startFiltered(() => {
      const seen = new Set<string>(); // from→to pairs whose first offer this socket dropped
      return (text) => {
        const pair = text.includes('"type":"offer"') && text.match(/"from":"([^"]+)","to":"([^"]+)"/)?.slice(1).join('→');
        if (pair && !seen.has(pair)) {
          seen.add(pair);
          dropped++;
          return true;
        }
        if (pair) offersAfter++;
        return false;
      };
    });
    await waitFor(() => dropped > 0, 'the offer to be lost');
    await waitFor(() => a.peers.get(b.id)?.connected && b.peers.get(a.id)?.connected, 'the resent offer to connect the pair', 40000);
    expect(offersAfter, 'offers that arrived after the lost one').to.be.at.least(1);
  });

  it('asks again for an ICE restart when its request was lost (polite side), until the restart comes', async function () {
    this.timeout(40000);
    const channels = watchChannels();
    // The relay loses the first restart request it carries to each page (the page's own
    // WebSockets, through a subclass that only filters what they deliver).
    let dropped = 0;
    const [x, y] = await startFiltered(() => {
      let seen = false;
      return (text) => {
        if (seen || !text.includes('"restart":1')) return false;
        seen = true;
        dropped++;
        return true;
      };
    });
    await waitFor(() => x.peers.get(y.id)?.connected && y.peers.get(x.id)?.connected, 'the pair to connect');
    // `polite` asks for restarts; the other side makes them.
    const [impolite, polite] = x.id > y.id ? [x, y] : [y, x];
    const atImpolite = impolite.peers.get(polite.id)!;
    const atPolite = polite.peers.get(impolite.id)!;
    const before = ufrag(atPolite.pc.remoteDescription?.sdp);
    try {
      // The polite side hears nothing on its data channel for a while (the other page's
      // sends are held back), so its signals go through the relay, as when the path is dead:
      // 3.5 s, well past the 1.5 s after which the path counts as dead for signals (a ping
      // sent just before, delivered late on a busy machine, still counts), and short of
      // the heartbeat's own check, which without media waits for ICE checks (6.5 s).
      const channel = channels.open(atImpolite.pc, 'parley')!;
      channel.send = () => {};
      const since = performance.now();
      await waitFor(() => performance.now() - since > 3500, 'three and a half silent seconds');
      // The polite side needs a restart: it asks, and the relay loses the request (the copy
      // for the other side, and the echo to the polite side itself).
      atPolite.pc.restartIce();
      await waitFor(() => dropped === 2, 'the request to be lost');
      delete (channel as { send?: unknown }).send; // the browser's own send again
    } finally {
      channels.restore();
    }
    await waitFor(() => atImpolite.offers === 2 && ufrag(atPolite.pc.remoteDescription?.sdp) !== before, 'the restart, asked for again', 15000);
    await waitFor(() => atPolite.pc.connectionState === 'connected' && atPolite.pc.signalingState === 'stable', 'the pair to settle');
    expect(polite.peers.get(impolite.id)).to.equal(atPolite);
    impolite.doc.getMap('m').set('after', 'restart');
    await waitFor(() => polite.doc.getMap('m').get('after') === 'restart', 'sync after the restart');
  });
});
