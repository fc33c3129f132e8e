// Binds one native form control to the room's Y.Doc. The control stays the page's own (it
// submits, validates and is styled as before); we only read and write its value.
//   text-like inputs, textarea → Y.Text `field:<key>`, minimal diffs, caret preserved
//   select, checkbox, other inputs → entry `<key>` of Y.Map `fields`
// A server-rendered initial value seeds the shared state as a deterministic update (fixed
// client id derived from key and value), so peers that seed at once produce identical
// items and the value appears once.
import * as Y from 'yjs';
import { diffText, transformIndex, type Delta } from './text-diff.js';

export type FieldControl = HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement;
export type FieldValue = string | boolean | string[];
export type ChangeOrigin = 'local' | 'remote';

const TEXT_INPUT_TYPES = new Set(['text', 'search', 'url', 'tel', 'email', '']);

/** Controls that must never be shared. */
export function isSyncable(control: Element): control is FieldControl {
  if (control instanceof HTMLInputElement) {
    return !['password', 'file', 'hidden', 'submit', 'button', 'reset', 'image'].includes(control.type);
  }
  return control instanceof HTMLTextAreaElement || control instanceof HTMLSelectElement;
}

export function isTextControl(control: FieldControl): control is HTMLInputElement | HTMLTextAreaElement {
  return control instanceof HTMLTextAreaElement || (control instanceof HTMLInputElement && TEXT_INPUT_TYPES.has(control.type));
}

export class FieldBinding {
  readonly #text: Y.Text | null;
  readonly #values: Y.Map<FieldValue>;
  readonly #seeds: Y.Map<boolean>;
  #composing = false;

  constructor(
    readonly doc: Y.Doc,
    readonly control: FieldControl,
    readonly key: string,
    private readonly onChange: (value: FieldValue, origin: ChangeOrigin) => void = () => {},
  ) {
    this.#values = doc.getMap('fields');
    this.#seeds = doc.getMap('seeds');
    this.#text = isTextControl(control) ? doc.getText(`field:${key}`) : null;
    this.#seed();
    this.#render(null);
    this.#text?.observe(this.#onTextChange);
    this.#values.observe(this.#onValuesChange);
    control.addEventListener('input', this.#onInput);
    control.addEventListener('change', this.#onInput);
    control.addEventListener('compositionstart', this.#onCompositionStart);
    control.addEventListener('compositionend', this.#onCompositionEnd);
  }

  /** The shared value. */
  get value(): FieldValue {
    return this.#text ? this.#text.toString() : (this.#values.get(this.key) ?? readControl(this.control));
  }

  destroy(): void {
    this.#text?.unobserve(this.#onTextChange);
    this.#values.unobserve(this.#onValuesChange);
    this.control.removeEventListener('input', this.#onInput);
    this.control.removeEventListener('change', this.#onInput);
    this.control.removeEventListener('compositionstart', this.#onCompositionStart);
    this.control.removeEventListener('compositionend', this.#onCompositionEnd);
  }

  #seed(): void {
    if (this.#seeds.has(this.key)) return;
    const initial = readControl(this.control);
    if (initial === '' || (this.#text && this.#text.length > 0) || (!this.#text && this.#values.has(this.key))) return;
    const seedDoc = new Y.Doc();
    seedDoc.clientID = seedClientId(this.key, JSON.stringify(initial));
    seedDoc.transact(() => {
      if (this.#text) seedDoc.getText(`field:${this.key}`).insert(0, initial as string);
      else seedDoc.getMap<FieldValue>('fields').set(this.key, initial);
      seedDoc.getMap<boolean>('seeds').set(this.key, true);
    });
    Y.applyUpdate(this.doc, Y.encodeStateAsUpdate(seedDoc), 'seed');
    seedDoc.destroy();
  }

  #onInput = (event: Event) => {
    if (this.#composing) return;
    const control = this.control;
    if (this.#text && event.type === 'input') {
      const caret = control instanceof HTMLSelectElement ? undefined : (control.selectionEnd ?? undefined);
      const edit = diffText(this.#text.toString(), control.value, caret);
      if (!edit) return;
      this.doc.transact(() => {
        if (edit.remove) this.#text!.delete(edit.index, edit.remove);
        if (edit.insert) this.#text!.insert(edit.index, edit.insert);
      }, this);
      this.onChange(this.#text.toString(), 'local');
    } else if (!this.#text) {
      const value = readControl(control);
      if (sameValue(this.#values.get(this.key), value)) return;
      this.doc.transact(() => this.#values.set(this.key, value), this);
      this.onChange(value, 'local');
    }
  };

  #onCompositionStart = () => {
    this.#composing = true;
  };

  #onCompositionEnd = () => {
    this.#composing = false;
    this.#onInput(new Event('input'));
  };

  #onTextChange = (event: Y.YTextEvent, transaction: Y.Transaction) => {
    if (transaction.origin === this) return;
    this.#render(event.delta as Delta);
    this.onChange(this.#text!.toString(), 'remote');
  };

  #onValuesChange = (event: Y.YMapEvent<FieldValue>, transaction: Y.Transaction) => {
    if (transaction.origin === this || this.#text || !event.keysChanged.has(this.key)) return;
    this.#render(null);
    this.onChange(this.value, 'remote');
  };

  /** Writes the shared value into the control, keeping a focused text control's selection. */
  #render(delta: Delta | null): void {
    const control = this.control;
    if (this.#text) {
      const text = this.#text.toString();
      if (control.value === text) return;
      const textControl = control as HTMLInputElement | HTMLTextAreaElement;
      const focused = textControl.matches(':focus');
      let start = textControl.selectionStart;
      let end = textControl.selectionEnd;
      const direction = textControl.selectionDirection;
      textControl.value = text;
      if (focused && delta && start !== null && end !== null) {
        start = transformIndex(start, delta);
        end = transformIndex(end, delta);
        try {
          textControl.setSelectionRange(start, end, direction ?? undefined);
        } catch {
          // Some input types (email) have no selection API.
        }
      }
    } else if (this.#values.has(this.key)) {
      writeControl(control, this.#values.get(this.key)!);
    }
  }
}

export function readControl(control: FieldControl): FieldValue {
  if (control instanceof HTMLInputElement && (control.type === 'checkbox' || control.type === 'radio')) {
    return control.checked;
  }
  if (control instanceof HTMLSelectElement && control.multiple) {
    return Array.from(control.selectedOptions, (o) => o.value);
  }
  return control.value;
}

function writeControl(control: FieldControl, value: FieldValue): void {
  if (control instanceof HTMLInputElement && (control.type === 'checkbox' || control.type === 'radio')) {
    control.checked = value === true;
  } else if (control instanceof HTMLSelectElement && control.multiple) {
    const chosen = new Set(Array.isArray(value) ? value.map(String) : [String(value)]);
    for (const option of control.options) option.selected = chosen.has(option.value);
  } else if (typeof value === 'string') {
    control.value = value;
  }
}

function sameValue(a: FieldValue | undefined, b: FieldValue): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** A stable 32-bit client id for a (field, initial value) pair: FNV-1a. */
export function seedClientId(key: string, value: string): number {
  let hash = 0x811c9dc5;
  const input = `parley-seed\0${key}\0${value}`;
  for (let i = 0; i < input.length; i++) {
    hash ^= input.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
