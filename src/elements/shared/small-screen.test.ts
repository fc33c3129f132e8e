import { expect, fixture, html } from '@open-wc/testing';
import { setViewport } from '@web/test-runner-commands';
import '../../index.js';
import type { ParleyRoom } from '../room/room.js';
import type { ParleyForm } from '../form/form.js';
import { relayUrl, uniqueRoom, waitFor } from '../../../test/helpers.js';
import { Session } from '../../core/index.js';

describe('a 390 px wide phone', () => {
  before(() => setViewport({ width: 390, height: 844 }));
  after(() => setViewport({ width: 1280, height: 800 }));

  it('keeps the call and the form usable: touch-sized controls, one column of tiles, nothing wider than the screen', async () => {
    const signaling = await relayUrl();
    const room = uniqueRoom('phone');
    const page = await fixture<HTMLDivElement>(html`<div style="padding: 8px">
      <parley-room room=${room} signaling=${signaling} name="Ada">
        <parley-video-grid></parley-video-grid>
        <parley-controls></parley-controls>
        <parley-files></parley-files>
        <parley-chat></parley-chat>
        <parley-recorder></parley-recorder>
      </parley-room>
      <parley-form room=${room}>
        <form><label>Title <input name="title" style="display: block; width: 100%; box-sizing: border-box"></label></form>
      </parley-form>
    </div>`);
    const el = page.querySelector('parley-room') as ParleyRoom;
    const bob = new Session(room, { signaling, name: 'Bob' });
    bob.start();
    try {
      await el.join();
      await bob.join({ audio: true, video: true });
      const grid = page.querySelector('parley-video-grid')!;
      await waitFor(() => grid.shadowRoot!.querySelectorAll('[part~=tile]').length === 2, 'two tiles');
      const form = page.querySelector('parley-form') as ParleyForm;
      form.querySelector('input')!.focus();
      await waitFor(() => form.shadowRoot!.querySelector('[part=tools]'), 'the field tools');

      expect(innerWidth).to.equal(390);
      const width = document.documentElement.clientWidth; // without a scroll bar, if any
      expect(document.documentElement.scrollWidth, 'the page does not scroll sideways').to.be.at.most(width);
      for (const host of page.querySelectorAll<HTMLElement>('parley-video-grid, parley-controls, parley-files, parley-chat, parley-recorder, parley-form')) {
        await (host as HTMLElement & { updateComplete: Promise<unknown> }).updateComplete;
        for (const control of host.shadowRoot!.querySelectorAll<HTMLElement>('button, select')) {
          const box = control.getBoundingClientRect();
          const what = `${host.localName} ${control.getAttribute('aria-label') || control.textContent!.trim() || control.localName}`;
          expect(box.height, `${what} is 44 px high`).to.be.at.least(44);
          expect(box.width, `${what} is 44 px wide`).to.be.at.least(44);
          expect(box.left >= 0 && box.right <= width, `${what} is on the screen`).to.equal(true);
        }
      }
      const tiles = [...grid.shadowRoot!.querySelectorAll('[part~=tile]')].map((tile) => tile.getBoundingClientRect());
      for (const tile of tiles) expect(tile.left >= 0 && tile.right <= width, 'a tile within the screen').to.equal(true);
      expect(tiles[0]!.left, 'one column').to.equal(tiles[1]!.left);
    } finally {
      bob.destroy();
    }
  });
});
