// The one way Parley elements fire events: CustomEvents named parley-*, bubbling and
// composed so page code can listen on any ancestor (even across shadow roots).
import type { FieldValue, ChangeOrigin, ParleyError, ChatMessage } from '../../core/index.js';

export interface ParleyEventMap {
  'parley-peer-joined': { id: string; name: string };
  'parley-peer-left': { id: string; name: string };
  'parley-error': { code: ParleyError['code']; message: string; error: ParleyError };
  'parley-field-change': {
    key: string;
    value: FieldValue;
    origin: ChangeOrigin;
    /** Who made a remote change (null for your own). */
    by: { id: string; name: string } | null;
  };
  'parley-field-conflict': { key: string; local: FieldValue; shared: FieldValue };
  'parley-form-synced': Record<string, never>;
  'parley-chat-message': { message: ChatMessage };
  'parley-file-offer': { name: string; size: number; from: string };
  'parley-file-received': { name: string; size: number; type: string; file: Blob; from: string };
  /** `duration` in seconds. */
  'parley-recording-ready': { blob: Blob; type: string; duration: number };
  'parley-transcript': { text: string; blob: Blob };
  /** The loudest participant changed (`id` is null when nobody is speaking). */
  'parley-active-speaker': { id: string | null; name: string; isLocal: boolean };
}

export function emit<K extends keyof ParleyEventMap>(target: EventTarget, name: K, detail: ParleyEventMap[K]): boolean {
  return target.dispatchEvent(new CustomEvent(name, { detail, bubbles: true, composed: true, cancelable: false }));
}

/** Every Parley event as the CustomEvent page code receives. */
type ParleyEvents = { [K in keyof ParleyEventMap]: CustomEvent<ParleyEventMap[K]> };

declare global {
  // Typed `addEventListener('parley-…', e => e.detail…)` everywhere, from the one map above.
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface GlobalEventHandlersEventMap extends ParleyEvents {}
}
