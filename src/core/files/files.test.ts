import { expect } from '@open-wc/testing';
import { FileTransfers, MAX_PENDING_OFFERS } from './files.js';
import { FileReceiver } from './receiver.js';
import { decodeMessage, encodeChunk, encodeControl, sanitizeFileName } from './protocol.js';
import type { ParleyError } from '../errors.js';
import { STORE_PREFIX, sweepFileStore } from './store.js';
import type { Session } from '../session/session.js';
import type { Peer } from '../net/peer.js';
import { bytes, connectedPair, digest, relayUrl, uniqueRoom, waitFor, sessionsWithChannels } from '../../../test/helpers.js';
import { Session as SessionClass } from '../session/session.js';

/** The size of the file a receiver writes in the Origin Private File System (null: not there). */
async function onDisk(receiver: FileReceiver): Promise<number | null> {
  const root = (await navigator.storage.getDirectory()) as unknown as FileSystemDirectoryHandle & { entries(): AsyncIterable<[string, FileSystemHandle]> };
  for await (const [name, handle] of root.entries()) {
    if (!name.startsWith(STORE_PREFIX) || !name.endsWith(receiver.id) || handle.kind !== 'file') continue;
    try {
      return (await (handle as FileSystemFileHandle).getFile()).size;
    } catch (error) {
      if ((error as Error).name !== 'NotFoundError') throw error; // deleted since it was listed
    }
  }
  return null;
}

/** b accepts every offer; resolves with the first received file. */
function autoAccept(files: FileTransfers): Promise<FileReceiver> {
  files.events.on('offer', (r) => void files.accept(r));
  return new Promise((resolve) => files.events.on('received', resolve));
}

describe('FileTransfers (two sessions, real relay, real data channels)', function () {
  this.timeout(120000);
  const { sessions, open: openChannel } = sessionsWithChannels();

  /**
   * Sends one raw message on the file channel, once it is open at both ends: a pair is
   * connected when its first channel is, and the file channel may open a moment later
   * (sendFiles() drops a message and returns false until then).
   */
  const sent = (peer: Peer, message: Uint8Array<ArrayBuffer>) => waitFor(() => peer.sendFiles(message), 'the file channel to take a message');

  async function pair() {
    const [a, b] = await connectedPair();
    sessions.push(a, b);
    const errors: ParleyError[] = [];
    const filesB = FileTransfers.for(b);
    filesB.events.on('error', (e) => errors.push(e));
    return { a, b, filesA: FileTransfers.for(a), filesB, errors };
  }

  it('sends a 50 MB file with matching hashes, written to disk (the Origin Private File System)', async () => {
    const { filesA, filesB } = await pair();
    const file = new File([bytes(50 * 1024 * 1024)], 'big.bin', { type: 'application/octet-stream' });
    const received = autoAccept(filesB);
    const started = performance.now();
    const [sender] = filesA.offer(file);
    const receiver = await received;
    const seconds = (performance.now() - started) / 1000;
    console.log(`50 MB in ${seconds.toFixed(1)} s (${(50 / seconds).toFixed(0)} MB/s), stored in ${receiver.storage}`);
    expect(receiver.state).to.equal('done');
    expect(receiver.name).to.equal('big.bin');
    // Chromium and Firefox both give a page OPFS with createWritable, headless too: on disk, not in memory.
    expect(receiver.storage).to.equal('disk');
    expect(await onDisk(receiver), 'the file in OPFS, whole').to.equal(file.size);
    expect(receiver.file!.size).to.equal(file.size);
    expect(receiver.file!.type).to.equal('application/octet-stream');
    expect(await digest(receiver.file!)).to.equal(await digest(file));
    await waitFor(() => sender.state === 'done', 'the sender to hear the file was complete');
    await receiver.dismiss();
    expect(await onDisk(receiver), 'the file deleted from OPFS once dismissed').to.equal(null);
  });

  it('detects a tampered chunk, reports it and gets the chunk again', async () => {
    const { a, b, filesA, filesB, errors } = await pair();
    // Chunk 3 changes on the wire: the sender's real file channel sends it with one byte
    // flipped (data changed, hash as sent). Parley's code on both sides runs unchanged.
    const channel = openChannel(a.peers.get(b.id)!.pc, 'parley-files')!;
    expect(channel, 'the open file channel').to.exist;
    const send = channel.send.bind(channel) as (data: Uint8Array<ArrayBuffer>) => void;
    let tampered = false;
    channel.send = ((data: Uint8Array<ArrayBuffer>) => {
      const decoded = data instanceof Uint8Array ? decodeMessage(data) : null;
      if (!tampered && decoded?.type === 'chunk' && decoded.index === 3) {
        tampered = true;
        const copy = data.slice();
        copy[copy.length - 1] ^= 0xff;
        return send(copy);
      }
      return send(data);
    }) as RTCDataChannel['send'];
    const file = new File([bytes(1024 * 1024, 7)], 'data.bin');
    const received = autoAccept(filesB);
    filesA.offer(file);
    const receiver = await received;
    expect(tampered).to.equal(true);
    expect(receiver.corrupted).to.equal(1);
    expect(errors.map((e) => e.message).join()).to.match(/Chunk 3 .* corrupted/);
    expect(await digest(receiver.file!)).to.equal(await digest(file));
  });

  it('offers a file shared with everyone to whoever connects later, too', async () => {
    const room = uniqueRoom();
    const [a, b] = await connectedPair(room);
    sessions.push(a, b);
    const filesA = FileTransfers.for(a);
    const file = new File([bytes(300 * 1024, 5)], 'agenda.pdf', { type: 'application/pdf' });
    const atB = autoAccept(FileTransfers.for(b));
    const [first] = filesA.offer(file);
    expect((await atB).name).to.equal('agenda.pdf');

    const c = new SessionClass(room, { signaling: await relayUrl(), name: 'Cy' });
    sessions.push(c);
    const atC = autoAccept(FileTransfers.for(c));
    c.start();
    const received = await atC;
    expect(await digest(received.file!)).to.equal(await digest(file));
    expect(filesA.list().filter((t) => t.direction === 'send').map((t) => t.peerId)).to.have.members([b.id, c.id]);
    // Removed from the list: not offered to anyone arriving after that.
    await waitFor(() => first.state === 'done', 'the first transfer to finish');
    filesA.remove(first);
    const d = new SessionClass(room, { signaling: await relayUrl(), name: 'Di' });
    sessions.push(d);
    const offeredToD: string[] = [];
    FileTransfers.for(d).events.on('offer', (r) => offeredToD.push(r.name));
    d.start();
    await waitFor(() => a.peers.get(d.id)?.connected && d.peers.get(a.id)?.connected, 'd to connect');
    // Markers on the same (ordered) file channel: the first may wait for the channel to open,
    // where it is offered before anything else is; the second leaves after the first arrived,
    // so anything offered to Di when her channel opened is in by then.
    filesA.offer(new File(['1'], 'marker-1.txt'), d.id);
    await waitFor(() => offeredToD.includes('marker-1.txt'), 'the first marker at Di');
    filesA.offer(new File(['2'], 'marker-2.txt'), d.id);
    await waitFor(() => offeredToD.includes('marker-2.txt'), 'the second marker at Di');
    expect(offeredToD).to.deep.equal(['marker-1.txt', 'marker-2.txt']);
  });

  /**
   * Offers two small marker files from `files` to `to` on their (ordered) file channel and
   * waits for both at `offered`. The first may wait for the channel to open, where it is
   * offered before anything else; the second leaves after the first arrived: whatever was
   * offered to `to` before the call is in `offered` by the time this resolves.
   */
  async function markers(files: FileTransfers, to: string, offered: string[]): Promise<void> {
    for (const name of ['marker-1.txt', 'marker-2.txt']) {
      files.offer(new File([name], name), to);
      await waitFor(() => offered.includes(name), `${name} to arrive`);
    }
  }

  it('sends a file to one person only: Bob gets it, Carol and a later arrival are never offered it', async () => {
    const room = uniqueRoom();
    const signaling = await relayUrl();
    const [ada, bob, carol] = ['Ada', 'Bob', 'Carol'].map((name) => new SessionClass(room, { signaling, name }));
    sessions.push(ada, bob, carol);
    const offeredTo = new Map<Session, string[]>();
    const watch = (s: Session) => {
      offeredTo.set(s, []);
      FileTransfers.for(s).events.on('offer', (r) => offeredTo.get(s)!.push(r.name));
    };
    [bob, carol].forEach(watch);
    const atBob = autoAccept(FileTransfers.for(bob));
    for (const s of [ada, bob, carol]) s.start();
    const linked = (x: Session, y: Session) => x.peers.get(y.id)?.connected && y.peers.get(x.id)?.connected;
    await waitFor(() => linked(ada, bob) && linked(ada, carol) && linked(bob, carol), 'all three to connect');
    const filesA = FileTransfers.for(ada);
    const file = new File([bytes(200 * 1024, 11)], 'for-bob.bin');
    const senders = filesA.offer(file, bob.id);
    expect(senders.map((s) => s.peerId)).to.deep.equal([bob.id]);
    const received = await atBob;
    expect(received.name).to.equal('for-bob.bin');
    expect(await digest(received.file!)).to.equal(await digest(file));
    await markers(filesA, carol.id, offeredTo.get(carol)!);
    expect(offeredTo.get(carol)).to.deep.equal(['marker-1.txt', 'marker-2.txt']);
    // Someone who arrives later is not offered it either: it was for Bob.
    const dan = new SessionClass(room, { signaling, name: 'Dan' });
    sessions.push(dan);
    watch(dan);
    dan.start();
    await waitFor(() => linked(ada, dan), 'Dan to connect');
    await markers(filesA, dan.id, offeredTo.get(dan)!);
    expect(offeredTo.get(dan)).to.deep.equal(['marker-1.txt', 'marker-2.txt']);
    expect(offeredTo.get(bob)).to.deep.equal(['for-bob.bin']);
    expect(filesA.list().map((t) => [t.name, t.peerId])).to.deep.include.members([['for-bob.bin', bob.id]]);
    expect(filesA.list().filter((t) => t.name === 'for-bob.bin')).to.have.length(1);
  });

  for (const side of ['sender', 'receiver'] as const) {
    it(`cancels mid-transfer from the ${side}: the other side sees it, no file completes, the partial file is deleted`, async () => {
      const { a, b, filesA, filesB } = await pair();
      filesB.events.on('offer', (r) => void filesB.accept(r));
      const receivedNames: string[] = [];
      filesB.events.on('received', (r) => receivedNames.push(r.name));
      // What reaches Bob on the file channel, in order: chunks of which transfer, offers of which file.
      const arrived: string[] = [];
      b.peers.get(a.id)!.events.on('files', (m) => {
        const message = decodeMessage(m);
        if (message?.type === 'chunk') arrived.push(`chunk ${message.id}`);
        else if (message?.control.t === 'offer') arrived.push(`offer ${message.control.name}`);
      });
      const file = new File([bytes(16 * 1024 * 1024, 9)], 'long.bin');
      const [sender] = filesA.offer(file);
      const receiver = await waitFor(() => filesB.list().find((r) => r.name === 'long.bin') as FileReceiver | undefined, 'the offer');
      await waitFor(() => receiver.rate.bytes > 1024 * 1024, 'a first megabyte to arrive', 30000);
      expect(receiver.state).to.equal('receiving');
      expect(await onDisk(receiver), 'the partial file in OPFS').not.to.equal(null);
      if (side === 'sender') {
        sender.cancel();
        expect(sender.state).to.equal('cancelled');
        await waitFor(() => receiver.state === 'cancelled', () => `the receiver to see the cancel (it is ${receiver.state})`);
        expect(receiver.reason).to.equal('cancelled by the sender');
      } else {
        receiver.cancel();
        expect(receiver.state).to.equal('cancelled');
        await waitFor(() => sender.state === 'cancelled', () => `the sender to see the cancel (it is ${sender.state})`);
        expect(sender.reason).to.equal('cancelled by the receiver');
      }
      await waitFor(async () => (await onDisk(receiver)) === null, 'the partial file to be deleted from OPFS');
      expect(receiver.file).to.equal(null);
      // A file sent after the cancel arrives (the sender was not cut off), and by then no
      // chunk of the cancelled file follows its offer: the sender stopped.
      filesA.offer(new File(['after'], 'after.txt'), b.id);
      await waitFor(() => receivedNames.includes('after.txt'), 'the next file to arrive');
      expect(receivedNames).to.deep.equal(['after.txt']);
      expect(arrived.slice(arrived.indexOf('offer after.txt'))).not.to.include(`chunk ${sender.id}`);
      expect([sender.state, receiver.state]).to.deep.equal(['cancelled', 'cancelled']);
      expect(receiver.rate.bytes).to.be.lessThan(file.size);
    });
  }

  it('refuses an offer over the receiver’s limit', async () => {
    const { filesA, filesB } = await pair();
    filesB.maxBytes = 1000;
    let offered = false;
    filesB.events.on('offer', () => (offered = true));
    const [sender] = filesA.offer(new File([bytes(2000)], 'large.bin'));
    await waitFor(() => sender.state === 'declined', 'the offer to be refused');
    expect(sender.reason).to.match(/too large/);
    expect(offered).to.equal(false);
    expect(filesB.list()[0].state).to.equal('refused');
  });

  it('refuses offers announcing 2^36 and 2^41 bytes in 1 KB chunks before allocating anything for them', async () => {
    const { a, b, filesB, errors } = await pair();
    // Bookkeeping made for an offer would take 33 bytes a chunk: over 2 GB for the first,
    // 70 GB for the second (no browser allocates that: the offer would throw instead).
    for (const [id, size] of [['00112233445566aa', 2 ** 36], ['00112233445566bb', 2 ** 41]] as const) {
      await sent(a.peers.get(b.id)!, encodeControl({ t: 'offer', id, name: 'huge.bin', size, mime: '', chunkSize: 1024 }));
      const receiver = await waitFor(() => filesB.list().find((r) => r.id === id) as FileReceiver | undefined, `the offer of ${size} bytes`);
      expect(receiver.state).to.equal('refused');
      expect(receiver.reason).to.match(/too large/);
    }
    expect(errors).to.deep.equal([]);
    // The page goes on: a real file still arrives.
    const received = autoAccept(filesB);
    FileTransfers.for(a).offer(new File([bytes(5000)], 'small.bin'));
    expect((await received).file!.size).to.equal(5000);
  });

  it('stores every received file as application/octet-stream, whatever type the sender announced', async () => {
    const { filesA, filesB } = await pair();
    const received = autoAccept(filesB);
    const page = new File(['<script>parent.stolen = document.cookie</script>'], 'invoice.html', { type: 'text/html' });
    filesA.offer(page);
    const receiver = await received;
    expect(receiver.offer.mime).to.equal('text/html');
    expect(receiver.file!.type).to.equal('application/octet-stream');
    expect(await receiver.file!.text()).to.equal(await page.text());
  });

  it('declines offers beyond the pending budget from one peer, and says so once', async () => {
    const { a, b, filesB, errors } = await pair();
    const declined: string[] = [];
    const peer = a.peers.get(b.id)!;
    peer.events.on('files', (data) => {
      const message = decodeMessage(data);
      if (message?.type === 'control' && message.control.t === 'decline') declined.push(message.control.id);
    });
    for (let i = 0; i < MAX_PENDING_OFFERS + 5; i++) {
      await sent(peer, encodeControl({ t: 'offer', id: `00000000000000${String(i).padStart(2, '0')}`, name: `f${i}`, size: 10, mime: '', chunkSize: 1024 }));
    }
    await waitFor(() => declined.length === 5, () => `5 offers declined (got ${declined.length})`);
    expect(filesB.list().filter((r) => r.state === 'offered')).to.have.length(MAX_PENDING_OFFERS);
    expect(errors.filter((e) => /offered more than/.test(e.message))).to.have.length(1);
  });

  it('resumes an interrupted transfer from the last verified chunk', async () => {
    const { a, b, filesA, filesB } = await pair();
    let chunkMessages = 0;
    const count = (peer: { events: { on: (e: 'files', f: (m: Uint8Array) => void) => void } }) =>
      peer.events.on('files', (m) => m[0] === 2 && chunkMessages++);
    count(b.peers.get(a.id)!);
    b.events.on('peer', count);
    const file = new File([bytes(16 * 1024 * 1024, 3)], 'resume.bin');
    const received = autoAccept(filesB);
    const [sender] = filesA.offer(file);
    const receiver = await waitFor(() => filesB.list()[0] as FileReceiver | undefined, 'the offer');
    await waitFor(() => receiver.rate.bytes > 2 * 1024 * 1024, 'some progress');
    const before = receiver.rate.bytes;
    // The connection itself goes away mid-transfer: the browser's RTCPeerConnection under
    // Ada's peer is closed (as when her network stack drops it), not Parley's Peer.
    const lost = a.peers.get(b.id)!;
    lost.pc.close();
    await waitFor(() => receiver.state === 'waiting' && sender.state === 'waiting', () => `both sides to notice (receiver ${receiver.state}, sender ${sender.state})`);
    // A new connection between the same two sessions carries the rest.
    await waitFor(() => a.peers.get(b.id) !== lost && a.peers.get(b.id)?.connected, 'a new connection');
    await waitFor(() => receiver.state === 'done' || !receiver.active, 'the transfer to finish', 60000);
    expect(`${receiver.state} ${receiver.reason}`).to.equal('done ');
    await received;
    expect(before).to.be.lessThan(file.size);
    expect(await digest(receiver.file!)).to.equal(await digest(file));
    // Resumed, not restarted: far fewer than twice the chunks went over the wire.
    expect(chunkMessages).to.be.lessThan(receiver.chunks + before / sender.chunkSize);
    await waitFor(() => sender.state === 'done', 'the sender to finish');
  });

  it('cuts off a peer that sends junk or chunks it did not announce, writing nothing', async () => {
    const { a, b, filesB, errors } = await pair();
    const peer = () => a.peers.get(b.id)!;
    // A chunk beyond the announced size.
    const id = '0123456789abcdef';
    await sent(peer(), encodeControl({ t: 'offer', id, name: 'x.bin', size: 2048, mime: '', chunkSize: 1024 }));
    const receiver = await waitFor(() => filesB.list()[0] as FileReceiver | undefined, 'the offer');
    await filesB.accept(receiver);
    const data = new Uint8Array(1024);
    const hash = new Uint8Array(await crypto.subtle.digest('SHA-256', data));
    peer().sendFiles(encodeChunk(id, 0, hash, data));
    peer().sendFiles(encodeChunk(id, 2, hash, data));
    await waitFor(() => receiver.state === 'failed', 'the transfer to be stopped');
    expect(receiver.file).to.equal(null);
    expect(errors.at(-1)!.code).to.equal('file');
    expect(errors.at(-1)!.message).to.match(/sent chunk 2 of a 2-chunk file/);
    // Cut off: what it sends next is ignored. Bob's FileTransfers handles each message on
    // the channel before this listener (added later) hears it: once the last one is heard,
    // the offer before it has been handled, and ignored.
    const heard: number[] = [];
    b.peers.get(a.id)!.events.on('files', (m) => heard.push(m.length));
    const errorsBefore = errors.length;
    peer().sendFiles(encodeControl({ t: 'offer', id: 'fedcba9876543210', name: 'y', size: 1, mime: '', chunkSize: 1024 }));
    peer().sendFiles(new Uint8Array([9, 9, 9]));
    await waitFor(() => heard.includes(3), 'the last message to reach Bob');
    expect(heard).to.have.length(2);
    expect(filesB.list().length).to.equal(1);
    expect(errors.length, 'nothing more reported for an ignored peer').to.equal(errorsBefore);
  });

  it('sweeps received files left on disk, keeping recent ones and files that are not Parley’s', async () => {
    const root = await navigator.storage.getDirectory();
    const stale = await root.getFileHandle(`${STORE_PREFIX}left-behind`, { create: true });
    const writer = await stale.createWritable();
    await writer.write(new Uint8Array(10));
    await writer.close();
    await root.getFileHandle('not-ours', { create: true });
    const removed = await sweepFileStore(0);
    expect(removed).to.include(`${STORE_PREFIX}left-behind`);
    expect(removed).not.to.include('not-ours');
    await root.getFileHandle('not-ours'); // still there
    await root.removeEntry('not-ours');
    // Recent ones stay (another tab may still be offering its download).
    await root.getFileHandle(`${STORE_PREFIX}recent`, { create: true });
    expect(await sweepFileStore()).not.to.include(`${STORE_PREFIX}recent`);
    await root.removeEntry(`${STORE_PREFIX}recent`);
  });

  it('acks a chunk at once when nothing else is queued, so a window under ACK_EVERY never stalls', async () => {
    const acks: number[] = [];
    const accepts: Array<number | undefined> = [];
    const link = {
      send(message: Uint8Array<ArrayBuffer>) {
        const decoded = decodeMessage(message);
        if (decoded?.type === 'control' && decoded.control.t === 'ack') acks.push(decoded.control.n);
        if (decoded?.type === 'control' && decoded.control.t === 'accept') accepts.push(decoded.control.window);
        return true;
      },
      buffered: () => 0,
      maxMessageSize: () => 65536,
    };
    const offer = { t: 'offer' as const, id: '0123456789abcdef', name: 'x.bin', size: 3 * 1024, mime: '', chunkSize: 1024 };
    const receiver = new FileReceiver('peer-1', offer, link, { change() {}, report() {}, received() {} });
    await receiver.accept(false);
    expect(accepts, 'the accept says the receiver takes 2 MiB of unprocessed chunks').to.deep.equal([2048]);
    const data = bytes(1024);
    const hash = new Uint8Array(await crypto.subtle.digest('SHA-256', data));
    expect(receiver.chunk(0, hash, data)).to.equal(null);
    await waitFor(() => acks.length > 0, 'an ack for the lone chunk');
    expect(acks).to.deep.equal([1]);
    await receiver.dismiss();
  });

  it('decodes only well-formed messages and sanitizes names for saving', () => {
    expect(decodeMessage(new Uint8Array([1, 123]))).to.equal(null);
    expect(decodeMessage(new Uint8Array([7]))).to.equal(null);
    expect(decodeMessage(encodeControl({ t: 'offer', id: 'zz', name: 'a', size: 1, mime: '', chunkSize: 1024 } as never))).to.equal(null);
    expect(decodeMessage(encodeControl({ t: 'offer', id: '0123456789abcdef', name: 'a', size: -1, mime: '', chunkSize: 1024 }))).to.equal(null);
    expect(decodeMessage(encodeControl({ t: 'ack', id: '0123456789abcdef', n: 3 }))).to.deep.equal({
      type: 'control',
      control: { t: 'ack', id: '0123456789abcdef', n: 3 },
    });
    // An accept may say how many unprocessed chunks the receiver takes; older receivers do not.
    const id = '0123456789abcdef';
    expect(decodeMessage(encodeControl({ t: 'accept', id, from: 0, window: 128 }))).to.deep.equal({ type: 'control', control: { t: 'accept', id, from: 0, window: 128 } });
    expect(decodeMessage(encodeControl({ t: 'accept', id, from: 2 }))).to.deep.equal({ type: 'control', control: { t: 'accept', id, from: 2 } });
    expect(decodeMessage(encodeControl({ t: 'accept', id, from: 0, window: 0 }))).to.equal(null);
    expect(decodeMessage(encodeControl({ t: 'accept', id, from: 0, window: '9' } as never))).to.equal(null);
    expect(sanitizeFileName('<img src=x onerror=alert(1)>.txt')).to.equal('_img src=x onerror=alert(1)_.txt');
    expect(sanitizeFileName('../../etc/passwd')).to.equal('_.._etc_passwd');
    expect(sanitizeFileName('CON')).to.equal('download-CON');
    expect(sanitizeFileName('...')).to.equal('download');
  });
});
