// A data channel that closes while its connection lives is opened again on the same
// connection, and what ran on it goes on: a file transfer resumes from the last verified
// chunk, the document resyncs. The channels are closed for real (RTCDataChannel.close(),
// as the browser does when a send queue overflows), from either side.
import { expect } from '@open-wc/testing';
import { FileTransfers } from '../files/files.js';
import type { FileReceiver } from '../files/receiver.js';
import type { Session } from '../session/session.js';
import { bytes, connectedPair, digest, waitFor, sessionsWithChannels } from '../../../test/helpers.js';

describe('Data channels that close heal on the same connection (real data channels)', function () {
  this.timeout(90000);
  const { sessions, open: openChannel } = sessionsWithChannels();

  const channelOf = (session: Session, peerId: string, label: string) => openChannel(session.peers.get(peerId)!.pc, label);

  async function pair() {
    const [a, b] = await connectedPair();
    sessions.push(a, b);
    return { a, b };
  }

  for (const side of ['sender', 'receiver'] as const) {
    it(`completes a file transfer whose channel the ${side} closes mid-way, with the right hash`, async () => {
      const { a, b } = await pair();
      const peers = [a.peers.get(b.id)!, b.peers.get(a.id)!];
      const filesA = FileTransfers.for(a);
      const filesB = FileTransfers.for(b);
      filesB.events.on('offer', (r) => void filesB.accept(r));
      const received = new Promise<FileReceiver>((resolve) => filesB.events.on('received', resolve));
      const file = new File([bytes(12 * 1024 * 1024, side === 'sender' ? 3 : 4)], 'report.bin');
      const [sender] = filesA.offer(file);
      await waitFor(() => sender.rate.bytes > file.size / 5, 'a fifth of the file to be sent', 30000);
      const [closer, closerPeer] = side === 'sender' ? [a, b.id] : [b, a.id];
      const channel = channelOf(closer, closerPeer, 'parley-files')!;
      expect(channel, 'the open file channel').to.exist;
      channel.close();
      await waitFor(() => channel.readyState === 'closed', 'the channel to close');
      const receiver = await received;
      expect(receiver.state).to.equal('done');
      expect(await digest(receiver.file!)).to.equal(await digest(file));
      await waitFor(() => sender.state === 'done', 'the sender to hear the file was complete');
      // Healed on the same connection: no new peer, no new offer.
      expect([a.peers.get(b.id), b.peers.get(a.id)]).to.deep.equal(peers);
      expect(peers.map((p) => p.offers).reduce((x, y) => x + y)).to.equal(1);
      await receiver.dismiss();
    });
  }

  for (const side of ['a', 'b'] as const) {
    it(`resyncs the document after its channel is closed by ${side === 'a' ? 'the editor' : 'the other side'}`, async () => {
      const { a, b } = await pair();
      const peers = [a.peers.get(b.id)!, b.peers.get(a.id)!];
      const text = a.doc.getText('t');
      text.insert(0, 'before ');
      await waitFor(() => b.doc.getText('t').toString() === 'before ', 'the first edit at b');
      const channel = (side === 'a' ? channelOf(a, b.id, 'parley') : channelOf(b, a.id, 'parley'))!;
      channel.close();
      // Typed while the channel is down: it arrives once the channel is open again.
      text.insert(text.length, 'during ');
      await waitFor(() => channel.readyState === 'closed', 'the channel to close');
      text.insert(text.length, 'after');
      await waitFor(() => b.doc.getText('t').toString() === 'before during after', 'every edit at b');
      b.doc.getText('t').insert(0, '> ');
      await waitFor(() => text.toString() === '> before during after', 'b’s edit back at a');
      expect([a.peers.get(b.id), b.peers.get(a.id)]).to.deep.equal(peers);
      expect(peers.every((p) => p.connected)).to.equal(true);
    });
  }
});
