// DocSync between real Y.Docs, over an in-page transport: each connection is a pair of
// "send" functions delivering the bytes to the other side's receive() a task later, as a
// data channel would. Who is connected to whom is the test's to choose.
import { expect } from '@open-wc/testing';
import * as Y from 'yjs';
import * as decoding from 'lib0/decoding';
import { Awareness } from 'y-protocols/awareness';
import { DocSync, messageStateVector, messageSync } from './sync.js';
import { waitFor } from '../../../test/helpers.js';

interface Member {
  id: string;
  doc: Y.Doc;
  sync: DocSync;
}

/** Messages sent, by kind: 'update' (a sync update), 'step1', 'step2', 'vector', 'awareness'. */
type Sent = Record<string, number>;

function room(ids: string[], links: Array<[string, string]>) {
  const sent: Sent = {};
  /** How many clients each state-vector report named, in order. */
  const reports: number[] = [];
  const members = new Map<string, Member>();
  for (const id of ids) {
    const doc = new Y.Doc();
    members.set(id, { id, doc, sync: new DocSync(doc, new Awareness(doc)) });
  }
  const count = (bytes: Uint8Array) => {
    const decoder = decoding.createDecoder(bytes);
    const type = decoding.readVarUint(decoder);
    const kind = type === messageSync ? ['step1', 'step2', 'update'][decoding.readVarUint(decoder)]! : type === messageStateVector ? 'vector' : 'awareness';
    if (kind === 'vector') reports.push(Y.decodeStateVector(decoding.readVarUint8Array(decoder)).size);
    sent[kind] = (sent[kind] ?? 0) + 1;
  };
  for (const [a, b] of links) {
    const [x, y] = [members.get(a)!, members.get(b)!];
    const deliver = (to: Member, from: Member) => (bytes: Uint8Array) => {
      count(bytes);
      setTimeout(() => to.sync.receive(from.id, bytes));
    };
    x.sync.addPeer(y.id, deliver(y, x));
    y.sync.addPeer(x.id, deliver(x, y));
  }
  return {
    members,
    sent,
    reports,
    text: (id: string) => members.get(id)!.doc.getText('t').toString(),
    destroy: () => members.forEach((m) => m.sync.destroy()),
  };
}

describe('DocSync (real Y.Docs, in-page transport)', () => {
  it('sends a keystroke once to each other person in a full mesh of four: nobody passes on what another wrote; reports name only what grew', async () => {
    const ids = ['a', 'b', 'c', 'd'];
    const links = ids.flatMap((x, i) => ids.slice(i + 1).map((y) => [x, y] as [string, string]));
    const r = room(ids, links);
    try {
      await waitFor(() => r.sent.step2 === 12 && r.sent.vector === 12, 'every pair to exchange its state, and each to report it');
      await new Promise((resolve) => setTimeout(resolve, 300));
      // Everyone has edited once: a full report would name four writers.
      for (const id of ids) r.members.get(id)!.doc.getText(id).insert(0, id);
      await waitFor(() => ids.every((id) => ids.every((other) => r.members.get(id)!.doc.getText(other).length === 1)), 'every first edit everywhere');
      await new Promise((resolve) => setTimeout(resolve, 300));
      for (const key of Object.keys(r.sent)) delete r.sent[key];
      r.reports.length = 0;
      r.members.get('a')!.doc.getText('t').insert(0, 'x');
      await waitFor(() => ids.every((id) => r.text(id) === 'x'), 'the keystroke everywhere');
      // Everyone's report that it holds the keystroke (batched), then quiet.
      await waitFor(() => r.sent.vector === 9, () => `three reports from each of b, c, d; sent ${JSON.stringify(r.sent)}`);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(r.sent).to.deep.equal({ update: 3, vector: 9 });
      expect(r.reports, 'writers named by each report').to.deep.equal(Array(9).fill(1));
    } finally {
      r.destroy();
    }
  });

  it('converges when one pair cannot connect: a and c edit at once and reach each other only through b', async () => {
    const r = room(['a', 'b', 'c'], [
      ['a', 'b'],
      ['b', 'c'],
    ]);
    try {
      await waitFor(() => r.sent.step2 === 4, 'both pairs to exchange their state');
      r.members.get('a')!.doc.getText('t').insert(0, 'from a. ');
      r.members.get('c')!.doc.getText('t').insert(0, 'from c. ');
      await waitFor(() => r.text('a').length === 16 && r.text('c') === r.text('a') && r.text('b') === r.text('a'), () => `the three texts to converge: ${['a', 'b', 'c'].map((id) => JSON.stringify(r.text(id))).join(', ')}`);
      expect(r.text('a')).to.include('from a. ').and.include('from c. ');
    } finally {
      r.destroy();
    }
  });
});
