import { expect } from '@open-wc/testing';
import { PROFILES } from './profiles.js';
import { rateNetwork, readPeerStats, targetEncoding, type Counters } from './network-stats.js';
import { qualityOf } from './quality.js';
import { senderOf } from './send-tracks.js';
import type { Session } from '../session/session.js';
import { connectedPair, noisyCamera, sentBitrate, waitFor } from '../../../test/helpers.js';

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

  it('without a browser estimate (Firefox), holds what got through after heavy loss of what it sent, and raises it once the loss is gone', async () => {
    // The figures Firefox's getStats gives for a connection (no availableOutgoingBitrate),
    // read by the quality monitor's own code: a steady 20 ms path, what we sent so far, and
    // the share of it the other side reports lost, read by the browser every 200 ms
    // (`timestamp`) while the page's own reads come when they come.
    let bytesSent = 0;
    let fractionLost = 0;
    let timestamp = 1_000;
    const source = {
      getStats: async () =>
        new Map<string, object>([
          ['pair', { id: 'pair', type: 'candidate-pair', nominated: true, state: 'succeeded', currentRoundTripTime: 0.02 }],
          ['out', { id: 'out', type: 'outbound-rtp', kind: 'video', bytesSent, timestamp }],
          ['remote', { id: 'remote', type: 'remote-inbound-rtp', kind: 'video', fractionLost, roundTripTime: 0.02 }],
        ]) as unknown as RTCStatsReport,
    };
    const counters = new Map<string, Counters>();
    /** Sends `bits` a second for 200 ms, then reads. */
    const read = async (bits: number, lost: number) => {
      timestamp += 200;
      bytesSent += (bits * 0.2) / 8;
      fractionLost = lost;
      return readPeerStats(source, counters, 'bob');
    };
    await read(0, 0);
    expect((await read(500_000, 0)).availableBitrate, 'no loss, no queue: no estimate').to.equal(undefined);
    const lossy = (await read(500_000, 0.2)).availableBitrate!;
    // What got through of what was sent, over the browser's 200 ms between reads.
    expect(lossy).to.be.closeTo(0.8 * 500_000, 1);
    expect((await read(200_000, 0.2)).availableBitrate, 'held while the loss lasts, not lowered').to.equal(lossy);
    expect((await read(200_000, 0)).availableBitrate, 'raised once it is gone').to.equal(lossy * 1.25);
    expect(targetEncoding('auto', await read(200_000, 0)).maxBitrate, 'the cap stays under the wide path’s').to.be.below(PROFILES.high.maxBitrate);
  });

  it('in auto, starts the camera at a quarter of its size (a faster first frame), set before the join on both sides of a pair; a fixed profile at full size', async () => {
    const [a, b] = await connectedPair();
    sessions.push(a, b);
    qualityOf(a).stop(); // what they start with, before adaptation (every 2 s) changes it
    qualityOf(b).stop();
    // Joining only puts tracks on: the size was set on the camera's sender, offerer's and
    // answerer's alike, when the connection was made, so no encoding changes now.
    const setParameters = RTCRtpSender.prototype.setParameters;
    let changes = 0;
    RTCRtpSender.prototype.setParameters = function (...args) {
      changes++;
      return setParameters.apply(this, args);
    };
    try {
      await Promise.all([a.join({ audio: true, video: true }), b.join({ audio: true, video: true })]);
      for (const [from, to] of [
        [a, b],
        [b, a],
      ]) {
        const camera = from.localStream!.getVideoTracks()[0]!;
        // from sends once it has heard that to is in the call.
        const sender = await waitFor(() => senderOf(from.peers.get(to.id)!, camera), 'the camera sender');
        expect(sender.getParameters().encodings[0]?.scaleResolutionDownBy).to.equal(4);
        const stream = await waitFor(() => to.participants().find((p) => p.id === from.id)?.camera, 'the camera on the other side');
        const video = Object.assign(document.createElement('video'), { muted: true, srcObject: stream });
        void video.play();
        const width = await new Promise<number>((resolve) => video.requestVideoFrameCallback((_, frame) => resolve(frame.width)));
        expect(width).to.be.at.most(Math.round((camera.getSettings().width ?? 0) / 4));
        video.remove();
      }
      expect(changes, 'setParameters calls while joining').to.equal(0);
    } finally {
      RTCRtpSender.prototype.setParameters = setParameters;
    }

    // A fixed profile sends the camera at the size it captures: d sees frames as wide as c's
    // camera. (low: a size no encoder shrinks further for a busy CPU or a slow start.)
    const [c, d] = await connectedPair();
    sessions.push(c, d);
    c.configure({ quality: 'low' });
    qualityOf(c).stop(); // what it starts with, before any adaptation round
    await d.join({ audio: true, video: false });
    await waitFor(() => c.participants().find((p) => p.id === d.id)?.media, 'd in the call, at c');
    await c.join({ audio: false, video: true });
    const captured = c.localStream!.getVideoTracks()[0]!.getSettings().width!;
    const atD = await waitFor(() => d.participants().find((p) => p.id === c.id)?.camera, 'c’s camera at d');
    const full = Object.assign(document.createElement('video'), { muted: true, srcObject: atD });
    void full.play();
    const widths: number[] = [];
    const onFrame = (_: number, frame: VideoFrameCallbackMetadata) => {
      widths.push(frame.width);
      if (frame.width !== captured) full.requestVideoFrameCallback(onFrame);
    };
    full.requestVideoFrameCallback(onFrame);
    await waitFor(() => widths.includes(captured), () => `a frame at d as wide as c’s camera (${captured}); seen ${[...new Set(widths)].join(', ') || 'none'}`, 20000);
    full.remove();
  });

  it('applies a fixed profile to capture and to every sender, and reads real stats on both ends', async () => {
    const [a, b] = await connectedPair();
    sessions.push(a, b);
    a.configure({ quality: 'low' });
    await b.join({ audio: true, video: false });
    await a.join({ audio: true, video: true });
    const track = a.localStream!.getVideoTracks()[0]!;
    expect(track.getSettings().width).to.be.at.most(PROFILES.low.width);
    const sender = await waitFor(() => senderOf(a.peers.get(b.id)!, track), 'the camera sender');
    await waitFor(async () => {
      await qualityOf(a).update();
      return sender.getParameters().encodings?.[0]?.maxBitrate === PROFILES.low.maxBitrate;
    }, 'the low profile’s bitrate cap on the sender');

    // Stats: b receives video with a codec, size, frame rate and bitrate; the path is good.
    const stats = await waitFor(async () => {
      await qualityOf(b).update();
      const s = qualityOf(b).stats.get(a.id);
      return s?.received?.bitrate && s.received.width && s.rtt !== undefined ? s : null;
    }, 'receive stats at b');
    expect(stats.received!.codec).to.match(/^(VP8|VP9|H264|AV1)$/i);
    expect(stats.received!.width).to.be.at.most(PROFILES.low.width);
    expect(stats.quality).to.equal('good');
    const sent = await waitFor(async () => {
      await qualityOf(a).update();
      return qualityOf(a).stats.get(b.id)?.sent?.bitrate;
    }, 'send stats at a');
    // Rates over the browser's own read times (stats timestamps, in ms): a camera's, not one
    // a thousand times off.
    expect(sent, 'bits a second sent').to.be.within(10_000, 10_000_000);
    expect(stats.received!.bitrate, 'bits a second received').to.be.within(10_000, 10_000_000);

    // Switching to auto lifts the cap to what the (loopback) path allows.
    a.configure({ quality: 'auto' });
    await waitFor(async () => {
      await qualityOf(a).update();
      return (sender.getParameters().encodings?.[0]?.maxBitrate ?? 0) > PROFILES.low.maxBitrate;
    }, 'auto to raise the cap');
  });

  it('a lower profile lowers the bitrate actually sent (getStats bytesSent), not just the cap', async function () {
    this.timeout(60000);
    const camera = noisyCamera();
    try {
      const [a, b] = await connectedPair();
      sessions.push(a, b);
      a.configure({ quality: 'medium' });
      await b.join({ audio: true, video: false });
      await waitFor(() => a.participants().find((p) => p.id === b.id)?.media, 'b in the call, at a');
      await a.join({ audio: false, video: true });
      const pc = a.peers.get(b.id)!.pc;
      // Medium (500 kbit/s): the noise takes well over what low allows.
      const medium = await waitFor(async () => {
        const rate = await sentBitrate(pc);
        return rate > 2.5 * PROFILES.low.maxBitrate ? rate : 0;
      }, 'a to send well above the low profile’s cap under medium', 30000);
      expect(medium).to.be.at.most(PROFILES.medium.maxBitrate * 1.3);
      a.configure({ quality: 'low' });
      let low = 0;
      await waitFor(
        async () => (low = await sentBitrate(pc)) <= PROFILES.low.maxBitrate * 1.3,
        () => `what a sends to fall to the low profile’s ${PROFILES.low.maxBitrate / 1000} kbit/s (last ${Math.round(low / 1000)} kbit/s, was ${Math.round(medium / 1000)})`,
        30000,
      );
      // And it stays there: not one lucky window (uncapped, what the loopback path let the
      // noise send wandered between 260 and 1,000 kbit/s on a busy machine). Over 4 s: an
      // encoder overshoots its cap for a moment (a keyframe of noise), not for long.
      expect(await sentBitrate(pc, 4000)).to.be.at.most(PROFILES.low.maxBitrate * 1.3);
    } finally {
      camera.stop();
    }
  });
});
