// The one way Parley elements fire events: CustomEvents named parley-*, bubbling and
// composed so page code can listen on any ancestor (even across shadow roots).
import type { FieldValue, ChangeOrigin, ParleyError } from '../../core/index.js';

export interface ParleyEventMap {
  'parley-peer-joined': { id: string; name: string };
  'parley-peer-left': { id: string; name: string };
  'parley-error': { code: ParleyError['code']; message: string; error: ParleyError };
  'parley-field-change': { key: string; value: FieldValue; origin: ChangeOrigin };
}

export function emit<K extends keyof ParleyEventMap>(target: EventTarget, name: K, detail: ParleyEventMap[K]): boolean {
  return target.dispatchEvent(new CustomEvent(name, { detail, bubbles: true, composed: true, cancelable: false }));
}

declare global {
  interface GlobalEventHandlersEventMap {
    'parley-peer-joined': CustomEvent<ParleyEventMap['parley-peer-joined']>;
    'parley-peer-left': CustomEvent<ParleyEventMap['parley-peer-left']>;
    'parley-error': CustomEvent<ParleyEventMap['parley-error']>;
    'parley-field-change': CustomEvent<ParleyEventMap['parley-field-change']>;
  }
}
