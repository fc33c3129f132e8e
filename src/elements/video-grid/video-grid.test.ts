import { expect, fixture, html } from '@open-wc/testing';
import '../../index.js';
import type { ParleyRoom } from '../room/room.js';
import type { ParleyVideoGrid } from './video-grid.js';
import { Session } from '../../core/index.js';
import { decodedFrames, relayUrl, uniqueRoom, waitFor } from '../../../test/helpers.js';

describe('<parley-video-grid>', () => {
  let other: Session | null = null;
  afterEach(() => {
    other?.destroy();
    other = null;
  });

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
});
