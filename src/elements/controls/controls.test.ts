import { expect, fixture, html } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import '../../index.js';
import type { ParleyRoom } from '../room/room.js';
import type { ParleyControls } from './controls.js';
import { relayUrl, uniqueRoom, waitFor } from '../../../test/helpers.js';

describe('<parley-controls>', () => {
  async function setup() {
    const el = await fixture<ParleyRoom>(
      html`<parley-room room=${uniqueRoom()} signaling=${await relayUrl()}><parley-controls></parley-controls></parley-room>`,
    );
    const controls = el.querySelector('parley-controls') as ParleyControls;
    await controls.updateComplete;
    const button = (name: string) =>
      [...controls.shadowRoot!.querySelectorAll('button')].find((b) => b.textContent!.trim() === name);
    return { el, controls, button };
  }

  it('offers a named Join button and is accessible', async () => {
    const { controls, button } = await setup();
    expect(button('Join call')).to.exist;
    await expect(controls).to.be.accessible();
  });

  it('joins by keyboard, then toggles mic and camera with aria-pressed, and leaves', async () => {
    const { el, controls, button } = await setup();
    button('Join call')!.focus();
    await sendKeys({ press: 'Enter' });
    await waitFor(() => el.session?.inCall && button('Mute'), 'the in-call controls');
    await controls.updateComplete;
    await expect(controls).to.be.accessible();

    button('Mute')!.click();
    await controls.updateComplete;
    expect(button('Mute')!.getAttribute('aria-pressed')).to.equal('true');
    expect(el.session!.localPresence.media!.audio).to.equal(false);
    expect(el.session!.localStream!.getAudioTracks()[0].enabled).to.equal(false);

    button('Camera off')!.click();
    await controls.updateComplete;
    expect(button('Camera off')!.getAttribute('aria-pressed')).to.equal('true');
    expect(el.session!.localPresence.media!.video).to.equal(false);

    button('Leave call')!.click();
    await controls.updateComplete;
    expect(el.session!.inCall).to.equal(false);
    expect(button('Join call')).to.exist;
  });

  it('shows an actionable message when the camera is denied', async () => {
    const { controls, button } = await setup();
    const original = navigator.mediaDevices.getUserMedia;
    navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException('no', 'NotFoundError'));
    try {
      button('Join call')!.click();
      const alert = await waitFor(
        () => controls.shadowRoot!.querySelector('[role=alert]')?.textContent?.trim(),
        'the error message',
      );
      expect(alert).to.match(/No camera or microphone was found/);
      expect(button('Join call')).to.exist;
    } finally {
      navigator.mediaDevices.getUserMedia = original;
    }
  });
});
