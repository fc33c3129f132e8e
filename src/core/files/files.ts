// Peer-to-peer file transfer for a session: offers files to everyone (or one peer),
// receives offers, and routes the file channel's messages (see protocol.ts) to the
// FileSender / FileReceiver they belong to. One FileTransfers per session: FileTransfers.for()
// (a session feature, disposed with the session).
// A peer that sends junk, out-of-range or unasked-for chunks is cut off: its transfers end,
// what they wrote is deleted, and it is ignored from then on.
import { createNanoEvents } from 'nanoevents';
import { ParleyError } from '../errors.js';
import { decodeMessage, encodeControl, type Control } from './protocol.js';
import { FileSender, type FileLink } from './sender.js';
import { FileReceiver } from './receiver.js';
import type { Peer } from '../net/peer.js';
import type { Session } from '../session/session.js';

/** Offers larger than this are refused unless `maxBytes` is raised. */
export const DEFAULT_MAX_FILE_BYTES = 100 * 1024 * 1024;
/** Offers from one peer waiting for an answer; more are declined (each is listed to the person). */
export const MAX_PENDING_OFFERS = 20;
/** Progress `change` events come at most this often. */
const CHANGE_INTERVAL_MS = 100;

export type FileTransfer = FileSender | FileReceiver;

export interface FileTransferEvents {
  /** Transfers or their progress changed (throttled). */
  change: () => void;
  /** A peer offers a file: accept() or decline() it. */
  offer: (receiver: FileReceiver) => void;
  /** A file arrived and checked out; `receiver.file` holds it. */
  received: (receiver: FileReceiver) => void;
  error: (error: ParleyError) => void;
}

export class FileTransfers {
  readonly events = createNanoEvents<FileTransferEvents>();
  /** Largest file accepted from a peer, in bytes. */
  maxBytes = DEFAULT_MAX_FILE_BYTES;
  /** Peers whose offers over MAX_PENDING_OFFERS were reported (once per flood). */
  readonly #flooding = new Set<string>();
  /** Write received files to the Origin Private File System when available. */
  useDisk = true;

  readonly #senders = new Map<string, FileSender>();
  readonly #receivers = new Map<string, FileReceiver>();
  readonly #blocked = new Set<string>();
  readonly #links = new Map<string, FileLink>();
  /** Files offered to everyone: offered as well to whoever connects later. */
  readonly #forEveryone = new Set<Blob & { name?: string }>();
  #changeTimer: ReturnType<typeof setTimeout> | undefined;

  /** The session's file transfers (created on first use). */
  static for(session: Session): FileTransfers {
    return session.feature(createFileTransfers);
  }

  readonly #offPeer: () => void;

  private constructor(readonly session: Session) {
    // Lives as long as the session: a destroyed session closes its peers, which stops transfers.
    this.#offPeer = session.events.on('peer', (peer) => this.#attach(peer));
    for (const peer of session.peers.values()) this.#attach(peer);
  }

  /** The session ended: no more peers to follow, no more change events. */
  dispose(): void {
    this.#offPeer();
    clearTimeout(this.#changeTimer);
  }

  /** One per session: see for(). */
  static create(session: Session): FileTransfers {
    return new FileTransfers(session);
  }

  /** Every transfer, oldest first. */
  list(): FileTransfer[] {
    return [...this.#senders.values(), ...this.#receivers.values()];
  }

  /**
   * Offers a file to one peer, or to everyone: every connected peer, and whoever connects
   * later in this session. Returns one sender per peer offered to now.
   */
  offer(file: Blob & { name?: string }, to?: string): FileSender[] {
    if (!to) this.#forEveryone.add(file);
    const peers = to ? [to] : [...this.session.peers.values()].filter((p) => !p.closed).map((p) => p.id);
    return peers.map((peerId) => this.#offerTo(file, peerId));
  }

  #offerTo(file: Blob & { name?: string }, peerId: string): FileSender {
    const sender = new FileSender(file, peerId, this.#link(peerId), this.#changed);
    this.#senders.set(sender.id, sender);
    sender.offer();
    this.#changed();
    return sender;
  }

  /** Takes a transfer that is over off the list; a received file's disk space is freed. */
  remove(transfer: FileTransfer): void {
    if (transfer.active) return;
    if (transfer.direction === 'send') {
      this.#senders.delete(transfer.id);
      this.#forEveryone.delete(transfer.file); // removed: not offered to later arrivals either
    } else {
      this.#receivers.delete(`${transfer.peerId}/${transfer.id}`);
      void transfer.dismiss();
    }
    this.#changed();
  }

  accept(receiver: FileReceiver): Promise<void> {
    return receiver.accept(this.useDisk);
  }

  #link(peerId: string): FileLink {
    let link = this.#links.get(peerId);
    if (!link) {
      const peer = () => this.session.peers.get(peerId);
      link = {
        send: (message) => peer()?.sendFiles(message) ?? false,
        buffered: () => peer()?.filesBuffered ?? 0,
        maxMessageSize: () => peer()?.maxMessageSize ?? 16 * 1024,
      };
      this.#links.set(peerId, link);
    }
    return link;
  }

  #attach(peer: Peer): void {
    const id = peer.id;
    const mine = <T extends FileTransfer>(map: Map<string, T>) => [...map.values()].filter((t) => t.peerId === id);
    peer.events.on('files', (bytes) => this.#receive(id, bytes));
    peer.events.on('files-drain', () => mine(this.#senders).forEach((s) => s.drained()));
    peer.events.on('files-open', () => {
      const offered = mine(this.#senders);
      offered.forEach((s) => s.offer());
      mine(this.#receivers).forEach((r) => r.resume());
      for (const file of this.#forEveryone) if (!offered.some((s) => s.file === file)) this.#offerTo(file, id);
    });
    // The channel closed (and is being opened again), or the whole connection: pause.
    const paused = () => {
      mine(this.#senders).forEach((s) => s.disconnected());
      mine(this.#receivers).forEach((r) => r.disconnected());
    };
    peer.events.on('files-closed', paused);
    peer.events.on('closed', paused);
  }

  #receive(peerId: string, bytes: Uint8Array): void {
    if (this.#blocked.has(peerId)) return;
    const message = decodeMessage(bytes);
    if (!message) return this.#cutOff(peerId, 'sent a malformed file message');
    if (message.type === 'chunk') {
      const receiver = this.#receivers.get(`${peerId}/${message.id}`);
      const problem = receiver ? receiver.chunk(message.index, message.hash, message.data) : 'sent a chunk for an unknown file';
      if (problem) this.#cutOff(peerId, problem);
      return;
    }
    const control = message.control;
    if (control.t === 'offer') return this.#onOffer(peerId, control);
    if (control.t === 'done' || (control.t === 'cancel' && this.#receivers.has(`${peerId}/${control.id}`))) {
      const receiver = this.#receivers.get(`${peerId}/${control.id}`);
      if (!receiver) return;
      if (control.t === 'done') receiver.done(control.sha256);
      else receiver.abort('cancelled', control.reason);
      return;
    }
    const sender = this.#senders.get(control.id);
    // Only the peer a file was offered to may steer its transfer.
    if (sender?.peerId === peerId) sender.receive(control);
  }

  #onOffer(peerId: string, offer: Extract<Control, { t: 'offer' }>): void {
    const key = `${peerId}/${offer.id}`;
    if (this.#receivers.has(key)) return; // re-sent after a reconnect
    const pending = [...this.#receivers.values()].filter((r) => r.peerId === peerId && r.state === 'offered').length;
    if (pending >= MAX_PENDING_OFFERS) {
      this.#link(peerId).send(encodeControl({ t: 'decline', id: offer.id, reason: 'too many offers waiting' }));
      if (!this.#flooding.has(peerId)) this.#error(`${this.#name(peerId)} offered more than ${MAX_PENDING_OFFERS} files at once; declined the rest.`);
      this.#flooding.add(peerId);
      return;
    }
    this.#flooding.delete(peerId);
    const receiver = new FileReceiver(peerId, offer, this.#link(peerId), {
      change: this.#changed,
      report: (message) => this.#error(message),
      received: (r) => this.events.emit('received', r),
    });
    this.#receivers.set(key, receiver);
    if (offer.size > this.maxBytes) {
      receiver.decline(`too large: the limit is ${formatBytes(this.maxBytes)}`);
    } else {
      this.events.emit('offer', receiver);
    }
    this.#changed();
  }

  #cutOff(peerId: string, problem: string): void {
    this.#blocked.add(peerId);
    for (const receiver of this.#receivers.values()) {
      if (receiver.peerId !== peerId || !receiver.active) continue;
      this.#link(peerId).send(encodeControl({ t: 'cancel', id: receiver.id, reason: 'protocol error' }));
      receiver.abort('failed', `the sender ${problem}`);
    }
    for (const sender of this.#senders.values()) if (sender.peerId === peerId) sender.cancel('protocol error');
    this.#error(`Stopped file transfers with ${this.#name(peerId)}: the peer ${problem}`);
    this.#changed();
  }

  #name(peerId: string): string {
    return this.session.participant(peerId)?.name || peerId.slice(0, 8);
  }

  #error(message: string): void {
    this.events.emit('error', new ParleyError('file', message));
  }

  #changed = () => {
    if (this.#changeTimer) return;
    this.#changeTimer = setTimeout(() => {
      this.#changeTimer = undefined;
      this.events.emit('change');
    }, CHANGE_INTERVAL_MS);
  };
}

const createFileTransfers = (session: Session) => FileTransfers.create(session);

export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value >= 10 || unit === 0 ? Math.round(value) : value.toFixed(1)} ${units[unit]}`;
}
