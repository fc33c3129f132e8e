// A hostile peer writes whatever it likes on the real data channels of a connection that
// is up: text frames where binary frames are expected, frames of no known kind, signals
// that are not JSON or carry a description that cannot be applied, a file message that is
// cut short, and a message past the 32 MiB cap. Each is dropped with an error (or the
// connection rebuilt, where the stream cannot be trusted any more), nothing throws, and the
// document keeps syncing afterwards: every check waits for an edit sent after the junk.
import { expect } from '@open-wc/testing';
import { Session } from '../session/session.js';
import { FileTransfers } from '../files/files.js';
import type { FileReceiver } from '../files/receiver.js';
import type { ParleyError } from '../errors.js';
import { FrameKind, MAX_MESSAGE_BYTES, encodeFrames } from './frames.js';
import type { Peer } from './peer.js';
import { relayUrl, uniqueRoom, waitFor, sessionsWithChannels } from '../../../test/helpers.js';

describe('Hostile data-channel frames (two sessions, real relay, real data channels)', function () {
  this.timeout(180000);
  const { sessions, open: openChannel } = sessionsWithChannels();

  /** Bob, honest, and Mallory, whose page writes raw frames on her channels to Bob. */
  async function pair() {
    const signaling = await relayUrl();
    const room = uniqueRoom();
    const [bob, mallory] = ['Bob', 'Mallory'].map((name) => new Session(room, { signaling, name }));
    sessions.push(bob, mallory);
    const errors: ParleyError[] = [];
    bob.events.on('error', (e) => errors.push(e));
    bob.start();
    mallory.start();
    await waitFor(() => bob.peers.get(mallory.id)?.connected && mallory.peers.get(bob.id)?.connected, 'the two peers to connect');
    const toBob = () => mallory.peers.get(bob.id)!;
    /** Mallory's real channel to Bob with this label. */
    const raw = (label: 'parley' | 'parley-files') => {
      const channel = openChannel(toBob().pc, label);
      expect(channel, `Mallory's open ${label} channel`).to.exist;
      return channel!;
    };
    let edits = 0;
    /** Mallory edits the document (after whatever she sent before); resolves once Bob has the edit. */
    const syncs = async (what: string) => {
      const text = `${++edits}. ${what}`;
      const shared = mallory.doc.getText('t');
      shared.insert(shared.length, `${text}\n`);
      await waitFor(() => bob.doc.getText('t').toString().includes(text), `“${text}” to reach Bob`, 30000);
    };
    await syncs('before');
    return { bob, mallory, errors, raw, syncs, bobsPeer: () => bob.peers.get(mallory.id) };
  }

  /** Waits for Bob to drop the connection and build a new one that is up (both sides). */
  async function rebuilt(bob: Session, mallory: Session, old: Peer) {
    await waitFor(() => old.closed, 'Bob to close the connection');
    await waitFor(() => {
      const peer = bob.peers.get(mallory.id);
      return peer && peer !== old && peer.connected && mallory.peers.get(bob.id)?.connected;
    }, 'a new connection between Bob and Mallory', 30000);
  }

  it('drops a text frame on the sync channel with an error; the same connection keeps syncing', async () => {
    const { errors, raw, syncs, bobsPeer } = await pair();
    const peer = bobsPeer();
    raw('parley').send('{"type":"sync","please":"apply me"}');
    await syncs('after a text frame');
    expect(errors.map((e) => `${e.code}: ${e.message}`)).to.deep.equal([`peer: Peer ${peer!.id} sent a text frame; dropped`]);
    expect(bobsPeer()).to.equal(peer);
    expect(peer!.closed).to.equal(false);
  });

  it('drops a signal that is not JSON with an error; the same connection keeps syncing', async () => {
    const { errors, raw, syncs, bobsPeer } = await pair();
    const peer = bobsPeer();
    const channel = raw('parley');
    for (const frame of encodeFrames(FrameKind.signal, new TextEncoder().encode('{"description": {"type": "offer", "sdp": '))) channel.send(frame);
    await syncs('after a broken signal');
    expect(errors.map((e) => `${e.code}: ${e.message}`)).to.deep.equal([`peer: Peer ${peer!.id} sent a malformed signal`]);
    expect(bobsPeer()).to.equal(peer);
    expect(peer!.closed).to.equal(false);
  });

  it('drops a JSON signal of no known shape with an error; the same connection keeps syncing', async () => {
    const { errors, raw, syncs, bobsPeer } = await pair();
    const peer = bobsPeer();
    const channel = raw('parley');
    for (const signal of [[1, 2], { description: { type: 'pranswer', sdp: 'v=0' } }, { description: { type: 'offer', sdp: 42 } }, { candidate: 'a string' }, {}]) {
      for (const frame of encodeFrames(FrameKind.signal, new TextEncoder().encode(JSON.stringify(signal)))) channel.send(frame);
    }
    await syncs('after five signals of no known shape');
    const dropped = `peer: Peer ${peer!.id} sent an unknown signal; dropped`;
    expect(errors.map((e) => `${e.code}: ${e.message}`)).to.deep.equal(Array(5).fill(dropped));
    expect(bobsPeer()).to.equal(peer);
    expect(peer!.closed).to.equal(false);
  });

  it('rebuilds the connection after a signal whose description cannot be applied, with a warning; syncing goes on', async () => {
    const { bob, mallory, errors, raw, syncs, bobsPeer } = await pair();
    const old = bobsPeer()!;
    const warnings: string[] = [];
    const warn = console.warn;
    console.warn = (...args: unknown[]) => {
      warnings.push(args.map(String).join(' '));
      warn.apply(console, args);
    };
    try {
      const signal = { description: { type: 'offer', sdp: 'v=0\r\nthis is not a session description\r\n' } };
      for (const frame of encodeFrames(FrameKind.signal, new TextEncoder().encode(JSON.stringify(signal)))) raw('parley').send(frame);
      await rebuilt(bob, mallory, old);
    } finally {
      console.warn = warn;
    }
    expect(warnings.join('\n')).to.include(`rebuilding the connection to ${old.id}`);
    await syncs('on the new connection');
    expect(errors.filter((e) => e.code !== 'peer' || !/did not open/.test(e.message))).to.deep.equal([]);
  });

  it('drops the connection on a frame of no known kind, with an error, and builds a new one that syncs', async () => {
    const { bob, mallory, errors, raw, syncs, bobsPeer } = await pair();
    const old = bobsPeer()!;
    raw('parley').send(new Uint8Array([0x7f, 1, 2, 3]));
    await rebuilt(bob, mallory, old);
    const malformed = errors.find((e) => e.message === `Peer ${old.id} sent a malformed frame`);
    expect(malformed, 'the malformed frame reported').to.exist;
    expect((malformed!.cause as Error).message).to.equal('unknown frame kind 127');
    await syncs('on the new connection');
    expect(bob.doc.getText('t').toString()).to.equal('1. before\n2. on the new connection\n');
  });

  it('cuts a message off at the 32 MiB cap: takes 32 MiB, drops the connection at the next byte, and syncs on a new one', async () => {
    const { bob, mallory, errors, raw, syncs, bobsPeer } = await pair();
    const old = bobsPeer()!;
    const channel = raw('parley');
    const payload = 64 * 1024;
    const frame = new Uint8Array(1 + payload);
    frame[0] = FrameKind.sync | 0x80;
    // Her frames as they reach Bob's own channel (his Peer handles each message before this
    // listener hears it). What Mallory's Parley had already queued arrives first, whole.
    const bobsChannel = openChannel(old.pc, 'parley')!;
    let framesAtBob = 0;
    bobsChannel.addEventListener('message', ({ data }) => {
      if (data instanceof ArrayBuffer && data.byteLength === frame.length && new Uint8Array(data)[0] === frame[0]) framesAtBob++;
    });
    // Mallory's page holds back what her Parley sends on this channel (heartbeats, sync),
    // so that only the one message she writes by hand goes out: frames of one sync message,
    // every one saying "more follows".
    const send = channel.send.bind(channel) as (data: Uint8Array<ArrayBuffer>) => void;
    channel.send = (() => {}) as RTCDataChannel['send'];
    let sent = 0;
    for (let written = 0; written < MAX_MESSAGE_BYTES; written += payload) {
      while (channel.bufferedAmount > 1024 * 1024) await new Promise((resolve) => setTimeout(resolve, 5));
      send(frame);
      sent++;
    }
    expect(sent * payload).to.equal(MAX_MESSAGE_BYTES);
    await waitFor(() => framesAtBob === sent, () => `all ${sent} frames to reach Bob (${framesAtBob} so far)`, 120000);
    // Exactly the cap, still unfinished: taken, no error, the connection stands.
    expect(errors).to.deep.equal([]);
    expect(old.closed).to.equal(false);
    send(new Uint8Array([FrameKind.sync | 0x80, 0]));
    await rebuilt(bob, mallory, old);
    const tooLarge = errors.find((e) => e.message === `Peer ${old.id} sent a malformed frame`);
    expect(tooLarge, 'the oversized message reported').to.exist;
    expect((tooLarge!.cause as Error).message).to.equal('message too large');
    await syncs('after 32 MiB of junk');
  });

  it('drops a text frame on the file channel with an error (files still arrive); cuts off a cut-short file message, and the document keeps syncing', async () => {
    const { bob, mallory, errors, raw, syncs, bobsPeer } = await pair();
    const peer = bobsPeer()!;
    const filesB = FileTransfers.for(bob);
    filesB.events.on('offer', (r) => void filesB.accept(r));
    const fileErrors: ParleyError[] = [];
    filesB.events.on('error', (e) => fileErrors.push(e));
    const received: FileReceiver[] = [];
    filesB.events.on('received', (r) => received.push(r));
    raw('parley-files').send('{"t":"offer"}');
    // A file offered after the text frame, on the same channel, still arrives.
    FileTransfers.for(mallory).offer(new File(['still here'], 'after-text.txt'), bob.id);
    await waitFor(() => received.length === 1, 'the file sent after the text frame');
    expect(await received[0].file!.text()).to.equal('still here');
    expect(errors.map((e) => `${e.code}: ${e.message}`)).to.deep.equal([`file: Peer ${peer.id} sent a text frame on the file channel; dropped`]);
    expect(fileErrors).to.deep.equal([]);
    // A chunk message too short to hold its header: malformed, Mallory is cut off from files.
    raw('parley-files').send(new Uint8Array([2, 1, 2, 3]));
    await syncs('after a cut-short chunk');
    await waitFor(() => fileErrors.length === 1, 'the cut-off reported');
    expect(fileErrors[0].message).to.equal(`Stopped file transfers with Mallory: the peer sent a malformed file message`);
    expect(bobsPeer()).to.equal(peer);
    expect(peer.closed).to.equal(false);
  });
});
