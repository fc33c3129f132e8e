// The sync messages as pure functions: each kind survives encode → decode unchanged, the
// bytes are y-protocols' own (a stock encoder's output decodes), and malformed input is
// refused with a SyncMessageError that says what is wrong; DocSync reports it and drops it.
import { expect } from '@open-wc/testing';
import * as Y from 'yjs';
import * as encoding from 'lib0/encoding';
import * as syncProtocol from 'y-protocols/sync';
import { Awareness, encodeAwarenessUpdate } from 'y-protocols/awareness';
import { SyncMessageError, decodeMessage, encodeMessage, type SyncMessage } from './messages.js';
import { messageAwareness, messageQueryAwareness, messageStateVector, messageSync, syncStep1, syncStep2, syncUpdate } from './messages.js';
import { DocSync } from './sync.js';

describe('sync messages (pure encode/decode)', () => {
  const update = (() => {
    const doc = new Y.Doc();
    doc.getText('notes').insert(0, 'hello');
    return Y.encodeStateAsUpdate(doc);
  })();

  it('round-trips every kind of message', () => {
    const messages: SyncMessage[] = [
      { type: messageSync, step: syncStep1, payload: Y.encodeStateVector(new Map([[7, 3]])) },
      { type: messageSync, step: syncStep2, payload: update },
      { type: messageSync, step: syncUpdate, payload: update },
      { type: messageStateVector, clocks: new Map([[1, 10], [2, 4]]) },
      { type: messageStateVector, clocks: new Map() },
      { type: messageAwareness, entries: [{ client: 42, clock: 3, json: '{"peer":"abc","user":{"name":"Ada"}}' }, { client: 43, clock: 1, json: 'null' }] },
      { type: messageQueryAwareness },
    ];
    for (const message of messages) expect(decodeMessage(encodeMessage(message))).to.deep.equal(message);
  });

  it('reads what y-protocols writes', () => {
    const doc = new Y.Doc();
    doc.getText('notes').insert(0, 'hi');
    const step1 = encoding.createEncoder();
    encoding.writeVarUint(step1, messageSync);
    syncProtocol.writeSyncStep1(step1, doc);
    expect(decodeMessage(encoding.toUint8Array(step1))).to.deep.equal({ type: messageSync, step: syncStep1, payload: Y.encodeStateVector(doc) });

    const awareness = new Awareness(doc);
    awareness.setLocalState({ peer: 'p1' });
    const bytes = encoding.createEncoder();
    encoding.writeVarUint(bytes, 1);
    encoding.writeVarUint8Array(bytes, encodeAwarenessUpdate(awareness, [doc.clientID]));
    const decoded = decodeMessage(encoding.toUint8Array(bytes));
    expect(decoded).to.deep.include({ type: messageAwareness });
    expect(decoded.type === messageAwareness && decoded.entries.map((e) => [e.client, JSON.parse(e.json)])).to.deep.equal([[doc.clientID, { peer: 'p1' }]]);
    awareness.destroy();
  });

  it('refuses malformed input with a clear error', () => {
    const good = encodeMessage({ type: messageSync, step: syncUpdate, payload: update });
    const cases: Array<[Uint8Array, RegExp]> = [
      [new Uint8Array(), /empty/],
      [Uint8Array.of(9), /unknown type 9/],
      [Uint8Array.of(0, 7, 0), /unknown sync step 7/],
      [good.slice(0, good.length - 3), /cut short/],
      [Uint8Array.of(...good, 0), /1 bytes after its end/],
      [Uint8Array.of(1, 3, 1, 5), /cut short/],
      [Uint8Array.of(3, 0), /after its end/],
    ];
    for (const [bytes, message] of cases) {
      expect(() => decodeMessage(bytes), String(bytes)).to.throw(SyncMessageError, message);
    }
  });

  it('DocSync reports a malformed message and drops it; the next good one applies', () => {
    const doc = new Y.Doc();
    const awareness = new Awareness(doc);
    const errors: unknown[] = [];
    const sync = new DocSync(doc, awareness, { onError: (_peer, error) => errors.push(error) });
    sync.addPeer('p', () => {});
    const good = encodeMessage({ type: messageSync, step: syncUpdate, payload: update });
    sync.receive('p', good.slice(0, good.length - 2));
    expect(errors).to.have.length(1);
    expect(errors[0]).to.be.instanceOf(SyncMessageError);
    expect(doc.getText('notes').toString()).to.equal('');
    sync.receive('p', good);
    expect(doc.getText('notes').toString()).to.equal('hello');
    expect(errors).to.have.length(1);
    sync.destroy();
    awareness.destroy();
  });
});
