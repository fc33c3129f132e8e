import { expect, fixture, html } from '@open-wc/testing';
import '../../index.js';
import { addMessages } from '../../parley.js';
import type { ParleyRoom } from '../room/room.js';
import type { ParleyControls } from '../controls/controls.js';
import type { ParleyVideoGrid } from '../video-grid/video-grid.js';
import { relayUrl, uniqueRoom, waitFor } from '../../../test/helpers.js';
import { ParleyError } from '../../core/index.js';

describe('message catalogue', () => {
  async function controlsIn(lang: string) {
    const wrapper = await fixture<HTMLDivElement>(
      html`<div lang=${lang}>
        <parley-room room=${uniqueRoom()} signaling=${await relayUrl()}><parley-controls></parley-controls></parley-room>
      </div>`,
    );
    const room = wrapper.querySelector('parley-room') as ParleyRoom;
    const controls = wrapper.querySelector('parley-controls') as ParleyControls;
    await controls.updateComplete;
    const root = controls.shadowRoot!;
    const buttons = () => [...root.querySelectorAll('button')].map((b) => b.textContent!.trim());
    return { wrapper, room, controls, root, buttons };
  }

  it('names every control in German under lang="de", and stays accessible', async () => {
    const { room, controls, root, buttons } = await controlsIn('de');
    await waitFor(() => buttons().includes('Anruf beitreten'), () => `German buttons, got ${buttons()}`);
    expect(buttons()).to.deep.equal(['Anruf beitreten', 'Geräte']);
    expect(root.querySelector('[part=base]')!.getAttribute('aria-label')).to.equal('Anrufsteuerung');
    await expect(controls).to.be.accessible();

    await room.session!.join({ audio: true, video: true });
    await waitFor(() => buttons().includes('Stummschalten'), 'the in-call controls');
    expect(buttons()).to.deep.equal(['Stummschalten', 'Kamera aus', 'Bildschirm teilen', 'Anruf verlassen', 'Geräte']);
    await expect(controls).to.be.accessible();
  });

  it('shows an error of the core in the language, its parameters too', async () => {
    const { room, root } = await controlsIn('de-AT');
    const error = new ParleyError('no-device', 'No {what} was found. Connect one and try again.', { params: { what: 'camera' } });
    expect(error.message, 'English for the page code').to.equal('No camera was found. Connect one and try again.');
    room.session!.events.emit('error', error);
    const alert = await waitFor(() => root.querySelector('[role=alert]')?.textContent?.trim(), 'the message');
    await waitFor(() => root.querySelector('[role=alert]')!.textContent!.includes('Kamera'), () => `German, got ${alert}`);
    expect(root.querySelector('[role=alert]')!.textContent!.trim()).to.equal('Nicht gefunden: Kamera. Schließe ein Gerät an und versuche es erneut.');
  });

  it('follows the nearest lang and re-renders when it changes', async () => {
    const { wrapper, controls, buttons } = await controlsIn('en');
    expect(buttons()).to.deep.equal(['Join call', 'Devices']);
    wrapper.lang = 'de';
    await waitFor(() => buttons().includes('Anruf beitreten'), () => `German after the change, got ${buttons()}`);
    controls.lang = 'en'; // the element's own lang is nearer than its ancestor's
    await waitFor(() => buttons().includes('Join call'), () => `English again, got ${buttons()}`);
    controls.removeAttribute('lang');
    await waitFor(() => buttons().includes('Anruf beitreten'), () => `the ancestor's German, got ${buttons()}`);
  });

  it('takes a language or an override from addMessages; a missing string falls back to English', async () => {
    await addMessages('fr', { 'Join call': 'Rejoindre', 'Call controls': "Commandes d'appel" });
    const { root, buttons, wrapper } = await controlsIn('fr');
    expect(buttons()).to.deep.equal(['Rejoindre', 'Devices']);
    expect(root.querySelector('[part=base]')!.getAttribute('aria-label')).to.equal("Commandes d'appel");

    await addMessages('en', { Devices: 'Audio & video' });
    await waitFor(() => buttons().includes('Audio & video'), 'the English override, to the French page too');
    wrapper.lang = 'en-GB';
    await waitFor(() => buttons().join() === 'Join call,Audio & video', () => `English with the override, got ${buttons()}`);
    await addMessages('en', { Devices: 'Devices' });
  });

  it('translates the video grid under <html lang="de">', async () => {
    const html_ = document.documentElement;
    const before = html_.lang;
    html_.lang = 'de';
    try {
      const el = await fixture<ParleyRoom>(html`<parley-room room=${uniqueRoom()} signaling=${await relayUrl()}><parley-video-grid></parley-video-grid></parley-room>`);
      const grid = el.querySelector('parley-video-grid') as ParleyVideoGrid;
      await waitFor(() => grid.shadowRoot!.querySelector('[part=empty]')?.textContent === 'Noch niemand ist im Anruf.', 'the German empty message');
      await el.session!.join({ audio: true, video: true });
      const selfView = await waitFor(() => [...grid.shadowRoot!.querySelectorAll('button')].find((b) => b.textContent!.trim() === 'Eigenes Bild ausblenden'), 'the self-view button in German');
      expect(selfView.closest('figure')!.getAttribute('aria-label')).to.match(/\(du\)$/);
      const pin = grid.shadowRoot!.querySelector('[part~=pin]')!;
      expect(pin.getAttribute('aria-label')).to.match(/ anheften$/);
      await expect(grid).to.be.accessible();
    } finally {
      html_.lang = before;
    }
  });
});
