import { expect } from '@open-wc/testing';
import { PROFILES } from './profiles.js';
import { rateNetwork, targetEncoding } from './network-stats.js';
import type { Session } from '../session.js';
import { connectedPair, waitFor } from '../../../test/helpers.js';

describe('quality', () => {
  const sessions: Session[] = [];
  afterEach(() => sessions.splice(0).forEach((s) => s.destroy()));

  it('rates the network from RTT and loss', () => {
    expect(rateNetwork(20, 0)).to.equal('good');
    expect(rateNetwork(200, 0)).to.equal('fair');
    expect(rateNetwork(20, 0.05)).to.equal('fair');
    expect(rateNetwork(500, 0)).to.equal('poor');
    expect(rateNetwork(20, 0.2)).to.equal('poor');
    expect(rateNetwork()).to.equal('good');
  });

  it('in auto, sends less and smaller as bandwidth shrinks or loss grows', () => {
    const good = targetEncoding('auto', { quality: 'good', availableBitrate: 5_000_000, rtt: 10, loss: 0 });
    expect(good).to.deep.equal({ maxBitrate: PROFILES.high.maxBitrate, scaleResolutionDownBy: 1 });
    const narrow = targetEncoding('auto', { quality: 'good', availableBitrate: 600_000 });
    expect(narrow.maxBitrate).to.equal(510_000);
    expect(narrow.scaleResolutionDownBy).to.equal(2);
    const lossy = targetEncoding('auto', { quality: 'poor', availableBitrate: 600_000, loss: 0.2, rtt: 500 });
    expect(lossy.maxBitrate).to.be.lessThan(narrow.maxBitrate);
    expect(lossy.scaleResolutionDownBy).to.equal(4);
    expect(targetEncoding('auto', { quality: 'poor', availableBitrate: 10_000, loss: 0.5 }).maxBitrate).to.equal(100_000);
    expect(targetEncoding('medium')).to.deep.equal({ maxBitrate: 500_000, scaleResolutionDownBy: 1 });
    // A small remote tile: fewer pixels and bits than the path would allow.
    expect(targetEncoding('auto', undefined, { captured: 1280, shown: 320 })).to.deep.equal({ maxBitrate: 150_000, scaleResolutionDownBy: 4 });
    expect(targetEncoding('auto', undefined, { captured: 1280, shown: 640 })).to.deep.equal({ maxBitrate: 500_000, scaleResolutionDownBy: 2 });
    expect(targetEncoding('auto', undefined, { captured: 1280, shown: 1280 })).to.deep.equal({ maxBitrate: 1_500_000, scaleResolutionDownBy: 1 });
  });

  it('in auto, starts the camera at half size (a faster first frame); a fixed profile at full size', async () => {
    const [a, b] = await connectedPair();
    sessions.push(a, b);
    a.quality.stop(); // what it starts with, before adaptation (every 2 s) changes it
    await b.join({ audio: true, video: false }); // media goes only to people in the call
    await a.join({ audio: true, video: true });
    const camera = a.localStream!.getVideoTracks()[0];
    // a sends once it has heard that b is in the call.
    const sender = await waitFor(() => a.peers.get(b.id)!.senderOf(camera), 'a’s camera sender');
    await waitFor(() => sender.getParameters().encodings[0]?.scaleResolutionDownBy === 2, 'the sender to start at half size');
    const stream = await waitFor(() => b.participants().find((p) => p.id === a.id)?.camera, 'a’s camera at b');
    const video = Object.assign(document.createElement('video'), { muted: true, srcObject: stream });
    void video.play();
    const width = await new Promise<number>((resolve) => video.requestVideoFrameCallback((_, frame) => resolve(frame.width)));
    expect(width).to.be.at.most(Math.round((camera.getSettings().width ?? 0) / 2));

    const [c, d] = await connectedPair();
    sessions.push(c, d);
    c.configure({ quality: 'high' });
    await d.join({ audio: true, video: false });
    await waitFor(() => c.participants().find((p) => p.id === d.id)?.media, 'd in the call, at c');
    await c.join({ audio: false, video: true });
    const full = await waitFor(() => c.peers.get(d.id)!.senderOf(c.localStream!.getVideoTracks()[0]), 'c’s camera sender');
    expect(full.getParameters().encodings[0].scaleResolutionDownBy ?? 1).to.equal(1);
  });

  it('applies a fixed profile to capture and to every sender, and reads real stats on both ends', async () => {
    const [a, b] = await connectedPair();
    sessions.push(a, b);
    a.configure({ quality: 'low' });
    await b.join({ audio: true, video: false });
    await a.join({ audio: true, video: true });
    const track = a.localStream!.getVideoTracks()[0]!;
    expect(track.getSettings().width).to.be.at.most(PROFILES.low.width);
    const sender = await waitFor(() => a.peers.get(b.id)!.senderOf(track), 'the camera sender');
    await waitFor(async () => {
      await a.quality.update();
      return sender.getParameters().encodings?.[0]?.maxBitrate === PROFILES.low.maxBitrate;
    }, 'the low profile’s bitrate cap on the sender');

    // Stats: b receives video with a codec, size, frame rate and bitrate; the path is good.
    const stats = await waitFor(async () => {
      await b.quality.update();
      const s = b.quality.stats.get(a.id);
      return s?.received?.bitrate && s.received.width && s.rtt !== undefined ? s : null;
    }, 'receive stats at b');
    expect(stats.received!.codec).to.match(/^(VP8|VP9|H264|AV1)$/i);
    expect(stats.received!.width).to.be.at.most(PROFILES.low.width);
    expect(stats.quality).to.equal('good');
    const sent = await waitFor(async () => {
      await a.quality.update();
      return a.quality.stats.get(b.id)?.sent?.bitrate;
    }, 'send stats at a');
    expect(sent).to.be.greaterThan(0);

    // Switching to auto lifts the cap to what the (loopback) path allows.
    a.configure({ quality: 'auto' });
    await waitFor(async () => {
      await a.quality.update();
      return (sender.getParameters().encodings?.[0]?.maxBitrate ?? 0) > PROFILES.low.maxBitrate;
    }, 'auto to raise the cap');
  });
});
