import { expect } from '@open-wc/testing';
import { Chat, linkify } from './chat.js';
import { Session } from '../session/session.js';
import { connectedPair, relayUrl, waitFor } from '../../../test/helpers.js';

describe('Chat (core)', () => {
  const sessions: Session[] = [];
  afterEach(() => sessions.splice(0).forEach((s) => s.destroy()));

  it('splits links from text without touching the rest', () => {
    expect(linkify('see https://example.com/a?b=1, then <b>x</b>')).to.deep.equal([
      { text: 'see ' },
      { text: 'https://example.com/a?b=1', href: 'https://example.com/a?b=1' },
      { text: ', then <b>x</b>' },
    ]);
    expect(linkify('javascript:alert(1) ftp://x')).to.deep.equal([{ text: 'javascript:alert(1) ftp://x' }]);
  });

  it('reaches a late joiner with names, times and an unread count; skips malformed entries', async () => {
    const [a, b] = await connectedPair();
    sessions.push(a, b);
    const chatA = new Chat(a);
    const chatB = new Chat(b);
    chatA.send('first');
    await waitFor(() => chatB.messages().length === 1, 'the first message at b');
    chatB.send('second\nline two');
    // Malformed, though written by the peer it names: its text is not text.
    b.doc.getArray('chat').push([{ id: 'junk', peer: b.id, from: 'Bob', color: '#000', text: 42, time: Date.now() }]);
    await waitFor(() => a.doc.getArray('chat').length === 3, 'all three entries at a');
    expect(chatA.messages().map((m) => m.text)).to.deep.equal(['first', 'second\nline two']);
    expect(chatA.unread).to.equal(1);
    expect(chatB.unread).to.equal(1);
    chatA.markRead();
    expect(chatA.unread).to.equal(0);
    expect(chatA.send('   ')).to.equal(null);

    const late = new Session(a.room, { signaling: await relayUrl(), name: 'Cy' });
    sessions.push(late);
    late.start();
    const chatLate = new Chat(late);
    // All three entries reach the late joiner; two of them are messages.
    await waitFor(() => late.doc.getArray('chat').length === 3, 'the history at the late joiner');
    expect(chatLate.messages()).to.have.length(2);
    const [first, second] = chatLate.messages();
    expect(first).to.include({ from: 'Ada', text: 'first' });
    expect(second).to.include({ from: 'Bob', text: 'second\nline two' });
    expect(first.time).to.be.closeTo(Date.now(), 60000);
    expect(chatLate.unread).to.equal(2);
    [chatA, chatB, chatLate].forEach((c) => c.destroy());
  });
});
