import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import '../../index.js';
import type { ParleyRoom } from '../room/room.js';
import type { ParleyVideoGrid } from './video-grid.js';
import { CallRecorder, Session, targetEncoding } from '../../core/index.js';
import { decodedFrames, relayUrl, uniqueRoom, waitFor } from '../../../test/helpers.js';

describe('<parley-video-grid>', () => {
  let other: Session | null = null;
  const extra: Session[] = [];
  afterEach(() => {
    other?.destroy();
    other = null;
    extra.splice(0).forEach((s) => s.destroy());
  });

  const tileOf = (grid: ParleyVideoGrid, id: string, screen = false) =>
    grid.shadowRoot!.querySelector<HTMLElement>(`[part~=tile][data-peer="${id}"]${screen ? '[part~=screen]' : ':not([part~=screen])'}`);
  const buttonIn = (root: ParentNode, name: string) =>
    [...root.querySelectorAll('button')].find((b) => (b.getAttribute('aria-label') ?? b.textContent!.trim()) === name);

  /** Starts a screen share from a real key press, which gives the page user activation. */
  async function shareScreenOf(session: Session): Promise<void> {
    const button = document.createElement('button');
    button.textContent = 'share';
    let started: Promise<void> = Promise.resolve();
    button.addEventListener('click', () => {
      started = session.startScreenShare();
      started.catch(() => {}); // awaited below; this only keeps it from being "unhandled"
    });
    document.body.append(button);
    button.focus();
    await sendKeys({ press: 'Enter' });
    button.remove();
    await started;
  }

  /** Bob joins the room with camera and microphone; resolves with his tile in `grid`. */
  async function bobJoins(room: string, signaling: string, grid: ParleyVideoGrid): Promise<{ bob: Session; tile: HTMLElement }> {
    const bob = new Session(room, { signaling, name: 'Bob' });
    other = bob;
    bob.start();
    await bob.join({ audio: true, video: true });
    return { bob, tile: await waitFor(() => tileOf(grid, bob.id), 'Bob’s tile') };
  }

  async function setup() {
    const signaling = await relayUrl();
    const room = uniqueRoom();
    const el = await fixture<ParleyRoom>(
      html`<parley-room room=${room} signaling=${signaling} name="Ada"><parley-video-grid></parley-video-grid></parley-room>`,
    );
    const grid = el.querySelector('parley-video-grid') as ParleyVideoGrid;
    return { el, grid, room, signaling };
  }

  it('says nobody is in the call before anyone joins, and is accessible', async () => {
    const { grid } = await setup();
    expect(grid.shadowRoot!.querySelector('[part=empty]')!.textContent).to.contain('Nobody');
    await expect(grid).to.be.accessible();
  });

  it('shows my muted self-view after join, then a remote tile whose video decodes', async () => {
    const { el, grid, room, signaling } = await setup();
    await el.join();
    await grid.updateComplete;
    const self = grid.shadowRoot!.querySelector<HTMLElement>('[part~=tile]')!;
    expect(self.getAttribute('aria-label')).to.equal('Ada (you)');
    expect(self.querySelector('video')!.muted).to.equal(true);

    other = new Session(room, { signaling, name: '<b>Bob</b>' });
    other.start();
    await other.join({ audio: true, video: true });
    const tile = await waitFor(
      () => grid.shadowRoot!.querySelector<HTMLElement>(`[part~=tile][data-peer="${other!.id}"]`),
      'the remote tile',
    );
    // A peer-supplied name is text, never markup.
    expect(tile.querySelector('[part=name]')!.textContent).to.contain('<b>Bob</b>');
    expect(tile.querySelector('b')).to.equal(null);
    const video = await waitFor(() => tile.querySelector('video'), 'remote video');
    expect(video.muted, 'remote audio plays').to.equal(false);
    expect(await decodedFrames(video)).to.be.greaterThan(0);
    await expect(grid).to.be.accessible();

    // Camera off remotely: the placeholder shows and the video is hidden.
    other.setVideoEnabled(false);
    await waitFor(() => tile.querySelector('[part=placeholder]'), 'the placeholder');
    expect(video.hidden).to.equal(true);
    other.setAudioEnabled(false);
    await waitFor(() => tile.querySelector('[part=badge]'), 'the muted badge');
  });

  it('shows everyone a recording badge on the tile of whoever records', async () => {
    const { el, grid, room, signaling } = await setup();
    await el.join();
    const { bob, tile } = await bobJoins(room, signaling, grid);
    expect(tile.querySelector('[part~=recording]')).to.equal(null);
    const recorder = new CallRecorder(bob);
    await recorder.start('camera');
    const badge = await waitFor(() => tile.querySelector('[part~=recording]'), 'the recording badge on Bob’s tile');
    expect(badge.getAttribute('aria-label')).to.equal('recording');
    expect(tileOf(grid, el.session!.id)!.querySelector('[part~=recording]'), 'not on mine').to.equal(null);
    await expect(grid).to.be.accessible();
    // What was recorded is recorder.test.ts's business (a very short one may come out empty).
    await recorder.stop().catch(() => {});
    await waitFor(() => !tile.querySelector('[part~=recording]'), 'the badge to go when Bob stops');
  });

  it('shows a shared screen as its own large tile, keeps the others visible, and drops it on "Stop sharing"', async function () {
    const { el, grid, room, signaling } = await setup();
    await el.join();
    const { bob } = await bobJoins(room, signaling, grid);
    try {
      await shareScreenOf(bob);
    } catch (error) {
      // Headless Firefox has no screen to capture (NotFoundError); Chromium runs this test.
      if ((error as { code?: string }).code === 'no-device') return this.skip();
      throw error;
    }
    const screen = await waitFor(() => tileOf(grid, bob.id, true), 'Bob’s screen tile');
    expect(screen.getAttribute('aria-label')).to.equal("Bob's screen");
    expect(screen.part.contains('featured'), 'the screen is the large tile').to.equal(true);
    const video = await waitFor(() => screen.querySelector('video'), 'the screen video');
    expect(await decodedFrames(video)).to.be.greaterThan(0);
    // Presenter layout: the screen spans the grid and sits first; camera tiles stay visible.
    expect(screen.getBoundingClientRect().width).to.be.greaterThan(tileOf(grid, bob.id)!.getBoundingClientRect().width);
    expect(tileOf(grid, bob.id)!.getBoundingClientRect().height).to.be.greaterThan(0);
    expect(tileOf(grid, el.session!.id)!.getBoundingClientRect().height).to.be.greaterThan(0);
    await expect(grid).to.be.accessible();

    // The browser's own "Stop sharing" ends the track (stop() alone fires no event).
    const track = bob.screenStream!.getVideoTracks()[0]!;
    track.stop();
    track.dispatchEvent(new Event('ended'));
    expect(bob.screenStream).to.equal(null);
    await waitFor(() => !tileOf(grid, bob.id, true), 'the screen tile to go');
    expect(tileOf(grid, bob.id)).to.exist;
  });

  it('pins a tile large, switches to speaker layout, and minimizes the self-view', async () => {
    const { el, grid, room, signaling } = await setup();
    await el.join();
    const { tile: bob } = await bobJoins(room, signaling, grid);
    const self = tileOf(grid, el.session!.id)!;
    expect(self.part.contains('featured') || bob.part.contains('featured')).to.equal(false);

    const pinSelf = buttonIn(self, 'Pin Ada (you)')!;
    expect(pinSelf.getAttribute('aria-pressed')).to.equal('false');
    pinSelf.click();
    await grid.updateComplete;
    expect(pinSelf.getAttribute('aria-pressed')).to.equal('true');
    expect(self.part.contains('featured')).to.equal(true);
    expect(self.getBoundingClientRect().width).to.be.greaterThan(bob.getBoundingClientRect().width);
    pinSelf.click();
    await grid.updateComplete;
    expect(self.part.contains('featured')).to.equal(false);

    // Speaker layout: a remote person is large, the rest small.
    grid.layout = 'speaker';
    await grid.updateComplete;
    expect(bob.part.contains('featured')).to.equal(true);
    expect(bob.getBoundingClientRect().width).to.be.greaterThan(self.getBoundingClientRect().width);

    buttonIn(self, 'Hide self-view')!.click();
    await grid.updateComplete;
    expect(self.part.contains('minimized')).to.equal(true);
    expect(self.querySelector('video')).to.equal(null);
    expect(self.getBoundingClientRect().height).to.be.lessThan(bob.getBoundingClientRect().height);
    await expect(grid).to.be.accessible();
    buttonIn(self, 'Show self-view')!.click();
    await grid.updateComplete;
    expect(self.querySelector('video')).to.exist;
  });

  it('highlights the active speaker and fires parley-active-speaker', async () => {
    const { el, grid, room, signaling } = await setup();
    await el.join({ audio: false, video: true });
    other = new Session(room, { signaling, name: 'Bob' });
    other.start();
    const event = oneEvent(grid, 'parley-active-speaker');
    await other.join({ audio: true, video: true });
    const { detail, bubbles, composed } = await event;
    expect(bubbles && composed).to.equal(true);
    expect(detail).to.deep.equal({ id: other.id, name: 'Bob', isLocal: false });
    const tile = await waitFor(() => tileOf(grid, other!.id), 'Bob’s tile');
    await waitFor(() => tile.part.contains('speaking'), 'the speaking highlight');
    expect(tile.hasAttribute('data-speaking')).to.equal(true);
    // Muted: the highlight goes once the level decays.
    other.setAudioEnabled(false);
    const quiet = await oneEvent(grid, 'parley-active-speaker');
    expect(quiet.detail.id).to.equal(null);
    await waitFor(() => !tile.part.contains('speaking'), 'the highlight to go');
  });

  it('offers "Click to enable audio" when the browser refuses to autoplay with sound', async () => {
    const { el, grid, room, signaling } = await setup();
    const play = HTMLMediaElement.prototype.play;
    // The browser's autoplay policy, as a page without a user gesture meets it.
    HTMLMediaElement.prototype.play = function (this: HTMLMediaElement) {
      return this.muted ? play.call(this) : Promise.reject(new DOMException('no gesture', 'NotAllowedError'));
    };
    try {
      await el.join();
      other = new Session(room, { signaling, name: 'Bob' });
      other.start();
      await other.join({ audio: true, video: true });
      const button = await waitFor(() => buttonIn(grid.shadowRoot!, 'Click to enable audio'), 'the enable-audio button');
      const video = tileOf(grid, other.id)!.querySelector('video')!;
      expect(video.muted, 'video plays muted meanwhile').to.equal(true);
      expect(await decodedFrames(video)).to.be.greaterThan(0);
      await expect(grid).to.be.accessible();
      HTMLMediaElement.prototype.play = play; // the click is the user gesture
      button.click();
      await waitFor(() => !buttonIn(grid.shadowRoot!, 'Click to enable audio'), 'the button to go');
      expect(video.muted).to.equal(false);
      expect(video.paused).to.equal(false);
    } finally {
      HTMLMediaElement.prototype.play = play;
    }
  });

  it('shows a network-quality indicator per remote tile and a stats panel', async () => {
    const signaling = await relayUrl();
    const room = uniqueRoom();
    const el = await fixture<ParleyRoom>(
      html`<parley-room room=${room} signaling=${signaling} name="Ada" quality="medium"><parley-video-grid></parley-video-grid></parley-room>`,
    );
    expect(el.session!.config.quality).to.equal('medium');
    const grid = el.querySelector('parley-video-grid')!;
    await el.join();
    const { tile } = await bobJoins(room, signaling, grid);
    const network = await waitFor(() => tile.querySelector('[part=network]'), 'the network indicator', 20000);
    expect(network.getAttribute('data-quality')).to.equal('good');
    expect(network.getAttribute('aria-label')).to.equal('Network: good');
    expect(tileOf(grid, el.session!.id)!.querySelector('[part=network]'), 'none on my own tile').to.equal(null);

    const toggle = buttonIn(tile, 'Connection stats for Bob')!;
    expect(toggle.getAttribute('aria-expanded')).to.equal('false');
    toggle.click();
    await grid.updateComplete;
    expect(toggle.getAttribute('aria-expanded')).to.equal('true');
    const panel = tile.querySelector('[part=stats]')!;
    const row = (name: string) => [...panel.querySelectorAll('dt')].find((dt) => dt.textContent === name)?.nextElementSibling?.textContent;
    await waitFor(() => /^\d+×\d+$/.test(row('Resolution') ?? '') && /kbit\/s/.test(row('Bitrate') ?? ''), 'stats figures', 20000);
    expect(row('Codec')).to.match(/VP8|VP9|H264|AV1/i);
    expect(row('RTT')).to.match(/^\d+ ms$/);
    await expect(grid).to.be.accessible();
    toggle.click();
    await grid.updateComplete;
    expect(tile.querySelector('[part=stats]')).to.equal(null);
  });

  it('when my camera is denied, still shows the others’ video and the document keeps syncing', async () => {
    const { el, grid, room, signaling } = await setup();
    const original = navigator.mediaDevices.getUserMedia;
    navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException('denied', 'NotAllowedError'));
    try {
      const error = oneEvent(el, 'parley-error');
      await el.join().catch(() => {});
      expect((await error).detail.code).to.equal('permission-denied');
    } finally {
      navigator.mediaDevices.getUserMedia = original;
    }
    const { bob, tile } = await bobJoins(room, signaling, grid);
    expect(await decodedFrames(await waitFor(() => tile.querySelector('video'), 'Bob’s video'))).to.be.greaterThan(0);
    bob.doc.getMap('form').set('amount', '120');
    await waitFor(() => el.session!.doc.getMap('form').get('amount') === '120', 'the document to sync');
  });

  it('tells the sender how large its camera is shown, and the sender sends no more than that', async () => {
    const signaling = await relayUrl();
    const room = uniqueRoom();
    const wrapper = await fixture<HTMLDivElement>(
      html`<div style="width:200px"><parley-room room=${room} signaling=${signaling} name="Ada"><parley-video-grid></parley-video-grid></parley-room></div>`,
    );
    const el = wrapper.querySelector('parley-room')!;
    await el.join({ audio: false, video: true });
    other = new Session(room, { signaling, name: 'Bob' });
    other.start();
    await other.join({ audio: false, video: true });
    const bob = other;
    const camera = bob.localStream!.getVideoTracks()[0]!;
    const encoding = async () => {
      await bob.quality.update();
      return bob.peers.get(el.session!.id)?.senderOf(camera)?.getParameters().encodings?.[0];
    };
    const shown = await waitFor(() => el.session!.localPresence.view?.[bob.id], 'Ada to publish the size of Bob’s tile');
    expect(shown).to.equal(Math.ceil((200 * devicePixelRatio) / 160) * 160);
    const small = await waitFor(async () => {
      const e = await encoding();
      return e?.maxBitrate === 150_000 ? e : null;
    }, 'Bob to send at the small tile’s rate');
    if ((camera.getSettings().width ?? 0) >= shown * 2) expect(small.scaleResolutionDownBy).to.be.at.least(2);

    // A large tile: only the network limits what Bob sends now.
    wrapper.style.width = '1400px';
    await waitFor(() => (el.session!.localPresence.view?.[bob.id] ?? 0) >= 640, 'Ada to publish the larger size');
    await waitFor(async () => {
      const e = await encoding();
      const path = targetEncoding('auto', bob.quality.stats.get(el.session!.id));
      return e?.maxBitrate === path.maxBitrate && e.scaleResolutionDownBy === path.scaleResolutionDownBy;
    }, 'Bob to send what the network allows');
  });
});
