import { expect, fixture, html } from '@open-wc/testing';
import '../../index.js';
import type { ParleyPeople } from './people.js';
import { Session, raiseHand } from '../../core/index.js';
import { identityTokens, relayUrl, uniqueRoom, waitFor } from '../../../test/helpers.js';

/** What each listed person reads as (text, with the hand's text alternative). */
const rows = (el: ParleyPeople) =>
  [...el.shadowRoot!.querySelectorAll('[part=person]')].map((row) =>
    [row.textContent, ...[...row.querySelectorAll('svg[aria-label]')].map((svg) => svg.getAttribute('aria-label'))].join(' ').replace(/\s+/g, ' ').trim(),
  );

describe('<parley-people>', () => {
  const others: Session[] = [];
  afterEach(() => others.splice(0).forEach((s) => s.destroy()));

  it('lists who is here with verified names, who is in the call and a raised hand, as it changes', async () => {
    const { url, ada, bob } = await identityTokens();
    const room = uniqueRoom();
    const wrapper = await fixture<HTMLDivElement>(
      html`<div><parley-room room=${room} signaling=${url} token=${ada}></parley-room><parley-people room=${room}></parley-people></div>`,
    );
    const el = wrapper.querySelector('parley-people')!;
    // Bob's page says "Typed by hand"; his token says Bob Kahn.
    const other = new Session(room, { signaling: url, token: bob, name: 'Typed by hand' });
    others.push(other);
    other.start();
    await waitFor(() => rows(el).join('|') === 'Ada Lovelace (you)|Bob Kahn', () => `Ada and Bob listed (${rows(el).join(' | ')})`);
    await expect(el).to.be.accessible();

    await other.join({ audio: true, video: false });
    await waitFor(() => rows(el)[1] === 'Bob Kahn in the call', () => `Bob in the call (${rows(el).join(' | ')})`);
    raiseHand(other, true);
    await waitFor(() => rows(el)[1] === 'Bob Kahn in the call Bob Kahn raised a hand', () => `Bob's hand (${rows(el).join(' | ')})`);
    await expect(el).to.be.accessible();

    raiseHand(other, false);
    other.leave();
    await waitFor(() => rows(el)[1] === 'Bob Kahn', () => `Bob out of the call, hand down (${rows(el).join(' | ')})`);
    other.destroy();
    await waitFor(() => rows(el).join('|') === 'Ada Lovelace (you)', () => `Bob gone (${rows(el).join(' | ')})`);
  });

  it('marks a name no relay vouched for, and shows it as text, never markup', async () => {
    const signaling = await relayUrl();
    const room = uniqueRoom();
    const wrapper = await fixture<HTMLDivElement>(
      html`<div><parley-room room=${room} signaling=${signaling} name="Ada"></parley-room><parley-people room=${room}></parley-people></div>`,
    );
    const el = wrapper.querySelector('parley-people')!;
    const other = new Session(room, { signaling, name: '<img src=x onerror=alert(1)>Mallory' });
    others.push(other);
    other.start();
    await waitFor(() => rows(el).some((row) => row.includes('Mallory')), () => `Mallory listed (${rows(el).join(' | ')})`);
    const row = rows(el).find((r) => r.includes('Mallory'))!;
    expect(row).to.equal('<img src=x onerror=alert(1)>Mallory (name not verified)');
    expect(el.shadowRoot!.querySelector('img')).to.equal(null);
    await expect(el).to.be.accessible();
  });
});
