import { expect } from '@open-wc/testing';
import { Session } from '../session/session.js';
import { Chat } from '../chat/chat.js';
import { lockField, lockHolder } from '../forms/locks.js';
import type { ParleyError } from '../errors.js';
import { MAX_PEERS_PER_IDENTITY } from './mesh.js';
import { RelayListener, identityTokens, relayUrl, uniqueRoom, waitFor } from '../../../test/helpers.js';

/** Names as `who` shows them: [name, verified]. */
const shown = (who: Session) => who.participants().map((p) => [p.name, p.verified]);

describe('Verified identity (real relay with a secret, tokens carrying sub and name)', () => {
  const sessions: Session[] = [];
  const listeners: RelayListener[] = [];
  afterEach(() => {
    sessions.splice(0).forEach((s) => s.destroy());
    listeners.splice(0).forEach((l) => l.close());
  });

  function start(room: string, signaling: string, config: { token?: string; name: string }) {
    const session = new Session(room, { signaling, ...config });
    sessions.push(session);
    session.start();
    return session;
  }

  it('shows the name the relay vouches for everywhere, whatever name the page sets', async () => {
    const { url, ada, bob, eve } = await identityTokens();
    const room = uniqueRoom();
    const a = start(room, url, { token: ada, name: 'Ada' });
    const b = start(room, url, { token: bob, name: 'Bob' });
    // Eve's page claims to be Ada.
    const e = start(room, url, { token: eve, name: 'Ada Lovelace' });
    await waitFor(() => b.participants().length === 3 && b.participants().every((p) => p.verified), () => `Bob to see three verified people (sees ${JSON.stringify(shown(b))})`);
    expect(shown(b)[0]).to.deep.equal(['Bob Kahn', true]);
    expect(shown(b).map(([name]) => name)).to.have.members(['Bob Kahn', 'Ada Lovelace', 'Eve']);
    expect(shown(e)[0]).to.deep.equal(['Eve', true]);
    // Chat and locks carry the verified name too.
    const chat = new Chat(b);
    try {
      new Chat(e).send('hello, I am Ada');
      lockField(e, 'amount');
      await waitFor(() => chat.messages().length === 1 && lockHolder(b, 'amount'), 'Eve’s chat line and lock');
      expect(chat.messages()[0]).to.deep.include({ from: 'Eve', verified: true });
      expect(lockHolder(b, 'amount')!.name).to.equal('Eve');
    } finally {
      chat.destroy();
    }
    expect(a.participants().filter((p) => p.name === 'Ada Lovelace')).to.have.length(1);
  });

  /** Ada and Bob connected, the errors Bob reports, and Eve on the relay with her own valid token. */
  async function withEve() {
    const { url, ada, bob, eve } = await identityTokens();
    const room = uniqueRoom();
    const a = start(room, url, { token: ada, name: 'Ada' });
    const b = start(room, url, { token: bob, name: 'Bob' });
    await waitFor(() => a.peers.get(b.id)?.connected && b.peers.get(a.id)?.connected, 'Ada and Bob to connect');
    const errors: ParleyError[] = [];
    b.events.on('error', (error) => errors.push(error));
    const raw = new RelayListener(url, room, eve);
    listeners.push(raw);
    await raw.ready;
    return { a, b, errors, raw };
  }

  it('refuses a relay message sent under a peer id bound to someone else', async () => {
    const { a, b, errors, raw } = await withEve();
    // Eve publishes a bye in Ada's name.
    raw.publish({ type: 'bye', from: a.id, to: b.id }, { identity: { sub: '1', name: 'Ada Lovelace' } });
    await waitFor(() => errors.find((e) => e.code === 'trust'), 'the forged bye to be refused');
    expect(errors.find((e) => e.code === 'trust')!.message).to.contain(a.id);
    expect(b.peers.get(a.id)!.closed).to.equal(false);
  });

  it('holds a member who floods hellos under made-up peer ids to a few connections; the call goes on', async () => {
    const { a, b, errors, raw } = await withEve();
    // (Counted by these ids, not by their prefix: Ada's random id starts with "e0" one run in 256.)
    const madeUp = Array.from({ length: 60 }, (_, i) => `e${String(i).padStart(23, '0')}`);
    for (const from of madeUp) raw.publish({ type: 'hello', from, to: b.id });
    await waitFor(() => errors.find((e) => /already has 4 connections/.test(e.message)), 'the flood to be refused');
    expect([...b.peers.keys()].filter((id) => madeUp.includes(id))).to.have.length(MAX_PEERS_PER_IDENTITY);
    a.doc.getText('t').insert(0, 'still talking');
    await waitFor(() => b.doc.getText('t').toString() === 'still talking', 'Ada and Bob to keep syncing');
    expect(b.peers.get(a.id)!.connected).to.equal(true);
  });

  it('counts only the relay messages addressed to it against a sender’s rate: someone signalling many others at once still reaches it', async () => {
    const { a, b, errors, raw } = await withEve();
    const eve = `e${'1'.repeat(23)}`;
    // Eve signals Ada at a rate a page connecting to several people reaches: Bob sees it all.
    // 90: over a page's 60 a second, under the relay's burst of 100 per connection.
    for (let i = 0; i < 90; i++) raw.publish({ type: 'signal', from: eve, to: a.id, signal: { candidate: null } });
    raw.publish({ type: 'hello', from: eve, to: b.id });
    await waitFor(() => b.peers.has(eve), () => `Bob to take Eve’s hello (errors: ${errors.map((e) => e.message).join('; ')})`);
    expect(errors.filter((e) => /relay messages in a second/.test(e.message))).to.have.length(0);
  });

  it('in open mode (a relay without a secret), names are shown as not verified', async () => {
    const signaling = await relayUrl();
    const room = uniqueRoom();
    const a = start(room, signaling, { name: 'Ada' });
    const b = start(room, signaling, { name: 'Bob' });
    await waitFor(() => a.participants().length === 2, 'Ada to see Bob');
    expect(shown(a)).to.deep.equal([['Ada', false], ['Bob', false]]);
    void b;
  });
});
