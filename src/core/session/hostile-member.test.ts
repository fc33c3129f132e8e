import { expect } from '@open-wc/testing';
import * as awarenessProtocol from 'y-protocols/awareness';
import { Session } from './session.js';
import type { PresenceState } from './presence.js';
import { Chat } from '../chat/chat.js';
import { lockField, lockHolder, assignmentOf } from '../forms/locks.js';
import { recordingNames } from '../recording/recorder.js';
import { MAX_KEYS_PER_MAP } from '../sync/sync.js';
import { awarenessMessage, awarenessUpdate, roomWithMallory, waitFor } from '../../../test/helpers.js';

/**
 * Ada and Bob, honest, and Mallory, a member of the room (she has its password and a token)
 * who drives Parley's public core to speak for others over her own connections.
 */
describe('A hostile member (three sessions, real relay, real RTCPeerConnection)', () => {
  const sessions: Session[] = [];
  afterEach(() => {
    sessions.splice(0).forEach((s) => s.destroy());
  });

  async function room() {
    const { ada, bob, mallory, toBob, errors } = await roomWithMallory(sessions);
    const adaAsBobSeesHer = () => bob.awareness.getStates().get(ada.doc.clientID) as PresenceState | undefined;
    return { ada, bob, mallory, toBob, errors, adaAsBobSeesHer };
  }

  it('without the check, presence sent for someone else puts a REC badge on them (the attack)', async () => {
    const { ada, bob, adaAsBobSeesHer } = await room();
    const forged = { ...adaAsBobSeesHer()!, recording: true };
    expect(recordingNames(bob)).to.deep.equal([]);
    // What an unchecked awareness channel does with Mallory's bytes: y-protocols applies them.
    awarenessProtocol.applyAwarenessUpdate(bob.awareness, awarenessUpdate(ada.doc.clientID, 1000, forged), 'unchecked');
    expect(recordingNames(bob)).to.deep.equal(['Ada']);
  });

  it('cannot put a REC badge on someone, make them vanish, or take their peer id in presence', async () => {
    const { ada, bob, mallory, toBob, errors, adaAsBobSeesHer } = await room();
    const forged = { ...adaAsBobSeesHer()!, recording: true };
    toBob.sendSync(awarenessMessage(ada.doc.clientID, 1000, forged));
    toBob.sendSync(awarenessMessage(ada.doc.clientID, 1001, null));
    toBob.sendSync(awarenessMessage(bob.doc.clientID, 1000, null));
    toBob.sendSync(awarenessMessage(mallory.doc.clientID, 1000, { ...mallory.localPresence, peer: ada.id, user: { name: 'Ada', color: '#000' } }));
    await waitFor(() => errors.filter((e) => e.code === 'trust').length >= 3, () => `three refusals reported (got: ${errors.map((e) => e.message).join(' | ')})`);
    expect(errors.map((e) => e.message).join('\n')).to.match(/presence for another client/).and.match(/presence for us/).and.match(/presence naming another peer/);
    expect(recordingNames(bob)).to.deep.equal([]);
    expect(adaAsBobSeesHer()?.peer).to.equal(ada.id);
    expect(bob.localPresence.peer).to.equal(bob.id);
    expect(bob.participants().map((p) => p.name)).to.have.members(['Bob', 'Ada', 'Mallory']);
    // Mallory's own presence still counts.
    mallory.setPresence({ field: 'amount' });
    await waitFor(() => (bob.awareness.getStates().get(mallory.doc.clientID) as PresenceState | undefined)?.field === 'amount', 'Mallory’s own presence');
  });

  it('cannot grow a shared map past its keys budget; what came before stays and the form goes on', async () => {
    const { ada, bob, mallory, errors } = await room();
    const junk = mallory.doc.getMap('locks');
    mallory.doc.transact(() => {
      for (let i = 0; i < 100; i++) junk.set(`k${i}`, { peer: mallory.id, name: 'Mallory' });
    });
    await waitFor(() => bob.doc.getMap('locks').size === 100, 'a hundred keys to arrive');
    mallory.doc.transact(() => {
      for (let i = 100; i <= MAX_KEYS_PER_MAP; i++) junk.set(`k${i}`, { peer: mallory.id, name: 'Mallory' });
    });
    await waitFor(() => errors.find((e) => /keys budget of "locks"/.test(e.message)), 'the update to be refused');
    expect(bob.doc.getMap('locks').size).to.equal(100);
    ada.doc.getText('t').insert(0, 'on we go');
    await waitFor(() => bob.doc.getText('t').toString() === 'on we go', 'Ada’s edits to reach Bob');
  });

  it('cannot lock a field, assign one or write a chat entry in someone else’s name; a chat entry from the year 318,857 is skipped', async () => {
    const { ada, bob, mallory } = await room();
    const chat = new Chat(bob);
    try {
      mallory.doc.getMap('locks').set('amount', { peer: ada.id, name: 'Ada' });
      mallory.doc.getMap('assignments').set('notes', { peer: bob.id, name: 'Bob', by: 'Ada', byPeer: ada.id });
      mallory.doc.getArray('chat').push([
        { id: 'f1', peer: ada.id, from: 'Ada', color: '#123456', text: 'forged in Ada’s name', time: Date.now() },
        { id: 'f2', peer: mallory.id, from: 'Mallory', color: '#123456', text: 'from the far future', time: 1e16 },
        { id: 'f3', peer: mallory.id, from: 'Mallory', color: '#123456', text: 'an honest line', time: Date.now() },
      ]);
      lockField(ada, 'city');
      await waitFor(() => chat.messages().length === 1 && lockHolder(bob, 'city'), 'the entries to reach Bob');
      // The forged entries are in Bob's document, and count for nothing.
      expect(bob.doc.getMap('locks').get('amount')).to.deep.include({ peer: ada.id });
      expect(bob.doc.getArray('chat').length).to.equal(3);
      expect(lockHolder(bob, 'amount')).to.equal(null);
      expect(assignmentOf(bob, 'notes')).to.equal(null);
      expect(chat.messages().map((m) => [m.from, m.text])).to.deep.equal([['Mallory', 'an honest line']]);
      // Ada's own lock counts, under her name.
      expect(lockHolder(bob, 'city')).to.deep.include({ peer: ada.id, name: 'Ada' });
    } finally {
      chat.destroy();
    }
  });
});
