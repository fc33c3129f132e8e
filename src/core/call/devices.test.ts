import { expect } from '@open-wc/testing';
import { DEVICE_STORAGE_KEY, listDevices, loadDeviceChoice, saveDeviceChoice } from './devices.js';
import type { Session } from '../session.js';
import { connectedPair, decodedFrames, waitFor, framesArrive } from '../../../test/helpers.js';

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

  it('switches the camera in place: same sender, no renegotiation, the other side keeps decoding', async () => {
    const [a, b] = await connectedPair();
    sessions.push(a, b);
    await b.join({ audio: true, video: false }); // media goes only to people in the call
    await a.join({ audio: true, video: true });
    const remote = await waitFor(() => b.participants().find((p) => p.id === a.id)?.camera, 'a’s camera at b');
    const video = document.createElement('video');
    video.muted = true;
    video.srcObject = remote;
    document.body.append(video);
    try {
      await decodedFrames(video);
      const pc = a.peers.get(b.id)!.pc;
      await waitFor(() => pc.signalingState === 'stable', 'negotiation to settle');
      const sdp = pc.localDescription!.sdp;
      let negotiations = 0;
      pc.addEventListener('negotiationneeded', () => negotiations++);
      const oldTrack = a.localStream!.getVideoTracks()[0]!;
      const sender = pc.getSenders().find((s) => s.track === oldTrack)!;
      const remoteTrack = remote.getVideoTracks()[0];

      const cameras = (await listDevices()).camera;
      const target = cameras[cameras.length - 1]!.id;
      await a.setDevice('camera', target);

      const newTrack = a.localStream!.getVideoTracks()[0]!;
      expect(newTrack).to.not.equal(oldTrack);
      expect(oldTrack.readyState).to.equal('ended');
      expect(newTrack.getSettings().deviceId).to.equal(target);
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
