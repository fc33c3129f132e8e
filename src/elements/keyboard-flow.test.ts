// The whole call-and-form flow by keyboard alone, as a person who uses no mouse goes
// through it: real key presses (Tab, Shift+Tab, Enter, Space) on a page with a room, its
// grid and controls, and a form; another person (Bob) in the room sees each step. After
// each step: what changed, where the focus is (never dropped to <body>), and an axe check
// of the whole page.
import { expect, fixture, html } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import '../index.js';
import type { ParleyRoom } from './room/room.js';
import type { ParleyControls } from './controls/controls.js';
import type { ParleyVideoGrid } from './video-grid/video-grid.js';
import type { ParleyForm } from './form/form.js';
import { FormBinding, Session, lockHolder, raisedHands } from '../core/index.js';
import { framesArrive, relayUrl, uniqueRoom, waitFor } from '../../test/helpers.js';

/** The focused element, inside shadow roots. */
function focused(): Element | null {
  let element = document.activeElement;
  while (element?.shadowRoot?.activeElement) element = element.shadowRoot.activeElement;
  return element;
}

/** A focused element as a person would name it, for failure messages. */
function describeElement(element: Element | null): string {
  if (!element) return 'nothing';
  if (element === document.body) return '<body>';
  const host = (element.getRootNode() as ShadowRoot).host?.localName;
  const name = element.getAttribute('aria-label') ?? element.getAttribute('name') ?? element.textContent!.trim().replace(/\s+/g, ' ');
  return `${host ? `${host} > ` : ''}${element.localName}${name ? ` "${name}"` : ''}`;
}

/** Presses Tab (Shift+Tab with `back`) until `wanted` has the focus; fails naming every stop. */
async function tabTo(wanted: () => Element | null | undefined, what: string, back = false, max = 20): Promise<void> {
  const stops: string[] = [];
  for (let i = 0; i < max; i++) {
    if (back) await sendKeys({ down: 'Shift' });
    await sendKeys({ press: 'Tab' });
    if (back) await sendKeys({ up: 'Shift' });
    const now = focused();
    stops.push(describeElement(now));
    if (now && now === wanted()) return;
  }
  throw new Error(`${back ? 'Shift+Tab' : 'Tab'} never reached ${what}; it went: ${stops.join(' → ')}`);
}

describe('The whole flow by keyboard alone (Tab, Enter, Space), accessible in every state', () => {
  const cleanup: Array<() => void> = [];
  afterEach(() => cleanup.splice(0).reverse().forEach((f) => f()));

  /** Bob: in the call with camera and microphone, and the same form bound on his side. */
  function bobJoins(room: string, signaling: string) {
    const session = new Session(room, { signaling, name: 'Bob' });
    const host = document.createElement('div');
    host.innerHTML = `<form><input name="title" value="Invoice 42"><textarea name="notes">Line one</textarea></form>`;
    document.body.append(host);
    const binding = new FormBinding(session, host.firstElementChild!);
    session.start();
    cleanup.push(() => {
      binding.destroy();
      session.destroy();
      host.remove();
    });
    return { session, title: host.querySelector('input')!, joined: session.join({ audio: true, video: true }) };
  }

  it('Tab to Join call, preview, Join now, mute, share the screen, raise a hand, lock a field, leave, and cancel a preview', async function () {
    this.timeout(90000); // one long flow: each step waits for what it expects
    const room = uniqueRoom('keys');
    const signaling = await relayUrl();
    const page = await fixture<HTMLDivElement>(html`<div>
      <parley-room room=${room} signaling=${signaling} name="Ada"
        ><parley-video-grid></parley-video-grid><parley-controls></parley-controls
      ></parley-room>
      <parley-form room=${room}>
        <form>
          <label>Title <input name="title" value="Invoice 42" /></label>
          <label>Notes <textarea name="notes">Line one</textarea></label>
        </form>
      </parley-form>
      <a href="#list">Back to the list</a>
    </div>`);
    const el = page.querySelector('parley-room') as ParleyRoom;
    const grid = page.querySelector('parley-video-grid') as ParleyVideoGrid;
    const controls = page.querySelector('parley-controls') as ParleyControls;
    const form = page.querySelector('parley-form') as ParleyForm;
    const title = form.querySelector<HTMLInputElement>('[name=title]')!;
    const notes = form.querySelector<HTMLTextAreaElement>('[name=notes]')!;
    const after = page.querySelector('a')!;
    const button = (part: string) => controls.shadowRoot!.querySelector<HTMLButtonElement>(`button[part~=${part}]`);
    const lockButton = () => form.shadowRoot!.querySelector<HTMLButtonElement>('[part=tools] button[part~=lock]');
    const assignSelect = () => form.shadowRoot!.querySelector<HTMLSelectElement>('[part=tools] select');
    const myTile = () => grid.shadowRoot!.querySelector<HTMLElement>(`[part~=tile][data-peer="${ada.id}"]:not([part~=screen])`);
    /** The focus is on `wanted` (waiting for a re-render that moves it), never on <body>. */
    const focusOn = (wanted: () => Element | null, what: string) =>
      waitFor(() => focused() === wanted() && wanted(), () => `the focus on ${what} (it is on ${describeElement(focused())})`);
    const accessible = async () => {
      await Promise.all([controls.updateComplete, grid.updateComplete, form.updateComplete]);
      await expect(page).to.be.accessible();
    };

    const ada = await waitFor(() => el.session, 'Ada’s session');
    const bob = bobJoins(room, signaling);
    await bob.joined;
    const atBob = () => bob.session.participant(ada.id);
    await waitFor(() => grid.shadowRoot!.querySelector(`[part~=tile][data-peer="${bob.session.id}"]`), 'Bob’s tile at Ada’s');
    await waitFor(() => button('join') && !button('join')!.disabled, 'the Join call button, enabled');
    await accessible();

    // Tab from the top of the page to "Join call", and Enter: the preview, focus on "Join now".
    (document.activeElement as HTMLElement | null)?.blur();
    await tabTo(() => button('join'), 'Join call');
    await sendKeys({ press: 'Enter' });
    await focusOn(() => button('join-now'), 'Join now');
    const preview = await waitFor(() => controls.shadowRoot!.querySelector<HTMLVideoElement>('video[part=preview-video]'), 'the preview video');
    await waitFor(() => ada.previewStream, 'my camera and microphone in the preview');
    await framesArrive(preview, 5); // my own camera, playing
    expect(ada.inCall, 'not in the call before Join now').to.equal(false);
    expect(atBob()?.media ?? null, 'nothing reaches Bob before Join now').to.equal(null);
    await accessible();

    // Enter on "Join now": in the call; the focus moves to the first call control.
    await sendKeys({ press: 'Enter' });
    await waitFor(() => atBob()?.media?.audio && atBob()!.media!.video, 'me in the call with camera and microphone, at Bob’s');
    await focusOn(() => button('mic'), 'Mute');
    expect(controls.shadowRoot!.querySelector('[part=preview]'), 'the preview closed').to.equal(null);
    await waitFor(() => myTile(), 'my tile in the grid');
    await accessible();

    // Enter on "Mute": my microphone track off, the button pressed, Bob told.
    await sendKeys({ press: 'Enter' });
    await waitFor(() => button('mic')!.getAttribute('aria-pressed') === 'true', 'Mute pressed');
    expect(ada.localStream!.getAudioTracks()[0]!.enabled, 'my microphone track').to.equal(false);
    await waitFor(() => atBob()?.media?.audio === false, 'me muted, at Bob’s');
    await focusOn(() => button('mic'), 'Mute, still');

    // Tab to "Share screen", Enter: my screen goes to Bob. Headless Firefox has no screen to
    // capture (it reports no-device, shown in the alert): a painted canvas stands in for the
    // capture there, and the same key press shares it.
    await tabTo(() => button('screen'), 'Share screen');
    const getDisplayMedia = navigator.mediaDevices.getDisplayMedia;
    let painted: MediaStream | null = null;
    try {
      await sendKeys({ press: 'Enter' });
      const alert = () => controls.shadowRoot!.querySelector('[part=error]')!.textContent!.trim();
      await waitFor(() => ada.screenStream || alert(), 'my screen shared, or an error');
      if (!ada.screenStream) {
        expect(navigator.userAgent, `only Firefox has no screen here (error: ${alert()})`).to.contain('Firefox');
        const canvas = Object.assign(document.createElement('canvas'), { width: 320, height: 180 });
        canvas.getContext('2d')!.fillRect(0, 0, 320, 180);
        painted = canvas.captureStream(5);
        navigator.mediaDevices.getDisplayMedia = async () => painted!;
        await focusOn(() => button('screen'), 'Share screen, after the error');
        await sendKeys({ press: 'Enter' });
      }
      await waitFor(() => atBob()?.media?.screen, 'my screen at Bob’s');
      await waitFor(() => button('screen')!.getAttribute('aria-pressed') === 'true', 'Share screen pressed');
      await waitFor(() => grid.shadowRoot!.querySelector(`[part~=tile][part~=screen][data-peer="${ada.id}"]`), 'my screen in the grid');
      await focusOn(() => button('screen'), 'Share screen, still');
      await accessible();
    } finally {
      navigator.mediaDevices.getDisplayMedia = getDisplayMedia;
    }

    // Tab to "Raise hand", Space: Bob sees my hand; my tile shows it, named.
    await tabTo(() => button('hand'), 'Raise hand');
    await sendKeys({ press: ' ' }); // Space
    await waitFor(() => raisedHands(bob.session).has(ada.id), 'my hand at Bob’s');
    await waitFor(() => button('hand')!.getAttribute('aria-pressed') === 'true', 'Raise hand pressed');
    const hand = await waitFor(() => myTile()?.querySelector('[part~=hand] [role=img]'), 'the hand on my tile');
    expect(hand.getAttribute('aria-label')).to.equal('Ada raised a hand');
    await focusOn(() => button('hand'), 'Raise hand, still');
    await accessible();

    // Tab on out of the call controls into the form's Title field, Tab to its Lock tool,
    // Enter: Bob's Title turns read-only, the lock his page knows is mine.
    await tabTo(() => title, 'the Title field');
    await tabTo(() => lockButton(), 'the Lock tool of the Title field');
    expect(lockButton()!.getAttribute('aria-pressed')).to.equal('false');
    await sendKeys({ press: 'Enter' });
    await waitFor(() => bob.title.readOnly && bob.title.getAttribute('aria-readonly') === 'true', 'Title read-only at Bob’s');
    expect(lockHolder(bob.session, 'title')?.peer, 'the lock holder at Bob’s').to.equal(ada.id);
    await waitFor(() => lockButton()?.getAttribute('aria-pressed') === 'true', 'Lock pressed');
    expect(lockButton()!.textContent!.trim()).to.equal('Unlock');
    await focusOn(() => lockButton(), 'the lock tool, now Unlock');
    await accessible();

    // Tab on through the tools, the next (and last) field and its tools, out of the form to
    // the page's link after it: no stop twice, no trap.
    const stops: string[] = [];
    for (const [wanted, what] of [
      [assignSelect, 'the Assign select of Title'],
      [() => notes, 'the Notes field'],
      [lockButton, 'the Lock tool of Notes'],
      [assignSelect, 'the Assign select of Notes'],
      [() => after, 'the link after the form'],
    ] as const) {
      await sendKeys({ press: 'Tab' });
      stops.push(describeElement(focused()));
      expect(focused() === wanted(), `Tab to ${what}; it went: ${stops.join(' → ')}`).to.equal(true);
    }

    // Shift+Tab back to "Leave call", Enter: out of the call (hand down, screen stopped) at
    // Bob's; the focus on "Join call", ready to come back.
    await tabTo(() => button('leave'), 'Leave call', true);
    await sendKeys({ press: 'Enter' });
    await waitFor(() => atBob() && atBob()!.media === null, 'me out of the call, at Bob’s');
    await waitFor(() => !raisedHands(bob.session).has(ada.id), 'my hand down at Bob’s');
    expect(ada.inCall).to.equal(false);
    expect(ada.screenStream, 'the screen share stopped').to.equal(null);
    await focusOn(() => button('join'), 'Join call');
    await accessible();
    painted?.getTracks().forEach((t) => t.stop());

    // Enter on "Join call" again, Tab to "Cancel", Enter: the preview closes, the camera
    // goes off, the focus back on "Join call".
    await sendKeys({ press: 'Enter' });
    await focusOn(() => button('join-now'), 'Join now, again');
    const again = await waitFor(() => ada.previewStream, 'the preview, again');
    await tabTo(() => button('cancel'), 'Cancel');
    await sendKeys({ press: 'Enter' });
    await focusOn(() => button('join'), 'Join call, after Cancel');
    expect(again.getTracks().every((t) => t.readyState === 'ended'), 'the preview’s camera and microphone off').to.equal(true);
    expect(ada.inCall).to.equal(false);
  });
});
