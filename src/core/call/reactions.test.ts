import { expect } from '@open-wc/testing';
import { Session } from '../session/session.js';
import type { PresenceState } from '../session/presence.js';
import type { ParleyError } from '../errors.js';
import { Reactions, REACTION_MIN_INTERVAL_MS, raiseHand, raisedHands, sendReaction, type ReactionName } from './reactions.js';
import { awarenessMessage, roomWithMallory, waitFor } from '../../../test/helpers.js';

/**
 * Ada and Bob, honest, and Mallory, a member of the room who speaks through her own
 * connections (real relay, real RTCPeerConnection): hands and reactions as Bob sees them.
 */
describe('Raised hands and reactions (three sessions, real relay)', () => {
  const sessions: Session[] = [];
  const watchers: Reactions[] = [];
  afterEach(() => {
    watchers.splice(0).forEach((w) => w.stop());
    sessions.splice(0).forEach((s) => s.destroy());
  });

  async function room() {
    const { ada, bob, mallory, toBob } = await roomWithMallory(sessions);
    const seen = new Reactions(bob);
    watchers.push(seen);
    const errors: ParleyError[] = [];
    seen.events.on('error', (e) => errors.push(e));
    /** Each time a reaction started showing at Bob's (a change while it shows), whose. */
    const shown: string[] = [];
    seen.events.on('change', () => seen.showing.forEach((_, id) => shown.push(id)));
    return { ada, bob, mallory, seen, errors, shown, toBob };
  }

  it('shows a raised hand to the others until it is lowered', async () => {
    const { ada, bob, mallory } = await room();
    expect([...raisedHands(bob)]).to.deep.equal([]);
    raiseHand(ada, true);
    await waitFor(() => raisedHands(bob).has(ada.id), 'Ada’s hand at Bob');
    expect([...raisedHands(mallory)]).to.deep.equal([ada.id]);
    expect(raisedHands(ada).has(ada.id), 'her own').to.equal(true);
    raiseHand(ada, false);
    await waitFor(() => !raisedHands(bob).has(ada.id), 'Ada’s hand to go down at Bob');
  });

  it('shows a reaction on the sender for a few seconds, and one sent before anyone looked never', async () => {
    const { ada, bob, seen } = await room();
    expect(sendReaction(ada, 'like')).to.equal(true);
    await waitFor(() => seen.showing.get(ada.id) === 'like', 'Ada’s reaction at Bob');
    await waitFor(() => !seen.showing.has(ada.id), 'the reaction to go', 10000);
    // The sender keeps to the pace the others accept.
    expect(sendReaction(ada, 'love')).to.equal(true);
    expect(sendReaction(ada, 'laugh'), 'a second one at once').to.equal(false);
    expect(sendReaction(ada, 'boo' as ReactionName), 'not a reaction').to.equal(false);
    await waitFor(() => seen.showing.get(ada.id) === 'love', 'the next reaction');
    const late = new Reactions(bob);
    watchers.push(late);
    expect(late.showing.size, 'what was sent before it looked').to.equal(0);
  });

  it('cannot raise a hand for someone else: presence for another client is refused', async () => {
    const { ada, bob, toBob } = await room();
    const errors: ParleyError[] = [];
    bob.events.on('error', (e) => errors.push(e));
    const adaAtBob = bob.awareness.getStates().get(ada.doc.clientID) as PresenceState;
    toBob.sendSync(awarenessMessage(ada.doc.clientID, 1000, { ...adaAtBob, hand: true }));
    toBob.sendSync(awarenessMessage(bob.doc.clientID, 1000, { ...bob.localPresence, hand: true }));
    await waitFor(() => errors.filter((e) => e.code === 'trust').length >= 2, () => `two refusals (got: ${errors.map((e) => e.message).join(' | ')})`);
    expect([...raisedHands(bob)]).to.deep.equal([]);
  });

  it('drops a reaction that is not one of the set, and a flood: reported, at most one per interval shows', async () => {
    const { ada, bob, mallory, errors, shown } = await room();
    mallory.awareness.setLocalStateField('reaction', { name: '<img src=x onerror=alert(1)>', n: 1 });
    mallory.awareness.setLocalStateField('hand', 'yes');
    await waitFor(() => errors.some((e) => /unknown reaction/.test(e.message)), 'the unknown reaction reported');
    expect(shown).to.deep.equal([]);
    expect([...raisedHands(bob)], 'only true raises a hand').to.deep.equal([]);
    // Fifty reactions at once; when they reach Bob is the network's business, so the bound
    // is one per REACTION_MIN_INTERVAL_MS over the time they took to arrive.
    const malloryAtBob = () => (bob.awareness.getStates().get(mallory.doc.clientID) as { reaction?: { n: number } } | undefined)?.reaction?.n;
    let first = 0;
    let last = 0;
    bob.awareness.on('change', () => {
      const n = malloryAtBob() ?? 0;
      if (n >= 2 && !first) first = performance.now();
      if (n === 51) last ||= performance.now();
    });
    for (let n = 2; n <= 51; n++) mallory.awareness.setLocalStateField('reaction', { name: 'love', n });
    await waitFor(() => malloryAtBob() === 51, 'the last of the flood at Bob');
    const fromMallory = shown.filter((id) => id === mallory.id).length;
    expect(fromMallory, `shown of fifty arriving over ${Math.round(last - first)} ms`).to.be.within(1, 1 + Math.ceil((last - first) / REACTION_MIN_INTERVAL_MS));
    expect(errors.filter((e) => /too many reactions/.test(e.message)), 'one report for the flood').to.have.length(1);
    // Honest people's reactions still come through.
    sendReaction(ada, 'laugh');
    await waitFor(() => shown.includes(ada.id), 'Ada’s reaction');
  });
});
