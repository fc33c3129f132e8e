import { expect } from '@open-wc/testing';
import { DEVICE_STORAGE_KEY, listDevices, loadDeviceChoice, saveDeviceChoice } from './devices.js';
import type { Session } from '../session/session.js';
import { connectedPair, waitFor, framesArrive } from '../../../test/helpers.js';

describe('devices', () => {
  const sessions: Session[] = [];
  afterEach(() => {
    sessions.splice(0).forEach((s) => s.destroy());
    localStorage.removeItem(DEVICE_STORAGE_KEY);
  });

  it('lists the fake camera and microphone with labels once permission is granted', async () => {
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
    try {
      const list = await listDevices();
      expect(list.camera.length).to.be.greaterThan(0);
      expect(list.microphone.length).to.be.greaterThan(0);
      expect(list.camera[0]!.label).to.not.equal('');
    } finally {
      stream.getTracks().forEach((t) => t.stop());
    }
  });

  it('remembers the choice per origin and ignores a corrupt entry', () => {
    saveDeviceChoice({ camera: 'cam-1', speaker: 'spk' });
    expect(loadDeviceChoice()).to.deep.equal({ camera: 'cam-1', speaker: 'spk' });
    localStorage.setItem(DEVICE_STORAGE_KEY, '{not json');
    expect(loadDeviceChoice()).to.deep.equal({});
    localStorage.setItem(DEVICE_STORAGE_KEY, JSON.stringify({ camera: 42, microphone: 'mic' }));
    expect(loadDeviceChoice()).to.deep.equal({ microphone: 'mic' });
  });

  /**
   * A device of `kind` other than the one `track` captures from, or null where the browser
   * offers only one. Fake devices: Chromium has three microphones ("Fake Default Audio
   * Input", "Fake Audio Input 1" and 2) but one camera unless launched with
   * `--use-fake-device-for-media-stream=device-count=2`; Firefox's fake devices are one
   * camera and one microphone.
   */
  async function anotherDevice(kind: 'camera' | 'microphone', track: MediaStreamTrack): Promise<string | null> {
    const current = track.getSettings().deviceId;
    return (await listDevices())[kind].reverse().find((d) => d.id !== current && d.id !== 'default')?.id ?? null;
  }

  /** Audio packets b has received from a so far (inbound-rtp, b's side of the connection). */
  async function audioPacketsAt(b: Session, a: Session): Promise<number> {
    let packets = 0;
    (await b.peers.get(a.id)!.pc.getStats()).forEach((r: { type: string; kind?: string; packetsReceived?: number }) => {
      if (r.type === 'inbound-rtp' && r.kind === 'audio') packets += r.packetsReceived ?? 0;
    });
    return packets;
  }

  it('switches the camera in place: same sender, no renegotiation, the other side keeps decoding', async function () {
    const [a, b] = await connectedPair();
    sessions.push(a, b);
    await b.join({ audio: true, video: false }); // media goes only to people in the call
    await a.join({ audio: true, video: true });
    const oldTrack = a.localStream!.getVideoTracks()[0]!;
    const target = await anotherDevice('camera', oldTrack);
    // Missing capability: a second camera. Firefox's fake devices have one; Chromium's have
    // one unless launched with --use-fake-device-for-media-stream=device-count=2.
    if (!target) return this.skip();
    const remote = await waitFor(() => b.participants().find((p) => p.id === a.id)?.camera, 'a’s camera at b');
    const video = document.createElement('video');
    video.muted = true;
    video.srcObject = remote;
    document.body.append(video);
    try {
      await framesArrive(video);
      const pc = a.peers.get(b.id)!.pc;
      await waitFor(() => pc.signalingState === 'stable', 'negotiation to settle');
      const sdp = pc.localDescription!.sdp;
      let negotiations = 0;
      pc.addEventListener('negotiationneeded', () => negotiations++);
      const sender = pc.getSenders().find((s) => s.track === oldTrack)!;
      const remoteTrack = remote.getVideoTracks()[0];
      expect(oldTrack.getSettings().deviceId).to.not.equal(target);

      await a.setDevice('camera', target);

      const newTrack = a.localStream!.getVideoTracks()[0]!;
      expect(newTrack).to.not.equal(oldTrack);
      expect(oldTrack.readyState).to.equal('ended');
      expect(newTrack.getSettings().deviceId, 'the new track captures from the other camera').to.equal(target);
      expect(sender.track).to.equal(newTrack);
      expect(a.localStream!.getVideoTracks()).to.have.length(1);
      expect(JSON.parse(localStorage.getItem(DEVICE_STORAGE_KEY)!).camera).to.equal(target);
      // The remote side keeps the same track and frames keep coming.
      await framesArrive(video, 10); // frames keep coming after the switch
      expect(remote.getVideoTracks()[0]).to.equal(remoteTrack);
      expect(negotiations).to.equal(0);
      expect(pc.localDescription!.sdp).to.equal(sdp);
      expect(a.peers.get(b.id)!.connected).to.equal(true);
    } finally {
      video.remove();
    }
  });

  it('switches the microphone in place: another device, same sender, no renegotiation, the other side keeps hearing', async function () {
    const [a, b] = await connectedPair();
    sessions.push(a, b);
    await b.join({ audio: true, video: false });
    await a.join({ audio: true, video: false });
    const oldTrack = a.localStream!.getAudioTracks()[0]!;
    const target = await anotherDevice('microphone', oldTrack);
    // Missing capability: a second microphone (Firefox's fake devices have one).
    if (!target) return this.skip();
    const pc = a.peers.get(b.id)!.pc;
    const sender = await waitFor(() => pc.getSenders().find((s) => s.track === oldTrack), 'a’s microphone sender');
    await waitFor(async () => (await audioPacketsAt(b, a)) > 0, 'b to receive a’s audio');
    await waitFor(() => pc.signalingState === 'stable', 'negotiation to settle');
    const sdp = pc.localDescription!.sdp;
    let negotiations = 0;
    pc.addEventListener('negotiationneeded', () => negotiations++);

    await a.setDevice('microphone', target);

    const newTrack = a.localStream!.getAudioTracks()[0]!;
    expect(newTrack).to.not.equal(oldTrack);
    expect(oldTrack.readyState).to.equal('ended');
    expect(newTrack.getSettings().deviceId, 'the new track captures from the other microphone').to.equal(target);
    expect(sender.track).to.equal(newTrack);
    expect(a.devices.microphone).to.equal(target);
    expect(JSON.parse(localStorage.getItem(DEVICE_STORAGE_KEY)!).microphone).to.equal(target);
    // Audio from the new microphone reaches b: packets keep arriving after the switch.
    const before = await audioPacketsAt(b, a);
    await waitFor(async () => (await audioPacketsAt(b, a)) > before + 50, 'b to keep receiving a’s audio after the switch');
    expect(negotiations).to.equal(0);
    expect(pc.localDescription!.sdp).to.equal(sdp);
  });

  it('a denied device switch reports an error and keeps the current track', async () => {
    const [a, b] = await connectedPair();
    sessions.push(a, b);
    await a.join({ audio: true, video: true });
    const track = a.localStream!.getAudioTracks()[0]!;
    const errors: string[] = [];
    a.events.on('error', (e) => errors.push(e.code));
    let rejected = false;
    await a.setDevice('microphone', 'no-such-device').catch(() => (rejected = true));
    expect(rejected).to.equal(true);
    expect(errors).to.deep.equal(['no-device']);
    expect(track.readyState).to.equal('live');
    expect(a.localStream!.getAudioTracks()[0]).to.equal(track);
  });
});
