import { expect } from '@open-wc/testing';
import * as Y from 'yjs';
import { Session } from './session.js';
import { authRelay, connectedPair, framesArrive, withUserActivation, relayUrl, RelayListener, turnRelay, uniqueRoom, waitFor, showStream } from '../../../test/helpers.js';

describe('Session (two sessions, real relay, real RTCPeerConnection)', () => {
  const sessions: Session[] = [];
  afterEach(() => {
    sessions.splice(0).forEach((s) => s.destroy());
    // A device switch here is remembered per origin: later test files must not inherit it.
    localStorage.removeItem('parley:devices');
  });

  it('connects peers that share a room, without a call, and syncs the document', async () => {
    const [a, b] = await connectedPair();
    sessions.push(a, b);
    a.doc.getText('t').insert(0, 'hello from a');
    await waitFor(() => b.doc.getText('t').toString() === 'hello from a', 'b to receive the text');
    b.doc.getText('t').insert(0, '>> ');
    await waitFor(() => a.doc.getText('t').toString() === '>> hello from a', 'a to receive b’s edit');
  });

  it('keeps one Participant object per person, updated in place as they join the call, rename and leave', async () => {
    const [a, b] = await connectedPair();
    sessions.push(a, b);
    const ada = await waitFor(() => b.participant(a.id), 'Bob to see Ada');
    expect(ada.name).to.equal('Ada');
    expect(b.participant(b.id)?.isLocal).to.equal(true);
    await a.join({ audio: true, video: false });
    await waitFor(() => b.participant(a.id)?.media?.audio, 'Bob to see Ada in the call');
    a.configure({ name: 'Ada L.' });
    await waitFor(() => b.participant(a.id)?.name === 'Ada L.', 'Bob to see Ada’s new name');
    // The same object all along: a page (or a Lit repeat) holding it sees the changes.
    expect(b.participant(a.id)).to.equal(ada);
    expect(b.participants().find((p) => p.id === a.id)).to.equal(ada);
    expect(ada.media?.audio).to.equal(true);
    expect(ada.name).to.equal('Ada L.');
    a.destroy();
    await waitFor(() => b.participant(a.id) === undefined, 'Ada to leave Bob’s room');
    expect(b.participants().map((p) => p.id)).to.deep.equal([b.id]);
  });

  it('stops camera and microphone when the page goes away (pagehide), and the others see it leave the call', async () => {
    const [a, b] = await connectedPair();
    sessions.push(a, b);
    await a.join({ audio: true, video: true });
    const tracks = a.localStream!.getTracks();
    await waitFor(() => b.participants().find((p) => p.id === a.id)?.media, 'Bob to see Ada in the call');
    // What the browser fires when the page is left, or put in the back/forward cache. A page
    // kept there with its camera open held the camera's frames from every other page.
    window.dispatchEvent(new PageTransitionEvent('pagehide', { persisted: true }));
    expect(tracks.map((t) => t.readyState)).to.deep.equal(['ended', 'ended']);
    expect(a.inCall).to.equal(false);
    // (The page also says bye: Bob drops her connection, or at least her media.)
    await waitFor(() => !b.participants().some((p) => p.id === a.id && p.media), 'Bob to see Ada leave the call');
  });

  it('never joins the room when destroyed before its relay connection opens', async () => {
    const signaling = await relayUrl();
    const room = uniqueRoom();
    // Everything published on the room's topic, from before anyone starts.
    const listener = new RelayListener(signaling, room);
    await listener.ready;
    try {
      const gone = new Session(room, { signaling, name: 'Gone' });
      gone.start(); // asks the relay's /ice first: the WebSocket opens after that answer
      gone.destroy();
      const bob = new Session(room, { signaling, name: 'Bob' });
      const cy = new Session(room, { signaling, name: 'Cy' });
      sessions.push(bob, cy);
      bob.start();
      const senders = () => listener.frames.map((frame) => (frame.data as { from?: unknown } | undefined)?.from);
      await waitFor(() => senders().includes(bob.id), 'Bob’s hello at the listener');
      // Cy starts only now, after Bob (who started after Gone) is in: once Bob and Cy have met
      // through the relay, a hello Gone sent (it would have been first) was delivered too.
      cy.start();
      await waitFor(() => bob.peers.get(cy.id)?.connected && cy.peers.get(bob.id)?.connected, 'Bob and Cy to connect');
      await waitFor(() => senders().includes(cy.id), 'Cy’s hello at the listener');
      expect(senders(), 'nothing published by the destroyed session').not.to.include(gone.id);
      expect([...bob.peers.keys()]).to.deep.equal([cy.id]);
    } finally {
      listener.close();
    }
  });

  it('sends a presence change only when something changed (each one goes to everyone)', async () => {
    const [a, b] = await connectedPair();
    sessions.push(a, b);
    const heard: unknown[] = [];
    b.awareness.on('update', ({ updated }: { updated: number[] }) => updated.includes(a.doc.clientID) && heard.push(b.awareness.getStates().get(a.doc.clientID)?.view));
    // A page re-renders its room element, which configures the session again, unchanged.
    a.configure({ ...a.config });
    a.setPresence({ view: { [b.id]: 320 } });
    a.setPresence({ view: { [b.id]: 320 } });
    a.setPresence({ view: { [b.id]: 640 } });
    await waitFor(() => heard.length >= 2, 'both changes at b');
    // What a sends after them, b hears after them (one ordered channel): then count.
    a.doc.getText('marker').insert(0, 'x');
    await waitFor(() => b.doc.getText('marker').length === 1, 'a later edit at b');
    expect(heard).to.deep.equal([{ [b.id]: 320 }, { [b.id]: 640 }]);
  });

  it('shares presence (name and colour) and fires peer-joined / peer-left with names', async () => {
    const signaling = await relayUrl();
    const room = uniqueRoom();
    const a = new Session(room, { signaling, name: 'Ada' });
    const b = new Session(room, { signaling, name: 'Bob' });
    sessions.push(a);
    const joined: string[] = [];
    const left: string[] = [];
    a.events.on('peer-joined', (p) => joined.push(p.name));
    a.events.on('peer-left', (p) => left.push(p.name));
    a.start();
    b.start();
    await waitFor(() => joined.includes('Bob'), 'peer-joined for Bob');
    const bob = a.participants().find((p) => !p.isLocal)!;
    expect(bob.name).to.equal('Bob');
    expect(bob.color).to.match(/^#/);
    b.destroy();
    expect(b.participants(), 'a destroyed session lists nobody (and does not throw)').to.deep.equal([]);
    // Presence goes at once, not after awareness's 30 s timeout.
    await waitFor(() => left.includes('Bob'), 'peer-left for Bob', 8000);
    await waitFor(() => a.participants().length === 1, 'Bob to disappear from participants');
  });

  it('keeps every character of concurrent edits from both sides', async () => {
    const [a, b] = await connectedPair();
    sessions.push(a, b);
    const ta = a.doc.getText('notes');
    const tb = b.doc.getText('notes');
    ta.insert(0, 'base');
    await waitFor(() => tb.toString() === 'base', 'base text to reach b');
    for (let i = 0; i < 20; i++) {
      ta.insert(0, 'A');
      tb.insert(tb.length, 'B');
    }
    await waitFor(() => ta.toString() === tb.toString() && ta.length === 44, 'both sides to converge');
    expect(ta.toString()).to.equal(`${'A'.repeat(20)}base${'B'.repeat(20)}`);
  });

  it('syncs a document update larger than one data-channel message', async () => {
    const [a, b] = await connectedPair();
    sessions.push(a, b);
    const big = 'x'.repeat(200_000);
    a.doc.getText('big').insert(0, big);
    await waitFor(() => b.doc.getText('big').length === big.length, 'the 200 KB update to arrive');
    expect(b.doc.getText('big').toString()).to.equal(big);
  });

  it('drops a malformed sync message from a peer and keeps working', async () => {
    const [a, b] = await connectedPair();
    sessions.push(a, b);
    const errors: string[] = [];
    b.events.on('error', (e) => errors.push(e.code));
    // A peer sending junk: unknown message type 99.
    a.peers.get(b.id)!.sendSync(new Uint8Array([99, 1, 2, 3]));
    await waitFor(() => errors.includes('sync'), 'the sync error to be reported');
    a.doc.getMap('m').set('still', 'works');
    await waitFor(() => b.doc.getMap('m').get('still') === 'works', 'sync to go on after junk');
  });

  it('lets only one side start a pair when both arrive at once', async () => {
    const signaling = await relayUrl();
    const room = uniqueRoom();
    const a = new Session(room, { signaling });
    const b = new Session(room, { signaling });
    sessions.push(a, b);
    const offered: string[] = [];
    for (const s of [a, b]) {
      s.events.on('peer', (peer) =>
        peer.events.on('signal', (signal) => signal.description?.type === 'offer' && offered.push(s.id)),
      );
    }
    a.start();
    b.start();
    await waitFor(() => a.peers.get(b.id)?.connected && b.peers.get(a.id)?.connected, 'the two peers to connect');
    // No offer collision: the impolite side (the higher id) offered, the other answered.
    expect(offered).to.deep.equal([a.id > b.id ? a.id : b.id]);
  });

  it('starts no connection from an answer or candidate of a pair that is gone (late through the relay)', async () => {
    const room = uniqueRoom();
    const [a, b] = await connectedPair(room);
    sessions.push(a, b);
    const gone = b.id;
    b.destroy(); // Bob leaves: his bye closes the pair at Ada's
    await waitFor(() => !a.peers.has(gone), 'Ada to close the pair');
    const raw = new RelayListener(await relayUrl(), room);
    try {
      await raw.ready;
      // What Bob's page sent for that pair, arriving after his bye.
      const candidate = { candidate: 'candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host', sdpMid: '0', sdpMLineIndex: 0 };
      raw.publish({ type: 'signal', from: gone, to: a.id, signal: { candidate } });
      raw.publish({ type: 'signal', from: gone, to: a.id, signal: { description: { type: 'answer', sdp: 'v=0\r\n' } } });
      raw.publish({ type: 'signal', from: gone, to: a.id, signal: { candidate: null } });
      // Then a hello from someone new, whose pair Ada starts (the lower id is the polite side):
      // once it is there, the messages before it have been handled.
      const next = '0'.repeat(24);
      raw.publish({ type: 'hello', from: next });
      await waitFor(() => a.peers.has(next), 'Ada to take the newcomer’s hello');
    } finally {
      raw.close();
    }
    expect(a.peers.has(gone), 'a connection for the peer that left').to.equal(false);
  });

  it('rebuilds a connection that can no longer negotiate; sync and presence go on', async () => {
    const [a, b] = await connectedPair();
    sessions.push(a, b);
    a.configure({ name: 'Ada' });
    b.configure({ name: 'Bob' });
    await waitFor(() => b.participants().find((p) => p.id === a.id)?.name === 'Ada', 'a’s presence at b');
    await waitFor(() => a.participants().find((p) => p.id === b.id)?.name === 'Bob', 'b’s presence at a');
    const stale = b.peers.get(a.id)!;
    // An offer b cannot apply (as when Chromium refuses Firefox's offer after a rollback).
    stale.handleSignal({ description: { type: 'offer', sdp: 'v=0\r\nnot a session description\r\n' } });
    await waitFor(() => stale.closed, 'the wedged connection to close');
    expect(stale.wedged).to.equal(true);
    await waitFor(() => {
      const fresh = b.peers.get(a.id);
      return fresh && fresh !== stale && fresh.connected && a.peers.get(b.id)?.connected;
    }, 'the pair to be rebuilt');
    a.doc.getText('t').insert(0, 'after the rebuild');
    await waitFor(() => b.doc.getText('t').toString() === 'after the rebuild', 'b to receive the edit');
    // The old connection took each one's presence with it; the new one brings it back at
    // once, not at awareness's next renewal (15 s or more) that the tiles would wait for.
    await waitFor(() => b.participants().find((p) => p.id === a.id)?.name === 'Ada', 'a’s presence at b again', 3000);
    await waitFor(() => a.participants().find((p) => p.id === b.id)?.name === 'Bob', 'b’s presence at a again', 3000);
  });

  it('sends camera and microphone after join(), and the other side decodes frames', async () => {
    const [a, b] = await connectedPair();
    sessions.push(a, b);
    await b.join({ audio: true, video: false }); // media goes only to people in the call
    await a.join({ audio: true, video: true });
    const remote = await waitFor(
      () => b.participants().find((p) => p.id === a.id && p.camera)?.camera,
      'a’s camera stream at b',
    );
    expect(remote.getVideoTracks()).to.have.length(1);
    expect(remote.getAudioTracks()).to.have.length(1);
    const video = document.createElement('video');
    video.muted = true;
    video.autoplay = true;
    video.srcObject = remote;
    document.body.append(video);
    try {
      await framesArrive(video);
    } finally {
      video.remove();
    }
    // Camera off travels as presence, so the remote tile can show a placeholder.
    a.setVideoEnabled(false);
    await waitFor(() => b.participants().find((p) => p.id === a.id)?.media?.video === false, 'camera-off state at b');
    a.leave();
    await waitFor(() => b.participants().find((p) => p.id === a.id)?.media === null, 'a to leave the call at b');
  });

  it('sends no media to a peer that has not joined, who still sees who is in the call', async function () {
    this.timeout(60000);
    const [a, b] = await connectedPair();
    sessions.push(a, b);
    // Carol, in the call with a: the positive control that a's media flows meanwhile.
    const carol = new Session(a.room, { signaling: await relayUrl(), name: 'Carol' });
    sessions.push(carol);
    carol.start();
    await waitFor(() => a.peers.get(carol.id)?.connected && carol.peers.get(a.id)?.connected, 'a and Carol to connect');
    await carol.join({ audio: true, video: false });
    await a.join({ audio: true, video: true });
    await waitFor(() => b.participants().find((p) => p.id === a.id)?.media, 'a in the call, seen at b');
    const atB = b.participants().find((p) => p.id === a.id)!;
    expect(atB.camera, 'no stream to show: b is not in the call').to.equal(null);
    const bytesAtB = async () => {
      let bytes = 0;
      (await b.peers.get(a.id)!.pc.getStats()).forEach((r: { type: string; bytesReceived?: number }) => {
        if (r.type === 'inbound-rtp') bytes += r.bytesReceived ?? 0;
      });
      return bytes;
    };
    const sending = (s: Session) => a.peers.get(s.id)!.pc.getSenders().flatMap((sender) => (sender.track ? [sender.track.kind] : []));
    // The cause: a puts its tracks on its senders to Carol, none on those to b.
    await waitFor(() => sending(carol).length === 2, () => `a’s microphone and camera on its senders to Carol (${sending(carol).join(', ') || 'none'})`);
    expect(sending(b), 'the tracks on a’s senders to b').to.deep.equal([]);
    // And the effect: Carol decodes a's camera (so it is running and sent), while b, whose
    // connection to a is up as long, has received no media byte.
    expect(b.peers.get(a.id)!.pc.connectionState).to.equal('connected');
    const video = document.createElement('video');
    video.muted = true;
    document.body.append(video);
    try {
      video.srcObject = await waitFor(() => carol.participants().find((p) => p.id === a.id)?.camera, 'a’s camera at Carol');
      await framesArrive(video, 10, 30000);
    } finally {
      video.remove();
    }
    expect(await bytesAtB(), 'media bytes b received while not in the call').to.equal(0);
    // Once b joins, a's media flows at once, over the same connection.
    const peer = b.peers.get(a.id)!;
    await b.join({ audio: true, video: false });
    await waitFor(() => sending(b).length === 2, 'a’s tracks on its senders to b');
    await waitFor(async () => (await bytesAtB()) > 10_000, 'a’s media at b after b joined');
    expect(b.peers.get(a.id)).to.equal(peer);
  });

  it('stops encoding video for a person who leaves the call (no frames made for nobody), and sends again when they come back', async function () {
    this.timeout(30000);
    const [a, b] = await connectedPair();
    sessions.push(a, b);
    await b.join({ audio: false, video: true });
    await a.join({ audio: false, video: true });
    const framesEncoded = async () => {
      let frames = 0;
      (await a.peers.get(b.id)!.pc.getStats()).forEach((r: { type: string; kind?: string; framesEncoded?: number }) => {
        if (r.type === 'outbound-rtp' && r.kind === 'video') frames += r.framesEncoded ?? 0;
      });
      return frames;
    };
    const encodedOver = async (ms: number) => {
      const before = await framesEncoded();
      await new Promise((resolve) => setTimeout(resolve, ms));
      return (await framesEncoded()) - before;
    };
    await waitFor(async () => (await encodedOver(500)) > 0, 'a to encode its camera for b');
    b.leave();
    const sender = a.peers.get(b.id)!.transceiver('camera')!.sender;
    await waitFor(() => sender.track === null, 'a to take its camera off its sender to b');
    // Firefox went on encoding frames on a sender whose track was taken away.
    let last = -1;
    await waitFor(async () => (last = await encodedOver(1000)) === 0, () => `a to stop encoding for b (${last} frames in the last second)`, 10000);
    await b.join({ audio: false, video: true });
    await waitFor(async () => (await encodedOver(500)) > 0, 'a to encode for b again once b is back');
    const shown: HTMLVideoElement[] = [];
    try {
      await framesArrive(showStream(await waitFor(() => b.participants().find((p) => p.id === a.id)?.camera, 'a’s camera at b'), shown), 3);
    } finally {
      shown.forEach((video) => video.remove());
    }
  });

  it('makes one offer per pair for a whole call: join, camera off/on, screen share, device switch, leave, join again', async () => {
    const [a, b] = await connectedPair();
    sessions.push(a, b);
    const peers = [a.peers.get(b.id)!, b.peers.get(a.id)!];
    const offers = () => peers.reduce((n, p) => n + p.offers, 0);
    expect(offers(), 'the pair’s first offer').to.equal(1);
    const inCallAt = (s: Session, other: Session, check: (m: NonNullable<Session['localPresence']['media']>) => boolean) =>
      waitFor(() => {
        const media = s.participants().find((p) => p.id === other.id)?.media;
        return media && check(media);
      }, 'the change to reach the other side');
    await a.join({ audio: true, video: true });
    await b.join({ audio: true, video: true });
    await inCallAt(a, b, (m) => m.video);
    await inCallAt(b, a, (m) => m.video);
    const videos: HTMLVideoElement[] = [];
    const attach = (stream: MediaStream) => showStream(stream, videos);
    const video = attach(b.participants().find((p) => p.id === a.id)!.camera!);
    try {
      await framesArrive(video);
      a.setVideoEnabled(false);
      await inCallAt(b, a, (m) => !m.video);
      a.setVideoEnabled(true);
      await inCallAt(b, a, (m) => m.video);
      // Headless Firefox has no screen to capture (no-device); the Chromium run and the
      // Chromium ↔ Firefox end-to-end test share one.
      const shared = await withUserActivation(() => a.startScreenShare()).then(
        () => true,
        (error: { code?: string }) => {
          if (error.code !== 'no-device' || !navigator.userAgent.includes('Firefox')) throw error;
          return false;
        },
      );
      if (shared) {
        await inCallAt(b, a, (m) => Boolean(m.screen));
        await framesArrive(attach(b.participants().find((p) => p.id === a.id)!.screen!));
        a.stopScreenShare();
        await inCallAt(b, a, (m) => !m.screen);
      }
      const cameras = (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === 'videoinput');
      await a.setDevice('camera', cameras[cameras.length - 1]!.deviceId);
      a.leave();
      await waitFor(() => b.participants().find((p) => p.id === a.id)?.media === null, 'a to leave');
      await a.join({ audio: true, video: true });
      await inCallAt(b, a, (m) => m.video);
      await framesArrive(video); // the same <video> shows a again
    } finally {
      videos.forEach((v) => v.remove());
    }
    expect(offers(), 'offers after the whole call').to.equal(1);
    expect(a.peers.get(b.id)).to.equal(peers[0]);
    expect(b.peers.get(a.id)).to.equal(peers[1]);
    expect(peers.some((p) => p.closed)).to.equal(false);
  });

  describe('the camera while joining', () => {
    // Spies on (and calls through to) the real getUserMedia, to see the streams it hands out.
    // `held` keeps a started camera from reaching the caller until the test lets it go, as a
    // permission prompt would.
    const real = navigator.mediaDevices.getUserMedia;
    let captured: MediaStream[] = [];
    let held: Promise<void> = Promise.resolve();
    beforeEach(() => {
      captured = [];
      held = Promise.resolve();
      navigator.mediaDevices.getUserMedia = async (constraints) => {
        const stream = await real.call(navigator.mediaDevices, constraints);
        captured.push(stream);
        await held;
        return stream;
      };
    });
    afterEach(() => (navigator.mediaDevices.getUserMedia = real));

    it('is turned off again when the session is destroyed before it starts', async () => {
      const a = new Session(uniqueRoom(), { signaling: await relayUrl(), name: 'Ada' });
      a.start();
      let release = () => {};
      held = new Promise((resolve) => (release = resolve));
      const joining = a.join();
      // Destroyed once the camera has started, before join() has it.
      await waitFor(() => captured.length > 0, 'the camera to start');
      a.destroy();
      release();
      let error: unknown = null;
      await joining.catch((e) => (error = e));
      expect(error).to.have.property('code', 'media');
      expect(a.localStream).to.equal(null);
      expect(captured.length).to.be.greaterThan(0);
      const tracks = captured.flatMap((s) => s.getTracks());
      expect(tracks.map((t) => t.readyState)).to.deep.equal(tracks.map(() => 'ended'));
      await a.join().catch((e) => (error = e));
      expect(error, 'a destroyed session does not join again').to.have.property('message', 'This session has ended.');
    });

    it('is started once for a double join (a double click)', async () => {
      const a = new Session(uniqueRoom(), { signaling: await relayUrl(), name: 'Ada' });
      sessions.push(a);
      a.start();
      await Promise.all([a.join(), a.join()]);
      expect(captured).to.have.length(1);
      expect(a.localStream).to.equal(captured[0]);
    });
  });

  it('builds its connections with the TURN credentials from the relay’s /ice', async () => {
    const { url: signaling, token } = await turnRelay();
    const room = uniqueRoom();
    const a = new Session(room, { signaling, token, name: 'Ada' });
    const b = new Session(room, { signaling, token, name: 'Bob' });
    sessions.push(a, b);
    a.start();
    b.start();
    const peer = await waitFor(() => a.peers.get(b.id), 'a peer');
    const servers = peer.pc.getConfiguration().iceServers ?? [];
    const turn = servers.find((s) => [s.urls].flat().some((u) => String(u).startsWith('turn:')));
    expect(turn, 'a TURN server from /ice').to.exist;
    expect(turn!.username).to.match(/^\d+:/);
    expect(turn!.credential).to.be.a('string').and.not.empty;
  });

  it('relay-only: its connections use the relay’s TURN server with the relay policy', async () => {
    const { url: signaling, token } = await turnRelay();
    const room = uniqueRoom();
    const errors: string[] = [];
    const a = new Session(room, { signaling, token, name: 'Ada', relayOnly: true });
    const b = new Session(room, { signaling, token, name: 'Bob', relayOnly: true });
    sessions.push(a, b);
    a.events.on('error', (e) => errors.push(`${e.code}: ${e.message}`));
    a.start();
    b.start();
    const peer = await waitFor(() => a.peers.get(b.id), 'a peer');
    const config = peer.pc.getConfiguration();
    expect(config.iceTransportPolicy).to.equal('relay');
    expect([config.iceServers ?? []].flat().some((s) => [s.urls].flat().some((u) => String(u).startsWith('turn:'))), 'the relay’s TURN server').to.equal(true);
    expect(errors).to.deep.equal([]);
  });

  it('connects with a valid token; a refused one is a clear error, not endless retries', async () => {
    const { url: signaling, token } = await authRelay();
    const room = uniqueRoom();
    const a = new Session(room, { signaling, token });
    const b = new Session(room, { signaling, token });
    sessions.push(a, b);
    a.start();
    b.start();
    await waitFor(() => a.peers.get(b.id)?.connected, 'the two peers to connect through the auth relay');

    const errors: Array<{ code: string; message: string }> = [];
    const badToken = `${token.slice(0, -4)}AAAA`;
    const refused = new Session(room, { signaling, token: badToken });
    sessions.push(refused);
    refused.events.on('error', (e) => errors.push(e));
    // Counts (and goes through to) the real WebSocket constructor: a socket with the refused
    // token is what a retry loop is made of (the relay answers it with a bare close).
    const RealWebSocket = window.WebSocket;
    const sockets: string[] = [];
    window.WebSocket = class extends RealWebSocket {
      constructor(url: string | URL, protocols?: string | string[]) {
        super(url, protocols);
        sockets.push(String(url));
      }
    };
    try {
      refused.start();
      await waitFor(() => errors.length, 'the refusal to be reported');
    } finally {
      window.WebSocket = RealWebSocket;
    }
    expect(errors[0].code).to.equal('signaling');
    expect(errors[0].message).to.match(/refused this page’s token/);
    // The session would open its WebSocket in the same task that reported the refusal: none
    // was opened, so there is nothing to retry.
    expect(sockets.filter((url) => url.includes(badToken.slice(-20))), 'WebSockets opened with the refused token').to.deep.equal([]);
    refused.doc.getText('t').insert(0, 'typed while refused'); // editing goes on locally
    expect(refused.doc.getText('t').toString()).to.equal('typed while refused');
    expect(errors.length, 'one error').to.equal(1);
    expect(a.peers.has(refused.id)).to.equal(false);
  });

  it('keeps the Y.Doc and awareness of each session separate', async () => {
    // Two rooms on one relay, two sessions of each in this one page.
    const [a, a2] = await connectedPair();
    const [b, b2] = await connectedPair();
    sessions.push(a, a2, b, b2);
    expect(a.doc).to.be.instanceOf(Y.Doc);
    expect(new Set([a, a2, b, b2].map((s) => s.doc)).size, 'four documents').to.equal(4);
    expect(new Set([a, a2, b, b2].map((s) => s.awareness)).size, 'four awareness instances').to.equal(4);
    a.doc.getText('t').insert(0, 'only in room A');
    a.setPresence({ field: 'in-room-a' });
    b.doc.getText('t').insert(0, 'only in room B');
    b.setPresence({ field: 'in-room-b' });
    const fieldOf = (s: Session, other: Session) => (s.awareness.getStates().get(other.doc.clientID) as { field?: string } | undefined)?.field;
    // Each edit and presence reaches the other session of its own room…
    await waitFor(() => a2.doc.getText('t').toString().includes('only in room A') && fieldOf(a2, a) === 'in-room-a', 'room A’s edit and presence at a2');
    await waitFor(() => b2.doc.getText('t').toString().includes('only in room B') && fieldOf(b2, b) === 'in-room-b', 'room B’s edit and presence at b2');
    // …and markers set after them, from both rooms, arrive as well: what crossed is all there is.
    a2.doc.getMap('m').set('marker', 'A');
    b2.doc.getMap('m').set('marker', 'B');
    await waitFor(() => a.doc.getMap('m').get('marker') === 'A' && b.doc.getMap('m').get('marker') === 'B', 'the markers');
    for (const [s, text, marker] of [[a, 'only in room A', 'A'], [a2, 'only in room A', 'A'], [b, 'only in room B', 'B'], [b2, 'only in room B', 'B']] as const) {
      expect(s.doc.getText('t').toString()).to.equal(text);
      expect(s.doc.getMap('m').toJSON()).to.deep.equal({ marker });
    }
    const clients = (s: Session) => [...s.awareness.getStates().keys()].sort();
    expect(clients(a), 'presence in room A').to.deep.equal([a.doc.clientID, a2.doc.clientID].sort());
    expect(clients(a2)).to.deep.equal(clients(a));
    expect(clients(b), 'presence in room B').to.deep.equal([b.doc.clientID, b2.doc.clientID].sort());
    expect(clients(b2)).to.deep.equal(clients(b));
    expect(a.localPresence.peer).to.equal(a.id);
    expect([...a.peers.keys(), ...a2.peers.keys(), ...b.peers.keys(), ...b2.peers.keys()]).to.deep.equal([a2.id, a.id, b2.id, b.id]);
  });
});
