// Room messages sealed with the room password: AES-GCM under a key derived from the
// password and the room name (PBKDF2, WebCrypto). The relay forwards `{ sealed }` and can
// neither read what is inside (SDP, ICE candidates, who says hello to whom) nor write
// anything a member opens. Each sealed message carries its sender's sequence number, so a
// recorded message played back later (a replayed `bye`) is refused too.
import { fromBase64, toBase64 } from 'lib0/buffer';
/** PBKDF2 rounds: derived once per session, off the join's critical path. */
export const KEY_ITERATIONS = 100_000;
/** Largest sealed message opened (base64 characters): SDP with every m-line fits easily. */
export const MAX_SEALED_CHARS = 64 * 1024;
const IV_BYTES = 12;

export interface Sealed {
  sealed: string;
}

export function isSealed(value: unknown): value is Sealed {
  return typeof value === 'object' && value !== null && typeof (value as Sealed).sealed === 'string';
}

/** Derives the room's key. Everyone with the same password and room name gets the same one. */
export function roomKey(password: string, room: string): Promise<CryptoKey> {
  return passwordKey(password, `parley-room:${room}`, 256);
}

/** An AES-GCM key from a password (PBKDF2 over SHA-256, KEY_ITERATIONS rounds), not extractable. */
export async function passwordKey(password: string, salt: string, bits: 128 | 256): Promise<CryptoKey> {
  const text = new TextEncoder();
  const material = await crypto.subtle.importKey('raw', text.encode(password), 'PBKDF2', false, ['deriveKey']);
  return crypto.subtle.deriveKey(
    { name: 'PBKDF2', salt: text.encode(salt), iterations: KEY_ITERATIONS, hash: 'SHA-256' },
    material,
    { name: 'AES-GCM', length: bits },
    false,
    ['encrypt', 'decrypt'],
  );
}

/**
 * Seals and opens one room's messages, in order: WebCrypto settles its promises in no
 * promised order, and signals (an offer, then its candidates) must not overtake each other.
 */
export class RoomSeal {
  readonly #key: Promise<CryptoKey>;
  #sending: Promise<unknown> = Promise.resolve();
  #receiving: Promise<unknown> = Promise.resolve();
  #seq = 0;
  /** Sender → the highest sequence number opened from it. */
  readonly #lastSeq = new Map<string, number>();

  constructor(password: string, room: string, key = roomKey(password, room)) {
    this.#key = key;
  }

  /** Seals a message; resolves in the order seal() was called. */
  seal(message: object): Promise<Sealed> {
    const body = JSON.stringify({ ...message, seq: ++this.#seq });
    const sealing = this.#sending.then(async () => {
      const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
      const cipher = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, await this.#key, new TextEncoder().encode(body)));
      const out = new Uint8Array(IV_BYTES + cipher.length);
      out.set(iv);
      out.set(cipher, IV_BYTES);
      return { sealed: toBase64(out) };
    });
    this.#sending = sealing.catch(() => {});
    return sealing;
  }

  /**
   * Opens a sealed message; resolves in the order open() was called. Rejects with a
   * SealError when it is not a sealed message, was sealed under another key (another
   * password), or replays one already opened.
   */
  open(data: unknown): Promise<Record<string, unknown>> {
    const opening = this.#receiving.then(async () => {
      if (!isSealed(data)) throw new SealError('unsealed');
      if (data.sealed.length > MAX_SEALED_CHARS) throw new SealError('too-big');
      let plain: ArrayBuffer;
      try {
        const bytes = fromBase64(data.sealed) as Uint8Array<ArrayBuffer>;
        plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: bytes.subarray(0, IV_BYTES) }, await this.#key, bytes.subarray(IV_BYTES));
      } catch {
        throw new SealError('wrong-key');
      }
      const message = JSON.parse(new TextDecoder().decode(plain)) as Record<string, unknown>;
      const { from, seq } = message;
      if (typeof from !== 'string' || typeof seq !== 'number') throw new SealError('malformed');
      if (seq <= (this.#lastSeq.get(from) ?? 0)) throw new SealError('replayed');
      this.#lastSeq.set(from, seq);
      return message;
    });
    this.#receiving = opening.catch(() => {});
    return opening;
  }
}

export type SealFailure = 'unsealed' | 'too-big' | 'wrong-key' | 'malformed' | 'replayed';

export class SealError extends Error {
  constructor(readonly reason: SealFailure) {
    super(`room message refused: ${reason}`);
    this.name = 'SealError';
  }
}
