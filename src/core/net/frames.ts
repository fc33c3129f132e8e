// Framing for a peer's data channel. Every data-channel message is
//   [header: u8][payload bytes]
// where the header's low 7 bits name the kind of message and its high bit says "more
// chunks of this message follow". Messages larger than CHUNK_BYTES are split so no single
// send exceeds what every browser's SCTP stack accepts. The channel is ordered and
// reliable, so reassembly is plain concatenation. See docs/protocol.md.

/** Largest payload per data-channel message: the limit all browsers interoperate on. */
export const CHUNK_BYTES = 16 * 1024;
/** A reassembled message larger than this is hostile or broken: drop it. */
export const MAX_MESSAGE_BYTES = 32 * 1024 * 1024;

export const FrameKind = {
  /** y-protocols message (sync or awareness), see sync.ts. */
  sync: 0,
  /** JSON perfect-negotiation signal, once the channel is open. */
  signal: 1,
  /** Heartbeat: "I am here" (empty payload), from each side every HEARTBEAT_MS. */
  ping: 2,
  /** Heartbeat answer (empty payload) from older versions; ignored. */
  pong: 3,
} as const;
export type FrameKind = (typeof FrameKind)[keyof typeof FrameKind];

const MORE = 0x80;

/** Splits one message into the data-channel messages that carry it. */
export function encodeFrames(kind: FrameKind, payload: Uint8Array): Uint8Array<ArrayBuffer>[] {
  const frames: Uint8Array<ArrayBuffer>[] = [];
  let offset = 0;
  do {
    const end = Math.min(payload.length, offset + CHUNK_BYTES);
    const frame = new Uint8Array(1 + end - offset);
    frame[0] = kind | (end < payload.length ? MORE : 0);
    frame.set(payload.subarray(offset, end), 1);
    frames.push(frame);
    offset = end;
  } while (offset < payload.length);
  return frames;
}

/** Reassembles frames from one channel; throws on input that cannot be a valid stream. */
export class FrameAssembler {
  #kind = -1;
  #parts: Uint8Array[] = [];
  #size = 0;

  /** Returns the complete message once its last frame arrives, else null. */
  push(frame: Uint8Array): { kind: FrameKind; payload: Uint8Array } | null {
    if (frame.length < 1) throw new Error('empty frame');
    const kind = frame[0] & ~MORE;
    if (kind > FrameKind.pong) throw new Error(`unknown frame kind ${kind}`);
    if (this.#kind !== -1 && kind !== this.#kind) throw new Error('frame kind changed inside a message');
    this.#size += frame.length - 1;
    if (this.#size > MAX_MESSAGE_BYTES) throw new Error('message too large');
    this.#kind = kind;
    this.#parts.push(frame.subarray(1));
    if (frame[0] & MORE) return null;
    const payload = concat(this.#parts, this.#size);
    this.#kind = -1;
    this.#parts = [];
    this.#size = 0;
    return { kind: kind as FrameKind, payload };
  }
}

/** Joins byte arrays (returns the only one as is). */
export function concat(parts: Uint8Array[], size = parts.reduce((n, p) => n + p.length, 0)): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(size);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
