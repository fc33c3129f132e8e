// The receiving side of one file from one peer. Chunks must arrive in the order the
// receiver asked for them (sequentially from the last `accept`, plus chunks it asked to
// have resent); each is hashed and written at its offset, and the file is only handed out
// once every chunk and the whole-file hash check out. A peer that breaks the protocol is
// reported to the caller, which cuts it off.
import {
  HASH_BYTES,
  LEGACY_RECEIVE_WINDOW,
  RECEIVE_WINDOW_BYTES,
  TransferRate,
  chunkCount,
  chunkLength,
  encodeControl,
  equalBytes,
  rootHash,
  sha256,
  type Control,
} from './protocol.js';
import { openFileStore, type FileStore } from './store.js';
import type { FileLink } from './sender.js';
import { concat } from '../net/frames.js';

/** Acknowledge processed chunks this often (the sender's window moves on acks). */
export const ACK_EVERY = 4;
/** A chunk that fails its hash this many times ends the transfer. */
export const MAX_RETRIES = 3;
/** The type every received file is stored with, whatever the sender said. */
export const SAVED_TYPE = 'application/octet-stream';
/** Verified chunks are written to storage in runs of about this many bytes. */
const WRITE_BYTES = 1024 * 1024;

export type Offer = Extract<Control, { t: 'offer' }>;
export type ReceiverState = 'offered' | 'receiving' | 'waiting' | 'done' | 'declined' | 'refused' | 'cancelled' | 'failed';

export interface ReceiverHooks {
  change(): void;
  /** Something worth telling the user (a corrupted chunk, a failed transfer). */
  report(message: string): void;
  received(receiver: FileReceiver): void;
}

export class FileReceiver {
  readonly direction = 'receive';
  readonly chunks: number;
  readonly rate: TransferRate;
  state: ReceiverState = 'offered';
  reason = '';
  /** The verified file, once `state` is 'done'. */
  file: Blob | null = null;
  /** Chunks that failed their hash and were asked for again. */
  corrupted = 0;

  #store: FileStore | null = null;
  /** Each chunk's hash and whether it is verified: allocated on accept, never for an offer only looked at. */
  #hashesOrNull: Uint8Array<ArrayBuffer> | null = null;
  #verifiedOrNull: Uint8Array | null = null;
  #verifiedCount = 0;
  #firstMissing = 0;
  #cursor = 0;
  #requested = new Set<number>();
  #retries = new Map<number, number>();
  #processed = 0;
  #pending = 0;
  /** Unprocessed chunks we take from the sender (said in every accept). */
  readonly #window: number;
  /** Bumped on every (re)accept: chunks that arrived before it neither count for acks nor flow control. */
  #epoch = 0;
  #root: string | null = null;
  #queue: Promise<void> = Promise.resolve();
  /** Verified chunks not yet written, all consecutive from `first`. */
  #run: { first: number; parts: Uint8Array[]; hashes: Uint8Array[]; bytes: number } | null = null;

  constructor(
    readonly peerId: string,
    readonly offer: Offer,
    readonly link: FileLink,
    readonly hooks: ReceiverHooks,
  ) {
    this.chunks = chunkCount(offer.size, offer.chunkSize);
    this.rate = new TransferRate(offer.size);
    this.#window = Math.max(LEGACY_RECEIVE_WINDOW, Math.floor(RECEIVE_WINDOW_BYTES / offer.chunkSize));
  }

  get id(): string {
    return this.offer.id;
  }

  get #hashes(): Uint8Array<ArrayBuffer> {
    return (this.#hashesOrNull ??= new Uint8Array(this.chunks * HASH_BYTES));
  }

  get #verified(): Uint8Array {
    return (this.#verifiedOrNull ??= new Uint8Array(this.chunks));
  }
  get name(): string {
    return this.offer.name;
  }
  get size(): number {
    return this.offer.size;
  }
  get active(): boolean {
    return this.state === 'offered' || this.state === 'receiving' || this.state === 'waiting';
  }
  /** Where the file is being written: 'disk' (OPFS) or 'memory'. */
  get storage(): FileStore['kind'] | null {
    return this.#store?.kind ?? null;
  }

  /** Accepts the offer: opens storage and asks for the first chunk. */
  async accept(disk = true): Promise<void> {
    if (this.state !== 'offered') return;
    this.state = 'receiving';
    this.#store = await openFileStore(`${this.peerId.slice(0, 12)}-${this.id}`, disk);
    if (this.state !== 'receiving') return void this.#store.discard();
    this.#requestFrom();
    this.hooks.change();
  }

  decline(reason = 'declined'): void {
    if (this.state !== 'offered') return;
    this.link.send(encodeControl({ t: 'decline', id: this.id, reason }));
    this.state = reason === 'declined' ? 'declined' : 'refused';
    this.reason = reason;
    this.hooks.change();
  }

  /** The channel to the sender (re)opened: continue from the first chunk we lack. */
  resume(): void {
    if (this.state !== 'waiting' && this.state !== 'receiving') return;
    this.state = 'receiving';
    if (this.#store) this.#requestFrom();
    this.hooks.change();
  }

  disconnected(): void {
    if (this.state !== 'receiving') return;
    this.state = 'waiting';
    this.hooks.change();
  }

  cancel(reason = 'cancelled by the receiver'): void {
    if (!this.active) return;
    this.link.send(encodeControl({ t: 'cancel', id: this.id, reason }));
    this.#end('cancelled', reason);
  }

  /** Stops without telling the sender (it cancelled, or was cut off). */
  abort(state: 'cancelled' | 'failed', reason: string): void {
    if (this.active) this.#end(state, reason);
  }

  /** Frees the saved file (OPFS) once the page no longer needs it. */
  async dismiss(): Promise<void> {
    this.file = null;
    await this.#store?.discard();
  }

  /** Takes one chunk. Returns why the peer must be cut off, or null. */
  chunk(index: number, hash: Uint8Array, data: Uint8Array): string | null {
    if (this.state === 'offered') return 'sent a chunk before the offer was accepted';
    if (this.state !== 'receiving') return null; // in flight when we stopped: harmless
    if (index >= this.chunks) return `sent chunk ${index} of a ${this.chunks}-chunk file`;
    if (index === this.#cursor) this.#cursor++;
    else if (!this.#requested.delete(index)) return `sent chunk ${index} out of order`;
    if (data.length !== chunkLength(this.size, this.offer.chunkSize, index)) return `sent chunk ${index} with the wrong length`;
    // The sender keeps at most `window` unacknowledged; twice that leaves room for acks in flight.
    if (this.#pending >= this.#window * 2) return 'ignored flow control';
    this.#pending++;
    const epoch = this.#epoch;
    const expected = hash.slice();
    const hashing = sha256(data as Uint8Array<ArrayBuffer>); // starts now: hashes run in parallel
    this.#queue = this.#queue
      .then(() => this.#process(index, expected, hashing, data, epoch))
      .catch(this.#writeFailed)
      .finally(() => epoch === this.#epoch && this.#pending--);
    return null;
  }

  /** The sender has sent every chunk; `sha` is its whole-file hash. */
  done(sha: string): void {
    if (this.state !== 'receiving' && this.state !== 'waiting') return;
    this.#root = sha;
    this.#queue = this.#queue.then(() => this.#finish()).catch(this.#writeFailed);
  }

  #writeFailed = (cause: unknown) => {
    // Disk full, storage revoked, or the store was discarded while a write was pending.
    if (this.active) this.cancel(`could not save the file (${(cause as Error)?.name ?? 'error'})`);
  };

  async #process(
    index: number,
    expected: Uint8Array,
    hashing: Promise<Uint8Array<ArrayBuffer>>,
    data: Uint8Array,
    epoch: number,
  ): Promise<void> {
    const actual = await hashing;
    if (this.state !== 'receiving' || !this.#store) return;
    // Acks count what arrived since the last accept: the sender's window restarted there.
    // Every ACK_EVERY chunks, and whenever nothing else is queued here: a sender whose
    // window has shrunk below ACK_EVERY must not wait for an ack that never comes.
    if (epoch === this.#epoch && (++this.#processed % ACK_EVERY === 0 || this.#pending === 1)) {
      this.link.send(encodeControl({ t: 'ack', id: this.id, n: this.#processed }));
    }
    const run = this.#run;
    if (this.#verified[index] || (run && index >= run.first && index < run.first + run.parts.length)) return;
    if (!equalBytes(actual, expected)) {
      const retries = (this.#retries.get(index) ?? 0) + 1;
      this.#retries.set(index, retries);
      this.corrupted++;
      if (retries > MAX_RETRIES) return this.cancel(`chunk ${index} failed its hash ${retries} times`);
      this.hooks.report(`Chunk ${index} of “${this.name}” arrived corrupted; asked for it again`);
      this.#requested.add(index);
      this.link.send(encodeControl({ t: 'resend', id: this.id, index }));
      return;
    }
    // Consecutive chunks are written together: one write per WRITE_BYTES, not per chunk.
    if (run && run.first + run.parts.length !== index) await this.#flush();
    const next = (this.#run ??= { first: index, parts: [], hashes: [], bytes: 0 });
    next.parts.push(data);
    next.hashes.push(actual);
    next.bytes += data.length;
    if (next.bytes >= WRITE_BYTES || this.#pending <= 1) await this.#flush();
  }

  /** Writes the staged run of chunks; only then do they count as verified (resume starts after them). */
  async #flush(): Promise<void> {
    const run = this.#run;
    if (!run || !this.#store) return;
    this.#run = null;
    await this.#store.write(run.first * this.offer.chunkSize, concat(run.parts, run.bytes));
    if (this.state !== 'receiving') return;
    run.hashes.forEach((hash, i) => {
      const index = run.first + i;
      if (this.#verified[index]) return;
      this.#verified[index] = 1;
      this.#hashes.set(hash, index * HASH_BYTES);
      this.#verifiedCount++;
    });
    while (this.#firstMissing < this.chunks && this.#verified[this.#firstMissing]) this.#firstMissing++;
    this.rate.update(Math.min(this.size, this.#verifiedCount * this.offer.chunkSize));
    this.hooks.change();
    if (this.#verifiedCount === this.chunks) await this.#finish();
  }

  async #finish(): Promise<void> {
    if (this.state !== 'receiving' || !this.#store || this.#verifiedCount !== this.chunks || !this.#root) return;
    const store = this.#store;
    if ((await rootHash(this.#hashes)) !== this.#root) return this.cancel('the whole-file hash does not match');
    // Stored as bytes, never as the type the sender announced: an HTML file opened from
    // here would run with this page's origin.
    const file = await store.finish(SAVED_TYPE);
    if (this.state !== 'receiving') return;
    this.file = file;
    this.state = 'done';
    this.rate.update(this.size);
    this.link.send(encodeControl({ t: 'complete', id: this.id }));
    this.hooks.change();
    this.hooks.received(this);
  }

  #requestFrom(): void {
    this.rate.restart(Math.min(this.size, this.#verifiedCount * this.offer.chunkSize));
    this.#cursor = this.#firstMissing;
    this.#requested.clear();
    this.#processed = this.#pending = 0;
    this.#epoch++;
    this.link.send(encodeControl({ t: 'accept', id: this.id, from: this.#firstMissing, window: this.#window }));
  }

  #end(state: 'cancelled' | 'failed', reason: string): void {
    this.state = state;
    this.reason = reason;
    void this.#store?.discard();
    if (state === 'failed' || /hash|save/.test(reason)) this.hooks.report(`Receiving “${this.name}” stopped: ${reason}`);
    this.hooks.change();
  }
}
