// Wire format of the file channel (negotiated data channel `parley-files`, id 1). Every
// message is one data-channel message, either
//   control: [0x01][UTF-8 JSON object, see Control]
//   chunk:   [0x02][transfer id: 8 bytes][index: u32 BE][SHA-256 of data: 32 bytes][data]
// Decoding is strict: anything that does not match exactly is null, and the caller cuts
// the peer off. Prose spec: docs/protocol.md, "4. File transfer".
import { randomHex, toHex } from '../hex.js';

export const MessageType = { control: 1, chunk: 2 } as const;

export const ID_BYTES = 8;
export const HASH_BYTES = 32;
export const CHUNK_HEADER_BYTES = 1 + ID_BYTES + 4 + HASH_BYTES;
/** Chunk payloads the receiver accepts; the sender picks within this by the remote's limit. */
export const MIN_CHUNK_BYTES = 1024;
export const MAX_CHUNK_BYTES = 256 * 1024;
/** Preferred chunk payload: the size all browsers interoperate on; small, so an edit on the
 * sync channel never waits long behind a file message. */
export const PREFERRED_CHUNK_BYTES = 16 * 1024;
/** Unprocessed chunks a receiver that does not say `window` in its accept takes (twice the old fixed window). */
export const LEGACY_RECEIVE_WINDOW = 32;
/** Bytes of unprocessed chunks a receiver takes: its `window` is this in chunks, and never below the legacy one. */
export const RECEIVE_WINDOW_BYTES = 2 * 1024 * 1024;
/** A control message is small; anything larger is junk. */
export const MAX_CONTROL_BYTES = 4096;
export const MAX_NAME_LENGTH = 1024;
/** Largest size an offer may announce at all (the receiver's own limit is usually lower). */
export const MAX_ANNOUNCED_BYTES = 2 ** 46;

export type Control =
  /** Sender → receiver: a file on offer. */
  | { t: 'offer'; id: string; name: string; size: number; mime: string; chunkSize: number }
  /**
   * Receiver → sender: send chunks from `from` on (0 at first, the first missing chunk on
   * resume), with at most `window` of them unprocessed here (absent: LEGACY_RECEIVE_WINDOW).
   */
  | { t: 'accept'; id: string; from: number; window?: number }
  | { t: 'decline'; id: string; reason: string }
  /** Receiver → sender: `n` chunk messages processed since the last accept (flow control). */
  | { t: 'ack'; id: string; n: number }
  /** Receiver → sender: chunk `index` failed its hash; send it again. */
  | { t: 'resend'; id: string; index: number }
  /** Sender → receiver: all chunks sent; SHA-256 over the concatenated chunk hashes. */
  | { t: 'done'; id: string; sha256: string }
  /** Receiver → sender: verified and saved. */
  | { t: 'complete'; id: string }
  /** Either side: stop and forget this transfer. */
  | { t: 'cancel'; id: string; reason: string };

export interface Chunk {
  id: string;
  index: number;
  hash: Uint8Array;
  data: Uint8Array;
}

export type Decoded = { type: 'control'; control: Control } | ({ type: 'chunk' } & Chunk);

const ID = /^[0-9a-f]{16}$/;
const SHA = /^[0-9a-f]{64}$/;
const isIndex = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const isText = (v: unknown, max: number): v is string => typeof v === 'string' && v.length <= max;

export function newTransferId(): string {
  return randomHex(ID_BYTES);
}

export function chunkCount(size: number, chunkSize: number): number {
  return Math.ceil(size / chunkSize);
}

/** Payload length chunk `index` must have. */
export function chunkLength(size: number, chunkSize: number, index: number): number {
  return Math.min(chunkSize, size - index * chunkSize);
}

export function encodeControl(control: Control): Uint8Array<ArrayBuffer> {
  const json = new TextEncoder().encode(JSON.stringify(control));
  const out = new Uint8Array(1 + json.length);
  out[0] = MessageType.control;
  out.set(json, 1);
  return out;
}

export function encodeChunk(id: string, index: number, hash: Uint8Array, data: Uint8Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(CHUNK_HEADER_BYTES + data.length);
  out[0] = MessageType.chunk;
  out.set(fromHex(id), 1);
  new DataView(out.buffer).setUint32(1 + ID_BYTES, index);
  out.set(hash, 1 + ID_BYTES + 4);
  out.set(data, CHUNK_HEADER_BYTES);
  return out;
}

/** Decodes one file-channel message; null for anything malformed. */
export function decodeMessage(bytes: Uint8Array): Decoded | null {
  if (bytes.length < 1) return null;
  if (bytes[0] === MessageType.chunk) {
    if (bytes.length < CHUNK_HEADER_BYTES || bytes.length > CHUNK_HEADER_BYTES + MAX_CHUNK_BYTES) return null;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return {
      type: 'chunk',
      id: toHex(bytes.subarray(1, 1 + ID_BYTES)),
      index: view.getUint32(1 + ID_BYTES),
      hash: bytes.subarray(1 + ID_BYTES + 4, CHUNK_HEADER_BYTES),
      data: bytes.subarray(CHUNK_HEADER_BYTES),
    };
  }
  if (bytes[0] !== MessageType.control || bytes.length > 1 + MAX_CONTROL_BYTES) return null;
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(1)));
  } catch {
    return null;
  }
  const control = parseControl(value);
  return control ? { type: 'control', control } : null;
}

function parseControl(value: unknown): Control | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const m = value as Record<string, unknown>;
  if (typeof m.id !== 'string' || !ID.test(m.id)) return null;
  const id = m.id;
  switch (m.t) {
    case 'offer':
      if (!isText(m.name, MAX_NAME_LENGTH) || !isText(m.mime, 255)) return null;
      if (!isIndex(m.size) || m.size > MAX_ANNOUNCED_BYTES) return null;
      if (!isIndex(m.chunkSize) || m.chunkSize < MIN_CHUNK_BYTES || m.chunkSize > MAX_CHUNK_BYTES) return null;
      if (chunkCount(m.size, m.chunkSize) > 0xffffffff) return null;
      return { t: 'offer', id, name: m.name, size: m.size, mime: m.mime, chunkSize: m.chunkSize };
    case 'accept':
      if (!isIndex(m.from)) return null;
      if (m.window === undefined) return { t: 'accept', id, from: m.from };
      return isIndex(m.window) && m.window >= 1 ? { t: 'accept', id, from: m.from, window: m.window } : null;
    case 'ack':
      return isIndex(m.n) ? { t: 'ack', id, n: m.n } : null;
    case 'resend':
      return isIndex(m.index) ? { t: 'resend', id, index: m.index } : null;
    case 'done':
      return typeof m.sha256 === 'string' && SHA.test(m.sha256) ? { t: 'done', id, sha256: m.sha256 } : null;
    case 'complete':
      return { t: 'complete', id };
    case 'decline':
    case 'cancel':
      return isText(m.reason, 200) ? { t: m.t, id, reason: m.reason } : null;
    default:
      return null;
  }
}

export async function sha256(data: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', data));
}

/** The whole-file hash: SHA-256 over the chunk hashes in order (computable while streaming). */
export async function rootHash(hashes: Uint8Array<ArrayBuffer>): Promise<string> {
  return toHex(await sha256(hashes));
}

function fromHex(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Progress of one transfer: bytes done, speed and time left. */
export class TransferRate {
  bytes = 0;
  /** Bytes per second since the transfer (re)started. */
  speed = 0;
  #start = 0;
  #from = 0;

  constructor(readonly size: number) {}

  /** Starts timing anew from `bytes` (at accept and at resume). */
  restart(bytes: number): void {
    this.bytes = this.#from = bytes;
    this.#start = performance.now();
    this.speed = 0;
  }

  update(bytes: number): void {
    this.bytes = bytes;
    const seconds = (performance.now() - this.#start) / 1000;
    if (seconds > 0.2) this.speed = (bytes - this.#from) / seconds;
  }

  /** Seconds left at the current speed; Infinity when unknown. */
  get remaining(): number {
    return this.speed > 0 ? (this.size - this.bytes) / this.speed : Infinity;
  }
}

/** A name safe to save under: no path parts, control or reserved characters. Display the original. */
export function sanitizeFileName(name: string): string {
  const cleaned = name
    .replace(/[\u0000-\u001f\u007f-\u009f<>:"/\\|?*\u202a-\u202e\u2066-\u2069]/g, '_')
    .replace(/^[\s.]+|[\s.]+$/g, '')
    .slice(0, 200);
  return !cleaned || /^(con|prn|aux|nul|com\d|lpt\d)(\.|$)/i.test(cleaned) ? `download${cleaned ? `-${cleaned}` : ''}` : cleaned;
}
