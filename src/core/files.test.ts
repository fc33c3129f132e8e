import { expect } from '@open-wc/testing';
import { FileTransfers, MAX_PENDING_OFFERS } from './files.js';
import { FileReceiver } from './file-receiver.js';
import { decodeMessage, encodeChunk, encodeControl, sanitizeFileName } from './file-protocol.js';
import type { ParleyError } from './errors.js';
import { STORE_PREFIX, sweepFileStore } from './file-store.js';
import type { Session } from './session.js';
import { bytes, connectedPair, digest, relayUrl, uniqueRoom, waitFor } from '../../test/helpers.js';
import { Session as SessionClass } from './session.js';

/** b accepts every offer; resolves with the first received file. */
function autoAccept(files: FileTransfers): Promise<FileReceiver> {
  files.events.on('offer', (r) => void files.accept(r));
  return new Promise((resolve) => files.events.on('received', resolve));
}

describe('FileTransfers (two sessions, real relay, real data channels)', function () {
  this.timeout(120000);
  const sessions: Session[] = [];
  afterEach(() => sessions.splice(0).forEach((s) => s.destroy()));

  async function pair() {
    const [a, b] = await connectedPair();
    sessions.push(a, b);
    const errors: ParleyError[] = [];
    const filesB = FileTransfers.for(b);
    filesB.events.on('error', (e) => errors.push(e));
    return { a, b, filesA: FileTransfers.for(a), filesB, errors };
  }

  it('sends a 50 MB file with matching hashes, streamed to disk where the browser can', async () => {
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
    expect(receiver.file!.size).to.equal(file.size);
    expect(receiver.file!.type).to.equal('application/octet-stream');
    expect(await digest(receiver.file!)).to.equal(await digest(file));
    await waitFor(() => sender.state === 'done', 'the sender to hear the file was complete');
    await receiver.dismiss();
  });

  it('detects a tampered chunk, reports it and gets the chunk again', async () => {
    const { a, b, filesA, filesB, errors } = await pair();
    const peer = a.peers.get(b.id)!;
    const send = peer.sendFiles.bind(peer);
    let tampered = false;
    peer.sendFiles = (message) => {
      const decoded = decodeMessage(message);
      if (!tampered && decoded?.type === 'chunk' && decoded.index === 3) {
        tampered = true;
        const copy = message.slice();
        copy[copy.length - 1] ^= 0xff; // in transit: data changed, hash as sent
        return send(copy);
      }
      return send(message);
    };
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
    let offeredToD = false;
    FileTransfers.for(d).events.on('offer', () => (offeredToD = true));
    d.start();
    await waitFor(() => a.peers.get(d.id)?.connected && d.peers.get(a.id)?.connected, 'd to connect');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(offeredToD).to.equal(false);
  });

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
      a.peers.get(b.id)!.sendFiles(encodeControl({ t: 'offer', id, name: 'huge.bin', size, mime: '', chunkSize: 1024 }));
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
      peer.sendFiles(encodeControl({ t: 'offer', id: `00000000000000${String(i).padStart(2, '0')}`, name: `f${i}`, size: 10, mime: '', chunkSize: 1024 }));
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
    a.peers.get(b.id)!.close(); // the data path goes away mid-transfer
    await waitFor(() => receiver.state === 'waiting' && sender.state === 'waiting', 'both sides to notice');
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
    peer().sendFiles(encodeControl({ t: 'offer', id, name: 'x.bin', size: 2048, mime: '', chunkSize: 1024 }));
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
    // Cut off: what it sends next is ignored.
    peer().sendFiles(encodeControl({ t: 'offer', id: 'fedcba9876543210', name: 'y', size: 1, mime: '', chunkSize: 1024 }));
    peer().sendFiles(new Uint8Array([9, 9, 9]));
    await new Promise((r) => setTimeout(r, 300));
    expect(filesB.list().length).to.equal(1);
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
