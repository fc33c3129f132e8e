import { expect, fixture, html } from '@open-wc/testing';
import { emulateMedia, sendKeys } from '@web/test-runner-commands';
import '../../index.js';
import type { ParleyRoom } from '../room/room.js';
import type { ParleyVideoGrid } from './video-grid.js';
import type { ParleyControls } from '../controls/controls.js';
import { Reactions, Session, raiseHand, raisedHands, sendReaction } from '../../core/index.js';
import * as encoding from 'lib0/encoding';
import { messageAwareness } from '../../core/sync/sync.js';
import { identityTokens, uniqueRoom, waitFor } from '../../../test/helpers.js';

/**
 * Ada's page (a room with the grid and the controls, her name vouched for by the relay)
 * and Bob, another person in the room (a Session: one page holds one session per room),
 * over a real relay and real peer connections.
 */
describe('Raised hands, reactions and announcements in <parley-video-grid> and <parley-controls>', () => {
  const others: Session[] = [];
  const watchers: Reactions[] = [];
  afterEach(() => {
    watchers.splice(0).forEach((w) => w.stop());
    others.splice(0).forEach((s) => s.destroy());
  });

  async function setup() {
    const tokens = await identityTokens();
    const room = uniqueRoom();
    const el = await fixture<ParleyRoom>(
      html`<parley-room room=${room} signaling=${tokens.url} token=${tokens.ada}
        ><parley-video-grid></parley-video-grid><parley-controls></parley-controls
      ></parley-room>`,
    );
    const grid = el.querySelector('parley-video-grid') as ParleyVideoGrid;
    const controls = el.querySelector('parley-controls') as ParleyControls;
    const ada = el.session!;
    await ada.join({ audio: true, video: true });
    const person = (token: string) => {
      const session = new Session(room, { signaling: tokens.url, token });
      others.push(session);
      session.start();
      return session;
    };
    const tileOf = (id: string) => grid.shadowRoot!.querySelector<HTMLElement>(`[part~=tile][data-peer="${id}"]:not([part~=screen])`);
    const button = (part: string) => controls.shadowRoot!.querySelector<HTMLButtonElement>(`button[part~=${part}]`);
    const live = () => grid.shadowRoot!.querySelector('[aria-live]')!;
    return { el, grid, controls, ada, person, tokens, tileOf, button, live };
  }

  async function withBob() {
    const page = await setup();
    const bob = page.person(page.tokens.bob);
    await bob.join({ audio: true, video: true });
    const tile = await waitFor(() => page.tileOf(bob.id), 'Bob’s tile');
    return { ...page, bob, tile };
  }

  /** Presses a key with the focus on `target` (a real key press, as a keyboard user would). */
  async function press(target: HTMLElement, key: string) {
    target.focus();
    await sendKeys({ press: key });
  }

  it('shows a raised hand on the person’s tile, named, until it is lowered; accessible', async () => {
    const { grid, bob, tile } = await withBob();
    expect(tile.querySelector('[part~=hand]')).to.equal(null);
    raiseHand(bob, true);
    const hand = await waitFor(() => tile.querySelector('[part~=hand] [role=img]'), 'the hand on Bob’s tile');
    expect(hand.getAttribute('aria-label')).to.equal('Bob Kahn raised a hand');
    await expect(grid).to.be.accessible();
    raiseHand(bob, false);
    await waitFor(() => !tile.querySelector('[part~=hand]'), 'the hand to go');
  });

  it('raises and lowers my hand from the controls by keyboard (aria-pressed); the others see it', async () => {
    const { ada, bob, button, tileOf } = await withBob();
    const hand = await waitFor(() => button('hand'), 'the Raise hand button');
    expect(hand.textContent!.trim()).to.equal('Raise hand');
    expect(hand.getAttribute('aria-pressed')).to.equal('false');
    await press(hand, 'Enter');
    await waitFor(() => hand.getAttribute('aria-pressed') === 'true', 'the button pressed');
    await waitFor(() => raisedHands(bob).has(ada.id), 'my hand at Bob’s');
    expect(tileOf(ada.id)!.querySelector('[part~=hand] [role=img]')!.getAttribute('aria-label')).to.equal('Ada Lovelace raised a hand');
    await press(hand, ' ');
    await waitFor(() => hand.getAttribute('aria-pressed') === 'false', 'the button released');
    await waitFor(() => !raisedHands(bob).has(ada.id), 'my hand down at Bob’s');
  });

  it('opens the reactions by keyboard, sends one that shows on my tile and at Bob’s, and closes with Escape; accessible', async () => {
    const { ada, bob, controls, button, tileOf } = await withBob();
    const atBob = new Reactions(bob);
    watchers.push(atBob);
    const toggle = await waitFor(() => button('reactions-toggle'), 'the Reactions button');
    expect(toggle.getAttribute('aria-expanded')).to.equal('false');
    await press(toggle, 'Enter');
    const group = await waitFor(() => controls.shadowRoot!.querySelector('[part=reactions][role=group]'), 'the reactions');
    expect(toggle.getAttribute('aria-expanded')).to.equal('true');
    expect(group.getAttribute('aria-label')).to.equal('Reactions');
    const choices = [...group.querySelectorAll('button')].map((b) => b.getAttribute('aria-label'));
    expect(choices).to.deep.equal(['Thumbs up', 'Heart', 'Laughing']);
    await expect(controls).to.be.accessible();

    await sendKeys({ press: 'Tab' }); // from the toggle to the first reaction
    expect(controls.shadowRoot!.activeElement?.getAttribute('aria-label')).to.equal('Thumbs up');
    await sendKeys({ press: 'Enter' });
    await waitFor(() => atBob.showing.get(ada.id) === 'like', 'my reaction at Bob’s');
    const mine = await waitFor(() => tileOf(ada.id)!.querySelector('[part=reaction] [role=img]'), 'my reaction on my tile');
    expect(mine.getAttribute('aria-label')).to.equal('Ada Lovelace reacted: Thumbs up');

    await sendKeys({ press: 'Escape' });
    await waitFor(() => !controls.shadowRoot!.querySelector('[part=reactions]'), 'the reactions to close');
    expect(toggle.getAttribute('aria-expanded')).to.equal('false');
    expect(controls.shadowRoot!.activeElement, 'the focus back on the toggle').to.equal(toggle);
  });

  it('floats a reaction on the sender’s tile for a few seconds, then it goes', async () => {
    const { bob, tile } = await withBob();
    sendReaction(bob, 'love');
    const reaction = await waitFor(() => tile.querySelector<HTMLElement>('[part=reaction]'), 'Bob’s reaction on his tile');
    expect(reaction.querySelector('[role=img]')!.getAttribute('aria-label')).to.equal('Bob Kahn reacted: Heart');
    expect(getComputedStyle(reaction).animationName).to.equal('parley-float');
    await waitFor(() => !tile.querySelector('[part=reaction]'), 'the reaction to go', 10000);
  });

  it('with prefers-reduced-motion, shows a reaction still (no float)', async function () {
    try {
      await emulateMedia({ reducedMotion: 'reduce' });
    } catch {
      return this.skip(); // the browser cannot emulate the OS setting from here (Firefox)
    }
    try {
      const { bob, tile } = await withBob();
      sendReaction(bob, 'laugh');
      const still = await waitFor(() => tile.querySelector<HTMLElement>('[part=reaction]'), 'Bob’s reaction');
      expect(getComputedStyle(still).animationName, 'no float').to.equal('none');
      await waitFor(() => !tile.querySelector('[part=reaction]'), 'the reaction to go', 10000);
    } finally {
      await emulateMedia({ reducedMotion: 'no-preference' });
    }
  });

  it('shows no hand for a forged presence, nor a reaction that is not one of the set', async () => {
    const { ada, bob, tile, tileOf, tokens, grid } = await withBob();
    await waitFor(() => ada.participant(bob.id)?.media, 'Bob in the call');
    const mallory = (() => {
      const session = new Session(ada.room, { signaling: tokens.url, token: tokens.eve });
      others.push(session);
      session.start();
      return session;
    })();
    await mallory.join({ audio: true, video: true });
    const hers = await waitFor(() => tileOf(mallory.id), 'Mallory’s tile');
    await waitFor(() => mallory.peers.get(ada.id)?.connected, 'Mallory connected to Ada');
    // Bob's presence with his hand up, in Mallory's words: the sync layer refuses it.
    const bobAtMallory = mallory.awareness.getStates().get(bob.doc.clientID)!;
    const errors: string[] = [];
    ada.events.on('error', (e) => errors.push(e.message));
    const gridErrors: string[] = [];
    grid.addEventListener('parley-error', (e) => gridErrors.push(`${e.detail.code}: ${e.detail.message}`));
    const update = encoding.createEncoder();
    for (const n of [1, bob.doc.clientID, 1000]) encoding.writeVarUint(update, n);
    encoding.writeVarString(update, JSON.stringify({ ...bobAtMallory, hand: true }));
    const message = encoding.createEncoder();
    encoding.writeVarUint(message, messageAwareness);
    encoding.writeVarUint8Array(message, encoding.toUint8Array(update));
    mallory.peers.get(ada.id)!.sendSync(encoding.toUint8Array(message));
    mallory.awareness.setLocalStateField('reaction', { name: 'pwned', n: 1 });
    mallory.awareness.setLocalStateField('hand', 'up');
    await waitFor(() => errors.some((m) => /presence for another client/.test(m)), () => `the forgery refused (${errors.join(' | ')})`);
    await waitFor(() => (ada.awareness.getStates().get(mallory.doc.clientID) as { hand?: unknown })?.hand === 'up', 'Mallory’s own presence at Ada');
    await grid.updateComplete;
    expect(tile.querySelector('[part~=hand]'), 'no hand on Bob’s tile').to.equal(null);
    expect(hers.querySelector('[part~=hand]'), 'only true raises a hand').to.equal(null);
    expect(hers.querySelector('[part=reaction]'), 'no unknown reaction').to.equal(null);
    await waitFor(() => gridErrors.some((m) => m === `trust: Dropped an unknown reaction from ${mallory.id}`), () => `the unknown reaction reported (${gridErrors.join(' | ')})`);
  });

  it('announces joins, leaves, raised hands and screen shares in one polite live region, by verified name', async () => {
    const { live, person, tokens, grid } = await setup();
    const region = live();
    expect(region.getAttribute('aria-live')).to.equal('polite');
    expect(grid.shadowRoot!.querySelectorAll('[aria-live]')).to.have.length(1);
    const bob = person(tokens.bob);
    await bob.join({ audio: true, video: true });
    await waitFor(() => region.textContent === 'Bob Kahn joined the call', () => `the join announced (got "${region.textContent}")`);
    raiseHand(bob, true);
    await waitFor(() => region.textContent === 'Bob Kahn raised a hand', () => `the hand announced (got "${region.textContent}")`);
    // A painted canvas stands in for the captured screen (headless browsers may have none).
    const canvas = Object.assign(document.createElement('canvas'), { width: 320, height: 180 });
    canvas.getContext('2d')!.fillRect(0, 0, 320, 180);
    const getDisplayMedia = navigator.mediaDevices.getDisplayMedia;
    navigator.mediaDevices.getDisplayMedia = async () => canvas.captureStream(5);
    try {
      await bob.startScreenShare();
    } finally {
      navigator.mediaDevices.getDisplayMedia = getDisplayMedia;
    }
    await waitFor(() => region.textContent === 'Bob Kahn started sharing their screen', () => `the share announced (got "${region.textContent}")`);
    expect(live(), 'the same region throughout').to.equal(region);
    bob.leave();
    await waitFor(() => region.textContent === 'Bob Kahn left the call', () => `the leave announced (got "${region.textContent}")`);
    await expect(grid).to.be.accessible();
  });
});
