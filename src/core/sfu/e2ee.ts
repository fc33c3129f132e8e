// End-to-end encryption of media through the SFU: every encoded frame is sealed with
// AES-GCM under a key derived from the room password (PBKDF2, as the relay messages are,
// with another salt), before the packetizer, so Janus forwards only ciphertext. A frame
// keeps its first bytes in clear — the VP8 header (10 bytes of a key frame, 3 of a delta
// frame), 1 byte of an Opus frame — which Janus reads to tell key frames when it switches
// simulcast layers; they are authenticated as additional data. Layout of a sealed frame:
//   clear header | ciphertext + 16-byte tag | 12-byte IV
// A frame that does not open (another password, or none) is dropped: it never reaches the
// decoder. Two browser APIs carry it: RTCRtpScriptTransform (the standard one, in a worker;
// Firefox, newer Chromium) and Chromium's older createEncodedStreams (on this thread, with
// `encodedInsertableStreams: true` in the RTCPeerConnection's configuration).
import { passwordKey } from '../net/seal.js';

export type FrameOperation = 'encrypt' | 'decrypt';
export type FrameKind = 'audio' | 'video';

/** Derives the media key of a room. Everyone with the same password and room gets the same one. */
export function mediaKey(password: string, room: string): Promise<CryptoKey> {
  return passwordKey(password, `parley-media:${room}`, 128);
}

interface EncodedFrame {
  data: ArrayBuffer;
  type?: string;
}

/**
 * The transform of one sender or receiver: a TransformStream over encoded frames. Written
 * with no reference outside itself, because the worker runs its source text.
 */
function frameTransform(key: CryptoKey, operation: 'encrypt' | 'decrypt', kind: 'audio' | 'video'): TransformStream {
  const IV = 12;
  const TAG = 16;
  const clear = (frame: { type?: string }) => (kind === 'audio' ? 1 : frame.type === 'key' ? 10 : 3);
  return new TransformStream({
    async transform(frame: { data: ArrayBuffer; type?: string }, controller) {
      const bytes = new Uint8Array(frame.data);
      const head = Math.min(clear(frame), bytes.length);
      try {
        if (operation === 'encrypt') {
          const iv = crypto.getRandomValues(new Uint8Array(IV));
          const sealed = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: bytes.subarray(0, head) }, key, bytes.subarray(head)));
          const out = new Uint8Array(head + sealed.length + IV);
          out.set(bytes.subarray(0, head));
          out.set(sealed, head);
          out.set(iv, head + sealed.length);
          frame.data = out.buffer;
        } else {
          if (bytes.length < head + TAG + IV) return; // too short to be sealed: drop
          const iv = bytes.subarray(bytes.length - IV);
          const opened = new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv, additionalData: bytes.subarray(0, head) }, key, bytes.subarray(head, bytes.length - IV)));
          const out = new Uint8Array(head + opened.length);
          out.set(bytes.subarray(0, head));
          out.set(opened, head);
          frame.data = out.buffer;
        }
        controller.enqueue(frame);
      } catch {
        // Sealed with another key (or not at all): the frame is dropped, never decoded.
      }
    },
  });
}

/** The worker's whole source: frameTransform and the `rtctransform` handler. */
const WORKER_SOURCE = `const frameTransform = ${frameTransform.toString()};
onrtctransform = (event) => {
  const { readable, writable, options } = event.transformer;
  readable.pipeThrough(frameTransform(options.key, options.operation, options.kind)).pipeTo(writable).catch(() => {});
};`;

let worker: Worker | null = null;

interface ScriptTransformWindow {
  RTCRtpScriptTransform?: new (worker: Worker, options: unknown) => unknown;
}
interface EncodedStreams {
  createEncodedStreams?: () => { readable: ReadableStream<EncodedFrame>; writable: WritableStream<EncodedFrame> };
  transform?: unknown;
}

/** Which API this browser has for transforming encoded frames, if any. */
export function frameApi(): 'script' | 'insertable' | null {
  if ((globalThis as ScriptTransformWindow).RTCRtpScriptTransform) return 'script';
  if (typeof RTCRtpSender !== 'undefined' && 'createEncodedStreams' in RTCRtpSender.prototype) return 'insertable';
  return null;
}

/**
 * Encrypts what `endpoint` sends, or decrypts what it receives. With the insertable-streams
 * API the RTCPeerConnection must have been made with `encodedInsertableStreams: true`, and a
 * receiver must be set up in `ontrack` (before its first frame).
 */
export function transformFrames(endpoint: RTCRtpSender | RTCRtpReceiver, key: CryptoKey, operation: FrameOperation, kind: FrameKind): void {
  const ScriptTransform = (globalThis as ScriptTransformWindow).RTCRtpScriptTransform;
  const target = endpoint as unknown as EncodedStreams;
  if (ScriptTransform) {
    worker ??= new Worker(URL.createObjectURL(new Blob([WORKER_SOURCE], { type: 'text/javascript' })));
    target.transform = new ScriptTransform(worker, { key, operation, kind });
    return;
  }
  const streams = target.createEncodedStreams?.();
  if (!streams) throw new Error('this browser cannot transform encoded media frames');
  void streams.readable.pipeThrough(frameTransform(key, operation, kind)).pipeTo(streams.writable).catch(() => {});
}
