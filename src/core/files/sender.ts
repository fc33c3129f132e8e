// The sending side of one file to one peer. Reads the file a chunk at a time, hashes each
// chunk, and keeps at most a window of unacknowledged chunks in flight (window.ts: up
// to WINDOW_CHUNKS on a short path, more on a long one, fewer when the path queues; never
// more than the receiver said it takes) and the channel's queue under
// SEND_HIGH_WATER: memory stays bounded whatever the file size. The receiver
// drives it: `accept` (re)starts from a chunk index, `resend` asks again for a bad chunk.
import {
  CHUNK_HEADER_BYTES,
  HASH_BYTES,
  LEGACY_RECEIVE_WINDOW,
  MAX_CHUNK_BYTES,
  MIN_CHUNK_BYTES,
  PREFERRED_CHUNK_BYTES,
  TransferRate,
  chunkCount,
  chunkLength,
  encodeChunk,
  encodeControl,
  newTransferId,
  rootHash,
  sha256,
  type Control,
} from './protocol.js';
import { DelayWindow, MAX_WINDOW_CHUNKS } from './window.js';

/**
 * Chunks sent but not yet acknowledged by the receiver, at most, on a short path. Small on
 * purpose: file data in flight is what an edit on the sync channel waits behind
 * (bench/files.mjs). A long path gets more (window.ts).
 */
export const WINDOW_CHUNKS = MAX_WINDOW_CHUNKS;
/** Stop handing chunks to the channel while more than this is queued in it. */
export const SEND_HIGH_WATER = 1024 * 1024;
/** Chunks read and hashed together. */
const BATCH_CHUNKS = 16;
/** Bytes read from the file at once. */
const READ_BYTES = 1024 * 1024;

/** How a transfer reaches its peer; looked up afresh each time, so it survives a reconnect. */
export interface FileLink {
  send(message: Uint8Array<ArrayBuffer>): boolean;
  buffered(): number;
  maxMessageSize(): number;
}

export type SenderState = 'offered' | 'sending' | 'waiting' | 'done' | 'declined' | 'cancelled' | 'failed';

export class FileSender {
  readonly direction = 'send';
  readonly id = newTransferId();
  readonly chunkSize: number;
  readonly chunks: number;
  readonly rate: TransferRate;
  state: SenderState = 'offered';
  /** Why it was declined, cancelled or failed. */
  reason = '';

  readonly #hashes: Uint8Array<ArrayBuffer>;
  readonly #hashed: Uint8Array;
  #next = 0;
  #from = 0;
  #resends: number[] = [];
  #sent = 0;
  #acked = 0;
  #generation = 0;
  #window = new DelayWindow(0);
  #running = false;
  #wake: (() => void) | null = null;
  readonly #blocks = new Map<number, Promise<Uint8Array<ArrayBuffer>>>();

  constructor(
    readonly file: Blob & { name?: string },
    readonly peerId: string,
    readonly link: FileLink,
    readonly onChange: () => void,
  ) {
    const fit = link.maxMessageSize() - CHUNK_HEADER_BYTES;
    this.chunkSize = Math.max(MIN_CHUNK_BYTES, Math.min(PREFERRED_CHUNK_BYTES, MAX_CHUNK_BYTES, fit));
    this.chunks = chunkCount(file.size, this.chunkSize);
    this.#hashes = new Uint8Array(this.chunks * HASH_BYTES);
    this.#hashed = new Uint8Array(this.chunks);
    this.rate = new TransferRate(file.size);
  }

  get name(): string {
    return this.file.name ?? 'file';
  }

  get active(): boolean {
    return this.state === 'offered' || this.state === 'sending' || this.state === 'waiting';
  }

  /** (Re)sends the offer, e.g. to a peer whose channel just opened. */
  offer(): void {
    if (this.state !== 'offered') return;
    this.link.send(
      encodeControl({ t: 'offer', id: this.id, name: this.name, size: this.file.size, mime: this.file.type.slice(0, 255), chunkSize: this.chunkSize }),
    );
  }

  /** Handles a control message the receiver sent about this transfer. */
  receive(control: Control): void {
    if (!this.active && control.t !== 'complete') return;
    switch (control.t) {
      case 'accept':
        if (control.from > this.chunks) return this.fail('The receiver asked for a chunk past the end');
        this.#generation++;
        this.#next = this.#from = control.from;
        this.#resends = [];
        this.#sent = this.#acked = 0;
        this.#window = new DelayWindow(performance.now(), control.window ?? LEGACY_RECEIVE_WINDOW);
        this.state = 'sending';
        this.rate.restart(Math.min(this.file.size, control.from * this.chunkSize));
        this.#pump();
        break;
      case 'ack':
        this.#window.acked(Math.min(control.n, this.#sent), performance.now());
        this.#acked = Math.min(control.n, this.#sent);
        this.rate.update(Math.min(this.file.size, (this.#from + this.#acked) * this.chunkSize));
        this.#wakeUp();
        break;
      case 'resend':
        if (control.index >= this.chunks) return this.fail('The receiver asked for a chunk past the end');
        this.#resends.push(control.index);
        this.#pump();
        break;
      case 'complete':
        if (this.state === 'done') return;
        this.state = 'done';
        this.rate.update(this.file.size);
        this.#stop();
        break;
      case 'decline':
      case 'cancel':
        this.state = control.t === 'decline' ? 'declined' : 'cancelled';
        this.reason = control.reason;
        this.#stop();
        break;
    }
    this.onChange();
  }

  /** The channel's queue drained: send more. */
  drained(): void {
    this.#wakeUp();
  }

  /** The connection dropped: wait for the receiver to accept again from where it is. */
  disconnected(): void {
    if (this.state !== 'sending') return;
    this.state = 'waiting';
    this.#stop();
    this.onChange();
  }

  cancel(reason = 'cancelled by the sender'): void {
    if (!this.active) return;
    this.link.send(encodeControl({ t: 'cancel', id: this.id, reason }));
    this.state = 'cancelled';
    this.reason = reason;
    this.#stop();
    this.onChange();
  }

  fail(reason: string): void {
    this.link.send(encodeControl({ t: 'cancel', id: this.id, reason }));
    this.state = 'failed';
    this.reason = reason;
    this.#stop();
  }

  #stop(): void {
    this.#generation++;
    this.#blocks.clear();
    this.#wakeUp();
  }

  #wakeUp(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }

  #pump(): void {
    if (this.#running) return this.#wakeUp();
    this.#running = true;
    const generation = this.#generation;
    void this.#run(generation).finally(() => {
      this.#running = false;
      // Re-accepted while the old loop was still awaiting a read: it has just quit, start anew.
      if (generation !== this.#generation && this.state === 'sending') this.#pump();
    });
  }

  async #run(generation: number): Promise<void> {
    const current = () => generation === this.#generation && this.state === 'sending';
    while (current()) {
      if (!this.#resends.length && this.#next >= this.chunks) {
        const sha = await rootHash(this.#hashes);
        if (current()) this.link.send(encodeControl({ t: 'done', id: this.id, sha256: sha }));
        return;
      }
      const room = Math.min(BATCH_CHUNKS, this.#window.size - (this.#sent - this.#acked));
      if (room <= 0 || this.link.buffered() > SEND_HIGH_WATER) {
        await new Promise<void>((resolve) => (this.#wake = resolve));
        continue;
      }
      // Read and hash a batch at once (WebCrypto hashes in parallel), then send in order.
      const batch: number[] = [];
      while (batch.length < room && (this.#resends.length || this.#next < this.chunks)) batch.push(this.#resends.shift() ?? this.#next++);
      const chunks = await Promise.all(
        batch.map(async (index) => {
          const data = await this.#read(index);
          return { index, data, hash: await sha256(data) };
        }),
      );
      for (const { index, data, hash } of chunks) {
        if (!current()) return;
        if (!this.#hashed[index]) {
          this.#hashes.set(hash, index * HASH_BYTES);
          this.#hashed[index] = 1;
        }
        if (!this.link.send(encodeChunk(this.id, index, hash, data))) return this.disconnected();
        this.#window.sent(this.#sent++, performance.now());
      }
    }
  }

  /** One blob read per block of chunks (each read is a round trip), the next block prefetched. */
  async #read(index: number): Promise<Uint8Array<ArrayBuffer>> {
    const per = Math.max(1, Math.floor(READ_BYTES / this.chunkSize));
    const block = Math.floor(index / per);
    const load = (b: number) => {
      if (this.#blocks.has(b) || b * per >= this.chunks) return;
      const start = b * per * this.chunkSize;
      this.#blocks.set(b, this.file.slice(start, start + per * this.chunkSize).arrayBuffer().then((buffer) => new Uint8Array(buffer)));
    };
    for (const b of this.#blocks.keys()) if (b < block) this.#blocks.delete(b);
    load(block);
    load(block + 1);
    const data = await this.#blocks.get(block)!;
    const offset = (index - block * per) * this.chunkSize;
    return data.subarray(offset, offset + chunkLength(this.file.size, this.chunkSize, index));
  }
}
