// The pre-join preview: camera and microphone run for the person alone, nothing reaches
// anyone (not one media byte, no presence in the call) until join(), which then uses the
// very same tracks, as the person left them (device, camera off), with no second capture.
import { expect } from '@open-wc/testing';
import type { Session } from '../session/session.js';
import { connectedPair, framesArrive, waitFor } from '../../../test/helpers.js';

/** Media bytes `to` has received from `from` so far (all inbound RTP on that connection). */
async function mediaBytes(to: Session, from: Session): Promise<number> {
  let bytes = 0;
  (await to.peers.get(from.id)!.pc.getStats()).forEach((s) => {
    if (s.type === 'inbound-rtp') bytes += s.bytesReceived ?? 0;
  });
  return bytes;
}

function show(stream: MediaStream): HTMLVideoElement {
  const video = Object.assign(document.createElement('video'), { muted: true, srcObject: stream });
  document.body.append(video);
  return video;
}

describe('Preview before joining (real camera, real connections)', function () {
  this.timeout(60000);
  const sessions: Session[] = [];
  const videos: HTMLVideoElement[] = [];
  afterEach(() => {
    sessions.splice(0).forEach((s) => s.destroy());
    videos.splice(0).forEach((v) => v.remove());
  });

  it('sends nothing while previewing; join() then sends the same tracks, captured once', async () => {
    const [a, b] = await connectedPair();
    sessions.push(a, b);
    await b.join(); // b is in the call: a's media would go to b at once if a were in it
    const captures: MediaStreamConstraints[] = [];
    const real = navigator.mediaDevices.getUserMedia;
    navigator.mediaDevices.getUserMedia = function (constraints) {
      captures.push(constraints ?? {});
      return real.call(this, constraints);
    };
    try {
      const preview = await a.preview();
      expect(a.previewStream).to.equal(preview);
      const mine = show(preview);
      videos.push(mine);
      await framesArrive(mine, 15); // half a second of camera at a
      expect(a.inCall).to.equal(false);
      expect(b.participant(a.id)?.media ?? null, 'a in the call, at b').to.equal(null);
      expect(await mediaBytes(b, a), 'media bytes from a at b').to.equal(0);

      await a.join();
      expect(captures.length, 'captures').to.equal(1);
      expect(a.localStream).to.equal(preview);
      expect(a.previewStream).to.equal(null);
      const atB = show(await waitFor(() => b.participant(a.id)?.camera, 'a’s camera at b'));
      videos.push(atB);
      await framesArrive(atB, 3);
      expect(await mediaBytes(b, a)).to.be.greaterThan(0);
    } finally {
      navigator.mediaDevices.getUserMedia = real;
    }
  });

  it('keeps what the person chose in the preview: the camera they picked, and the camera off', async () => {
    const [a, b] = await connectedPair();
    sessions.push(a, b);
    await b.join();
    const preview = await a.preview();
    const cameras = (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === 'videoinput');
    const picked = cameras[cameras.length - 1]!.deviceId;
    await a.setDevice('camera', picked);
    expect(preview.getVideoTracks()[0]!.getSettings().deviceId).to.equal(picked);
    a.setVideoEnabled(false);
    expect(b.participant(a.id)?.media ?? null, 'a in the call, at b').to.equal(null);
    await a.join();
    expect(a.localStream!.getVideoTracks()[0]!.getSettings().deviceId).to.equal(picked);
    await waitFor(() => b.participant(a.id)?.media?.video === false, 'a in the call with the camera off, at b');
    expect(b.participant(a.id)!.media!.audio).to.equal(true);
  });

  it('turns the camera off when the preview is closed without joining, and when the page goes away', async () => {
    const [a] = await connectedPair();
    sessions.push(a);
    const first = await a.preview();
    a.stopPreview();
    expect(first.getTracks().map((t) => t.readyState)).to.deep.equal(first.getTracks().map(() => 'ended'));
    expect(a.previewStream).to.equal(null);
    const second = await a.preview();
    window.dispatchEvent(new PageTransitionEvent('pagehide', { persisted: true }));
    expect(second.getTracks().every((t) => t.readyState === 'ended')).to.equal(true);
    expect(a.previewStream).to.equal(null);
  });
});
