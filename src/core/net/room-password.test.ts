import { expect } from '@open-wc/testing';
import { Session } from '../session/session.js';
import type { ParleyError } from '../errors.js';
import { RelayListener, relayUrl, uniqueRoom, waitFor } from '../../../test/helpers.js';

describe('Room password (real relay, real RTCPeerConnection)', () => {
  const sessions: Session[] = [];
  const listeners: RelayListener[] = [];
  afterEach(() => {
    sessions.splice(0).forEach((s) => s.destroy());
    listeners.splice(0).forEach((l) => l.close());
  });

  async function pair(password?: string) {
    const signaling = await relayUrl();
    const room = uniqueRoom();
    const listener = new RelayListener(signaling, room);
    listeners.push(listener);
    await listener.ready;
    const a = new Session(room, { signaling, name: 'Ada', password });
    const b = new Session(room, { signaling, name: 'Bob', password });
    sessions.push(a, b);
    a.start();
    b.start();
    await waitFor(() => a.peers.get(b.id)?.connected && b.peers.get(a.id)?.connected, 'the two peers to connect');
    return { a, b, listener, room, signaling };
  }

  it('without a password, a relay subscriber reads every offer and address, and a forged bye cuts a pair', async () => {
    // The attack working with the protection off: what the tests below show is refused.
    const { a, b, listener } = await pair();
    expect(listener.text).to.contain('v=0');
    expect(listener.text).to.contain(a.id);
    // This connection: once it is closed the two connect again (Bob never left), and the new
    // connection can take its place in `peers` before a poll sees the gap.
    const connection = a.peers.get(b.id)!;
    listener.publish({ type: 'bye', from: b.id, to: a.id });
    await waitFor(() => connection.closed, 'the forged bye to close Ada’s connection to Bob');
  });

  it('with a password, a relay subscriber reads no offer, no candidate and no peer id, and what it publishes is refused', async () => {
    const { a, b, listener } = await pair('correct horse battery staple');
    const frames = listener.frames.filter((f) => f.type === 'publish');
    expect(frames.length, 'the pair talked through the relay').to.be.greaterThan(2);
    for (const frame of frames) expect(Object.keys(frame.data as object)).to.deep.equal(['sealed']);
    expect(listener.text).not.to.contain('v=0');
    expect(listener.text).not.to.contain('candidate');
    expect(listener.text).not.to.contain(a.id);
    expect(listener.text).not.to.contain(b.id);

    const errors: ParleyError[] = [];
    a.events.on('error', (e) => errors.push(e));
    const connection = a.peers.get(b.id)!;
    // Forged in clear (it knows the ids from elsewhere), and every sealed frame it saw, played back.
    listener.publish({ type: 'bye', from: b.id, to: a.id });
    listener.publish({ type: 'hello', from: 'f0f0f0f0f0f0f0f0f0f0f0f0' });
    for (const frame of frames) listener.publish(frame.data);
    await waitFor(() => errors.some((e) => e.code === 'room-password') && errors.some((e) => /replayed/.test(e.message)), 'both refusals reported');
    expect(a.peers.get(b.id)).to.equal(connection);
    expect(connection.closed).to.equal(false);
    expect(a.peers.has('f0f0f0f0f0f0f0f0f0f0f0f0')).to.equal(false);
    // The pair still works.
    a.doc.getText('t').insert(0, 'still here');
    await waitFor(() => b.doc.getText('t').toString() === 'still here', 'the document to sync after the attack');
  });

  it('someone with another password sees no one, is seen by no one, and is told why', async () => {
    const { a, b, room, signaling } = await pair('the right one');
    const eve = new Session(room, { signaling, name: 'Eve', password: 'a wrong one' });
    sessions.push(eve);
    const told = new Promise<ParleyError>((resolve) => eve.events.on('error', (e) => e.code === 'room-password' && resolve(e)));
    eve.start();
    const error = await told;
    expect(error.message).to.match(/another room password/);
    eve.doc.getText('t').insert(0, 'from eve');
    a.doc.getText('t').insert(0, 'from ada');
    await waitFor(() => b.doc.getText('t').toString() === 'from ada', 'Ada’s edit to reach Bob');
    expect(eve.peers.size).to.equal(0);
    expect(a.peers.has(eve.id) || b.peers.has(eve.id)).to.equal(false);
    expect(a.participants().map((p) => p.name)).to.deep.equal(['Ada', 'Bob']);
    expect(eve.doc.getText('t').toString()).to.equal('from eve');
  });

  it('someone without the password is told the room has one', async () => {
    const { room, signaling } = await pair('the right one');
    const nobody = new Session(room, { signaling, name: 'No password' });
    sessions.push(nobody);
    const told = new Promise<ParleyError>((resolve) => nobody.events.on('error', (e) => e.code === 'room-password' && resolve(e)));
    nobody.start();
    expect((await told).message).to.match(/has a password/);
    expect(nobody.peers.size).to.equal(0);
  });
});
