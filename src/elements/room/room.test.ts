import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import '../../index.js';
import type { ParleyRoom } from './room.js';
import { Session } from '../../core/index.js';
import { relayUrl, uniqueRoom, waitFor } from '../../../test/helpers.js';

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

  it('takes ICE servers from the ice-servers attribute (JSON), and reports one that does not parse', async () => {
    const signaling = await relayUrl();
    const room = uniqueRoom();
    const servers = [{ urls: 'stun:127.0.0.1:3478' }];
    const el = await fixture<ParleyRoom>(
      html`<parley-room room=${room} signaling=${signaling} ice-servers=${JSON.stringify(servers)}></parley-room>`,
    );
    expect(el.iceServers).to.deep.equal(servers);
    expect(el.session!.config.iceServers).to.deep.equal(servers);
    other = new Session(room, { signaling });
    other.start();
    const peer = await waitFor(() => el.session!.peers.get(other!.id), 'a peer connection');
    expect(peer.pc.getConfiguration().iceServers!.flatMap((s) => [s.urls].flat())).to.deep.equal(['stun:127.0.0.1:3478']);

    const error = oneEvent(el, 'parley-error');
    el.setAttribute('ice-servers', '[{"urls":"http://not-ice"}]');
    const { detail } = await error;
    expect(detail.code).to.equal('config');
    expect(detail.message).to.match(/ice-servers/);
    expect(el.iceServers).to.equal(undefined);
  });

  it('relay-only without any TURN server: a clear config error, once, and the connection uses the relay policy', async () => {
    const signaling = await relayUrl(); // this relay hands out no TURN credentials
    const room = uniqueRoom();
    const errors: Array<{ code: string; message: string }> = [];
    const el = await fixture<ParleyRoom>(html`<parley-room room=${room} signaling=${signaling} name="Ada" relay-only @parley-error=${(e: CustomEvent) => errors.push(e.detail)}></parley-room>`);
    other = new Session(room, { signaling, name: 'Bob' });
    other.start();
    await waitFor(() => errors.some((e) => e.code === 'config' && /relay-only needs a TURN server/.test(e.message)), () => `the config error (got: ${errors.map((e) => e.message).join(' | ') || 'none'})`);
    const peer = await waitFor(() => el.session!.peers.get(other!.id), 'Ada’s connection to Bob');
    // (What the policy gathers, relay candidates and no address, is shown with a real coturn:
    // test/e2e/relay-turn.test.mjs. Here Firefox's gathering with no server to ask could
    // outlast the test.)
    expect(peer.pc.getConfiguration().iceTransportPolicy).to.equal('relay');
    expect(errors.filter((e) => e.code === 'config'), 'said once').to.have.length(1);
  });

  it('refuses the next person once max-participants are in the call, with a clear message', async () => {
    const signaling = await relayUrl();
    const room = uniqueRoom();
    const el = await fixture<ParleyRoom>(
      html`<parley-room room=${room} signaling=${signaling} max-participants="2"><parley-controls></parley-controls></parley-room>`,
    );
    expect(el.maxParticipants).to.equal(2);
    const bob = new Session(room, { signaling, name: 'Bob' });
    const cy = new Session(room, { signaling, name: 'Cy' });
    try {
      bob.start();
      cy.start();
      await Promise.all([bob.join({ audio: false, video: true }), cy.join({ audio: false, video: true })]);
      await waitFor(() => el.session!.participants().filter((p) => p.media).length === 2, 'Bob and Cy in the call');
      const error = oneEvent(el, 'parley-error');
      let rejected = false;
      await el.join().catch(() => (rejected = true));
      expect(rejected).to.equal(true);
      expect((await error).detail.code).to.equal('call-full');
      expect(el.session!.inCall).to.equal(false);
      const controls = el.querySelector('parley-controls')!;
      const alert = await waitFor(() => controls.shadowRoot!.querySelector('[role=alert]')?.textContent?.trim(), 'the message');
      expect(alert).to.match(/This call is full: 2 people are in it, the most it takes \(2\)/);
      // Data keeps working for the person left out.
      el.session!.doc.getMap('m').set('still', 'syncing');
      await waitFor(() => bob.doc.getMap('m').get('still') === 'syncing', 'sync for the refused person');
      // When someone leaves, there is room again.
      cy.leave();
      await waitFor(() => el.session!.participants().filter((p) => p.media).length === 1, 'Cy to leave');
      await el.join();
      expect(el.session!.inCall).to.equal(true);
    } finally {
      bob.destroy();
      cy.destroy();
    }
  });
});
