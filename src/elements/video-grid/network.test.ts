import { expect, fixture, html } from '@open-wc/testing';
import '../../index.js';
import type { ParleyRoom } from '../room/room.js';
import type { ParleyVideoGrid } from './video-grid.js';
import { qualityOf, Session } from '../../core/index.js';
import { noisyCamera, sentBitrate, shapedRelay, uniqueRoom, waitFor } from '../../../test/helpers.js';

// The network-quality indicator and the camera's adaptation over a real link: Ada and Bob
// reach each other only through a UDP forwarder that shapes their traffic (rate, delay,
// loss; bench/shaped-link.mjs), changed mid-call. Nothing in Parley is patched.
describe('<parley-video-grid> over a shaped link', () => {
  let bob: Session | null = null;
  let camera: { stop: () => void } | null = null;
  afterEach(() => {
    bob?.destroy();
    bob = null;
    camera?.stop();
    camera = null;
  });

  it('sends less when the link narrows, and the tile says fair under loss and poor under delay', async function () {
    this.timeout(180_000); // each step waits for the link and the encoder, on two loaded cores
    const link = await shapedRelay();
    const room = uniqueRoom('shaped');
    // A camera of noise takes every bit it is allowed (the fake camera needs ~50 kbit/s).
    camera = noisyCamera(640, 360);
    const el = await fixture<ParleyRoom>(html`<parley-room room=${room} signaling=${link.url} name="Ada"><parley-video-grid></parley-video-grid></parley-room>`);
    const grid = el.querySelector<ParleyVideoGrid>('parley-video-grid')!;
    bob = new Session(room, { signaling: link.url, name: 'Bob' });
    bob.start();
    await Promise.all([el.join(), bob.join({ audio: true, video: false })]);
    const ada = el.session!;
    const peer = await waitFor(() => ada.peers.get(bob!.id), 'Ada’s connection to Bob');
    const network = () => grid.shadowRoot!.querySelector(`[part~=tile][data-peer="${bob!.id}"] [part=network]`);
    const rated = (quality: string) => network()?.getAttribute('data-quality') === quality;
    const describe = () => {
      const now = ada.peers.get(bob!.id);
      return `${network()?.getAttribute('aria-label') ?? 'no indicator'}; connection ${now === peer ? '' : 'rebuilt, '}${now?.pc.connectionState ?? 'gone'}`;
    };

    // A wide link: what the camera sends once it has ramped up, well over the narrow link's
    // rate (Chromium reaches about 1 Mbit/s; Firefox ramps up more slowly on a loaded machine).
    await waitFor(() => rated('good'), () => `Ada’s tile for Bob rated good (${describe()})`, 30_000);
    let wide = 0;
    await waitFor(
      async () => (wide = await sentBitrate(peer.pc, 2000)) > 450_000,
      () => `the camera to send over 450 kbit/s on the wide link (last: ${Math.round(wide / 1000)} kbit/s)`,
      60_000,
    );

    // 300 kbit/s: the encoder is told to send less, and what leaves the sender follows. The
    // queue holds 100 ms, so a standing queue adds round trips of 60-100 ms, not seconds.
    const capOf = () => peer.pc.getSenders().find((s) => s.track?.kind === 'video')!.getParameters().encodings[0]!.maxBitrate ?? Infinity;
    const wideCap = capOf();
    await link.shape({ mbit: 0.3, rttMs: 10, queueMs: 100 });
    let narrow = Infinity;
    await waitFor(async () => (narrow = await sentBitrate(peer.pc, 2000)) < 330_000, () => `the camera to send under 330 kbit/s (last: ${Math.round(narrow / 1000)} kbit/s, before ${Math.round(wide / 1000)})`, 40_000);
    // The quality monitor lowered the camera's cap (Chromium from its bandwidth estimate,
    // Firefox, which reports none, from the round trips the standing queue adds, or from the
    // loss Bob reports when the queue overflowed before it stood long), and keeps
    // it lowered while the link stays narrow: read after read, until three reads in a row
    // see no loss (the full queue's drops are over; the queue itself, and the narrow rate,
    // are not).
    let cap = Infinity;
    await waitFor(() => (cap = capOf()) < wideCap, () => `the quality monitor to lower the camera’s cap below ${wideCap} (now ${cap})`, 20_000);
    const reads: string[] = [];
    let calm = 0;
    const off = qualityOf(ada).events.on('stats', () => {
      const { loss = 0, rtt = 0 } = qualityOf(ada).stats.get(bob!.id) ?? {};
      calm = loss <= 0.02 ? calm + 1 : 0;
      reads.push(`${capOf()} (loss ${loss.toFixed(2)}, rtt ${Math.round(rtt)} ms)`);
      if (capOf() >= wideCap) calm = -Infinity;
    });
    await waitFor(() => calm >= 3 || calm < 0, () => `three reads without loss on the narrow link (so far: ${reads.join('; ')})`, 60_000).finally(off);
    expect(calm, `caps read after read: ${reads.join('; ')} (wide: ${wideCap})`).to.be.greaterThan(0);

    // One datagram in 20 lost (5 %) on a wide link again: fair. Then 600 ms round trips: poor.
    await link.shape({ mbit: 50, rttMs: 10, queueMs: 200, lossEvery: 20 });
    await waitFor(() => rated('fair'), () => `Ada’s tile for Bob rated fair under 5 % loss (${describe()})`, 30_000);
    expect(network()!.getAttribute('aria-label')).to.equal('Network: fair');
    await link.shape({ mbit: 50, rttMs: 600, queueMs: 200 });
    await waitFor(() => rated('poor'), () => `Ada’s tile for Bob rated poor at 600 ms round trips (${describe()})`, 30_000);
    expect(network()!.getAttribute('aria-label')).to.equal('Network: poor');
    await expect(grid).to.be.accessible();

    // The link heals: good again.
    await link.shape({ mbit: 50, rttMs: 10, queueMs: 200 });
    await waitFor(() => rated('good'), () => `Ada’s tile for Bob rated good again (${describe()})`, 30_000);
  });
});
