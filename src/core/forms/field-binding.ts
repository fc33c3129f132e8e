// Binds one form field — a native control, or a radio group — to the room's Y.Doc. The
// control stays the page's own (it submits, validates and is styled as before); we only
// read and write its value.
//   text-like inputs, textarea, contenteditable → Y.Text `field:<key>`, minimal diffs,
//       caret kept, IME composition respected, undo/redo of the user's own edits only
//   everything else → entry `<key>` of Y.Map `fields`, whole values
// Seeding: the server-rendered value seeds the shared state once. A new page waits until
// it has the room's state (or knows it is alone) before seeding; two pages that seed at
// the same moment write byte-identical items (fixed client id from key and value), so the
// value appears once. A page whose value differs from the shared one is told (onConflict).
import * as Y from 'yjs';
import { diffText, transformIndex, type Delta } from './text-diff.js';
import {
  getSelection,
  isTextControl,
  readText,
  readValue,
  setSelection,
  writeText,
  writeValue,
  type FieldControl,
  type FieldValue,
  type TextControl,
} from './controls.js';
import { followWidgets, notifyWidgets } from './page-widgets.js';

export type ChangeOrigin = 'local' | 'remote';

export interface FieldBindingOptions {
  /** Seeding waits for this (the room's existing state); typing before it seeds at once. */
  settled?: Promise<void>;
  /** The value changed. `by` is the Yjs transaction origin (a peer id for remote edits). */
  onChange?: (value: FieldValue, origin: ChangeOrigin, by: unknown) => void;
  /** The page was rendered with `local`, but the room already holds `shared` (which wins). */
  onConflict?: (local: FieldValue, shared: FieldValue) => void;
  /**
   * Dispatch native `input`/`change` on the control when a remote value lands, for page
   * widgets that redraw on them. jQuery widgets (select2…) are told through jQuery anyway.
   */
  notify?: boolean;
}

/** How long consecutive edits merge into one undo step. */
export const UNDO_CAPTURE_MS = 500;

export class FieldBinding {
  readonly controls: FieldControl[];
  readonly #text: Y.Text | null;
  readonly #values: Y.Map<FieldValue>;
  readonly #seeds: Y.Map<number>;
  readonly #undo: Y.UndoManager;
  readonly #initial: FieldValue;
  #seeded = false;
  #mySeed = 0;
  #composing = false;
  #pendingDeltas: Delta[] = [];
  /** What the text control showed when a composition started. */
  #shown = '';
  #applyingRemote = false;
  #unfollowWidgets: () => void;
  #readOnly = false;
  #pageState = new Map<FieldControl, { aria: string | null; readOnly: boolean }>();

  constructor(
    readonly doc: Y.Doc,
    controls: FieldControl | FieldControl[],
    readonly key: string,
    private readonly options: FieldBindingOptions = {},
  ) {
    this.controls = Array.isArray(controls) ? controls : [controls];
    const first = this.controls[0];
    this.#values = doc.getMap('fields');
    this.#seeds = doc.getMap('seeds');
    this.#text = this.controls.length === 1 && isTextControl(first) ? doc.getText(`field:${key}`) : null;
    this.#initial = this.#read();
    this.#undo = new Y.UndoManager(this.#text ?? this.#values, {
      trackedOrigins: new Set([this]),
      captureTimeout: UNDO_CAPTURE_MS,
    });

    if (this.#seeds.has(key)) this.#finishSeeding(false);
    else if (!options.settled) this.#finishSeeding(true);
    else void options.settled.then(() => this.#finishSeeding(true));

    this.#text?.observe(this.#onTextChange);
    this.#values.observe(this.#onValuesChange);
    this.#seeds.observe(this.#onSeedsChange);
    for (const control of this.controls) {
      control.addEventListener('input', this.#onInput);
      control.addEventListener('change', this.#onInput);
      control.addEventListener('compositionstart', this.#onCompositionStart);
      control.addEventListener('compositionend', this.#onCompositionEnd);
      control.addEventListener('keydown', this.#onKeyDown);
    }
    this.#unfollowWidgets = followWidgets(this.controls, this.#onInput);
  }

  /** The shared value (the server-rendered one until seeding settles). */
  get value(): FieldValue {
    if (this.#text) return this.#seeded ? this.#text.toString() : this.#initial;
    return this.#values.has(this.key) ? this.#values.get(this.key)! : this.#initial;
  }

  /** Whether the field is read-only because someone else holds its lock. */
  get readOnly(): boolean {
    return this.#readOnly;
  }

  /** Makes the field read-only (someone else holds its lock) or gives it back. */
  setReadOnly(readOnly: boolean): void {
    if (readOnly === this.#readOnly) return;
    this.#readOnly = readOnly;
    for (const control of this.controls) {
      const editable = control instanceof HTMLInputElement || control instanceof HTMLTextAreaElement;
      if (readOnly) {
        // Remember the page's own state: ours is only added on top of it.
        this.#pageState.set(control, {
          aria: control.getAttribute('aria-readonly'),
          readOnly: editable && control.readOnly,
        });
        control.setAttribute('aria-readonly', 'true');
        if (editable) control.readOnly = true;
      } else {
        const page = this.#pageState.get(control);
        if (page?.aria == null) control.removeAttribute('aria-readonly');
        else control.setAttribute('aria-readonly', page.aria);
        if (editable) control.readOnly = page?.readOnly ?? false;
      }
    }
  }

  /** Shows the shared value again (after the page changed the control behind our back). */
  refresh(): void {
    this.#render(null);
  }

  undo(): void {
    this.#undo.undo();
  }

  redo(): void {
    this.#undo.redo();
  }

  destroy(): void {
    this.#text?.unobserve(this.#onTextChange);
    this.#values.unobserve(this.#onValuesChange);
    this.#seeds.unobserve(this.#onSeedsChange);
    this.#undo.destroy();
    for (const control of this.controls) {
      control.removeEventListener('input', this.#onInput);
      control.removeEventListener('change', this.#onInput);
      control.removeEventListener('compositionstart', this.#onCompositionStart);
      control.removeEventListener('compositionend', this.#onCompositionEnd);
      control.removeEventListener('keydown', this.#onKeyDown);
    }
    this.#unfollowWidgets();
  }

  #read(): FieldValue {
    return this.#text ? readText(this.controls[0] as TextControl) : readValue(this.controls);
  }

  /** Seeds (when `seed` and the room has no value yet) or adopts the room's value. */
  #finishSeeding(seed: boolean): void {
    if (this.#seeded) return;
    this.#seeded = true;
    if (seed && !this.#seeds.has(this.key) && this.#initial !== '') {
      this.#mySeed = seedClientId(this.key, JSON.stringify(this.#initial));
      const seedDoc = new Y.Doc();
      seedDoc.clientID = this.#mySeed;
      seedDoc.transact(() => {
        if (this.#text) seedDoc.getText(`field:${this.key}`).insert(0, this.#initial as string);
        else seedDoc.getMap<FieldValue>('fields').set(this.key, this.#initial);
        seedDoc.getMap<number>('seeds').set(this.key, this.#mySeed);
      });
      Y.applyUpdate(this.doc, Y.encodeStateAsUpdate(seedDoc), 'seed');
      seedDoc.destroy();
    }
    this.#reportConflict();
    if (this.#composing && this.#text) {
      // The IME owns the control until compositionend: the room's value is merged then, as
      // a remote change to the page's value that the composition started on.
      const edit = diffText(this.#shown, this.#text.toString());
      if (edit) this.#pendingDeltas.push([{ retain: edit.index }, { delete: edit.remove }, { insert: edit.insert }]);
      return;
    }
    // The room's value replaced what the page showed: that is a (remote) change too.
    const shown = this.#read();
    this.#render(null);
    if (!sameValue(shown, this.#read())) this.options.onChange?.(this.value, 'remote', null);
  }

  #reportConflict(): void {
    const shared = this.value;
    if (this.#seeds.has(this.key) && JSON.stringify(shared) !== JSON.stringify(this.#initial)) {
      this.options.onConflict?.(this.#initial, shared);
    }
  }

  /**
   * Two pages rendered with different values seeded at the same moment: the `seeds` map
   * settles on one seed for everyone; the page whose seed lost removes its own seed text.
   */
  #onSeedsChange = (event: Y.YMapEvent<number>) => {
    if (!event.keysChanged.has(this.key)) return;
    if (!this.#seeded) {
      this.#finishSeeding(false);
      return;
    }
    const winner = this.#seeds.get(this.key);
    if (!this.#text || !this.#mySeed || winner === this.#mySeed) return;
    const mine: Array<[number, number]> = [];
    let index = 0;
    // Yjs keeps no index of items by client: walk the text's item list.
    for (let item = (this.#text as unknown as { _start: YItem | null })._start; item; item = item.right) {
      if (item.deleted || !item.countable) continue;
      if (item.id.client === this.#mySeed) mine.push([index, item.length]);
      index += item.length;
    }
    this.doc.transact(() => {
      for (const [at, length] of mine.reverse()) this.#text!.delete(at, length);
    }, 'seed');
    this.#mySeed = 0;
    this.#reportConflict();
  };

  #onInput = () => {
    if (this.#composing || this.#applyingRemote) return;
    if (this.#readOnly) {
      // Locked by someone else: selects, checkboxes and radios ignore readonly; put back.
      this.#render(null);
      return;
    }
    if (!this.#seeded) this.#finishSeedingWithLocalValue();
    if (this.#text) this.#writeTextFromControl(this.#pendingDeltas.splice(0));
    else {
      const value = readValue(this.controls);
      if (this.#values.has(this.key) && sameValue(this.#values.get(this.key)!, value)) return;
      this.doc.transact(() => this.#values.set(this.key, value), this);
      this.options.onChange?.(value, 'local', this);
    }
  };

  /** The user typed before the room's state arrived: seed now, then apply their edit. */
  #finishSeedingWithLocalValue(): void {
    const typed = this.#read();
    this.#seeded = false;
    this.#finishSeeding(true);
    if (this.#text) writeText(this.controls[0] as TextControl, typed as string);
    else writeValue(this.controls, typed);
  }

  /** Applies the control's text to Y.Text as one minimal edit. */
  #writeTextFromControl(missed: Delta[]): void {
    const control = this.controls[0] as TextControl;
    const text = this.#text!;
    const value = readText(control);
    // Remote changes that landed during an IME composition are in Y.Text but not yet on
    // screen: diff against what the screen showed, then move the edit through them.
    const shown = missed.length ? this.#shown : text.toString();
    const edit = diffText(shown, value, getSelection(control)?.end);
    if (edit) {
      let from = edit.index;
      let to = edit.index + edit.remove;
      for (const delta of missed) {
        from = transformIndex(from, delta);
        to = Math.max(from, transformIndex(to, delta));
      }
      this.doc.transact(() => {
        if (to > from) text.delete(from, to - from);
        if (edit.insert) text.insert(from, edit.insert);
      }, this);
      this.options.onChange?.(text.toString(), 'local', this);
      if (missed.length) {
        // Show the remote changes held back during the composition; the caret goes after
        // the composed text.
        const focused = getSelection(control) !== null;
        this.#render(null);
        if (focused) setSelection(control, from + edit.insert.length, from + edit.insert.length);
        return;
      }
    }
    if (missed.length || readText(control) !== text.toString()) this.#render(null, true);
  }

  #onCompositionStart = () => {
    this.#composing = true;
    this.#shown = this.#text ? (this.value as string) : '';
  };

  #onCompositionEnd = () => {
    this.#composing = false;
    this.#onInput();
  };

  #onKeyDown = (e: Event) => {
    const event = e as KeyboardEvent;
    if (!(event.ctrlKey || event.metaKey) || event.altKey || !this.#text) return;
    const key = event.key.toLowerCase();
    if (key === 'z' || key === 'y') {
      event.preventDefault();
      if (key === 'y' || event.shiftKey) this.redo();
      else this.undo();
    }
  };

  #onTextChange = (event: Y.YTextEvent, transaction: Y.Transaction) => {
    if (transaction.origin === this || !this.#seeded) return;
    if (this.#composing) {
      // Never touch the control mid-composition: the IME owns it until compositionend.
      this.#pendingDeltas.push(event.delta as Delta);
      return;
    }
    const shown = this.#read();
    this.#render(event.delta as Delta);
    // Not a change when the page already showed it (a peer's seed, adopted a moment earlier).
    if (!sameValue(shown, this.#read())) this.#changed(transaction.origin);
  };

  #onValuesChange = (event: Y.YMapEvent<FieldValue>, transaction: Y.Transaction) => {
    if (transaction.origin === this || this.#text || !event.keysChanged.has(this.key) || !this.#seeded) return;
    const shown = this.#read();
    this.#render(null);
    if (!sameValue(shown, this.#read())) this.#changed(transaction.origin);
  };

  #changed(origin: unknown): void {
    if (origin === 'seed') return; // the page's own initial value, not a change
    const own = origin === this.#undo;
    this.options.onChange?.(this.value, own ? 'local' : 'remote', own ? this : origin);
  }

  /** Writes the shared value into the control(s), keeping a focused control's selection. */
  #render(delta: Delta | null, keepCaret = false): void {
    if (!this.#seeded) return;
    if (this.#text) {
      const control = this.controls[0] as TextControl;
      const text = this.#text.toString();
      if (readText(control) === text) return;
      const selection = getSelection(control);
      writeText(control, text);
      if (selection && (delta || keepCaret)) {
        const start = delta ? transformIndex(selection.start, delta) : Math.min(selection.start, text.length);
        const end = delta ? transformIndex(selection.end, delta) : Math.min(selection.end, text.length);
        setSelection(control, start, end, selection.backward);
      }
      this.#notify();
    } else if (this.#values.has(this.key)) {
      const value = this.#values.get(this.key)!;
      if (sameValue(readValue(this.controls), value)) return;
      writeValue(this.controls, value);
      this.#notify();
    }
  }

  /** Lets page widgets redraw after a remote change, without echoing it back to us. */
  #notify(): void {
    this.#applyingRemote = true;
    try {
      notifyWidgets(this.controls, this.options.notify === true);
    } finally {
      this.#applyingRemote = false;
    }
  }
}

interface YItem {
  id: { client: number };
  length: number;
  deleted: boolean;
  countable: boolean;
  right: YItem | null;
}

function sameValue(a: FieldValue, b: FieldValue): boolean {
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
