import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import '../../index.js';
import type { ParleyRoom } from './room.js';
import { Session } from '../../core/index.js';
import { relayUrl, uniqueRoom } from '../../../test/helpers.js';

describe('<parley-room>', () => {
  let other: Session | null = null;
  afterEach(() => {
    other?.destroy();
    other = null;
  });

  it('is accessible and renders its children', async () => {
    const el = await fixture<ParleyRoom>(html`<parley-room room=${uniqueRoom()}><p>inside</p></parley-room>`);
    await expect(el).to.be.accessible();
    expect(el.shadowRoot!.querySelector('slot')).to.exist;
    expect(el.querySelector('p')!.textContent).to.equal('inside');
  });

  it('configures the shared session from its attributes', async () => {
    const signaling = await relayUrl();
    const room = uniqueRoom();
    const el = await fixture<ParleyRoom>(html`<parley-room room=${room} signaling=${signaling} name="Ada"></parley-room>`);
    expect(el.session?.room).to.equal(room);
    expect(el.session?.config.signaling).to.equal(signaling);
    expect(el.session?.localPresence.user.name).to.equal('Ada');
    el.name = 'Ada L.';
    await el.updateComplete;
    expect(el.session?.localPresence.user.name).to.equal('Ada L.');
  });

  it('fires parley-peer-joined and parley-peer-left with the peer’s name', async () => {
    const signaling = await relayUrl();
    const room = uniqueRoom();
    const el = await fixture<ParleyRoom>(html`<parley-room room=${room} signaling=${signaling} name="Ada"></parley-room>`);
    other = new Session(room, { signaling, name: 'Bob' });
    other.start();
    const joined = await oneEvent(el, 'parley-peer-joined');
    expect(joined.detail.name).to.equal('Bob');
    expect(joined.bubbles && joined.composed).to.equal(true);
    other.destroy();
    other = null;
    const left = await oneEvent(el, 'parley-peer-left');
    expect(left.detail.name).to.equal('Bob');
  });

  it('fires parley-error when the camera cannot be used, and join() rejects', async () => {
    const el = await fixture<ParleyRoom>(html`<parley-room room=${uniqueRoom()}></parley-room>`);
    const original = navigator.mediaDevices.getUserMedia;
    navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException('denied', 'NotAllowedError'));
    try {
      const event = oneEvent(el, 'parley-error');
      let rejected = false;
      await el.join().catch(() => (rejected = true));
      const { detail } = await event;
      expect(rejected).to.equal(true);
      expect(detail.code).to.equal('permission-denied');
      expect(detail.message).to.match(/denied/);
    } finally {
      navigator.mediaDevices.getUserMedia = original;
    }
  });
});
