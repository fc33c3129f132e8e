// Makes every named control under a root element collaborative: one FieldBinding per
// field (radio groups by name), picking up controls the page adds or removes later, and
// publishing which field and where in it the user is (awareness) for others' carets.
import * as Y from 'yjs';
import { FieldBinding, type ChangeOrigin } from './field-binding.js';
import { getSelection, isRadio, isSyncable, isTextControl, type FieldControl, type FieldValue } from './controls.js';
import type { Session } from '../session/session.js';
import type { CursorState } from '../session/presence.js';
import { lockHolder, releaseLocksOf, unlockField } from './locks.js';

const CONTROL_SELECTOR = 'input, textarea, select, [contenteditable]';

export interface FormBindingOptions {
  /** Key for a control; default: `data-parley-key`, else `name`, else `id`. */
  keyFor?: (control: FieldControl) => string | null;
  onChange?: (key: string, value: FieldValue, origin: ChangeOrigin, by: { id: string; name: string } | null) => void;
  onConflict?: (key: string, local: FieldValue, shared: FieldValue) => void;
  /** Fire native input/change on controls when remote values land (for page widgets). */
  notify?: boolean;
}

export class FormBinding {
  readonly bindings = new Map<string, FieldBinding>();
  readonly #observer: MutationObserver;
  readonly #unsubscribe: Array<() => void> = [];
  #scheduled = false;

  constructor(
    readonly session: Session,
    readonly root: Element,
    private readonly options: FormBindingOptions = {},
  ) {
    this.#observer = new MutationObserver(() => this.#scheduleScan());
    this.#observer.observe(root, {
      childList: true,
      subtree: true,
      attributes: true,
      attributeFilter: ['name', 'type', 'data-parley-ignore', 'data-parley-key', 'contenteditable'],
    });
    root.addEventListener('focusin', this.#onCursor);
    root.addEventListener('focusout', this.#onFocusOut);
    for (const type of ['select', 'keyup', 'mouseup', 'input']) root.addEventListener(type, this.#onCursor);
    const locks = session.doc.getMap('locks');
    locks.observe(this.#applyLocks);
    this.#unsubscribe.push(
      () => locks.unobserve(this.#applyLocks),
      session.events.on('change', this.#applyLocks),
      // A holder who leaves releases its locks: every remaining peer removes them.
      session.events.on('peer-left', ({ id }) => releaseLocksOf(session, id)),
    );
    this.scan();
  }

  /** The binding that owns a control, if any. */
  bindingFor(control: Element): FieldBinding | undefined {
    for (const binding of this.bindings.values()) if (binding.controls.includes(control as FieldControl)) return binding;
    return undefined;
  }

  /** Binds new controls and unbinds removed ones. Called automatically on DOM changes. */
  scan(): void {
    const groups = new Map<string, FieldControl[]>();
    const candidates = [...this.root.querySelectorAll(CONTROL_SELECTOR)];
    if (this.root.matches(CONTROL_SELECTOR)) candidates.unshift(this.root);
    // A control inside a nested <parley-field>/<parley-form> belongs to that element.
    const owner = this.root.closest('parley-field, parley-form');
    for (const control of candidates) {
      if (!isSyncable(control)) continue;
      const controlOwner = control.closest('parley-field, parley-form');
      if (controlOwner && controlOwner !== owner) continue;
      // contenteditable children of a contenteditable host are part of it.
      if (!(control instanceof HTMLInputElement || control instanceof HTMLTextAreaElement || control instanceof HTMLSelectElement)) {
        if (control.parentElement?.closest('[contenteditable]')?.matches('[contenteditable]:not([contenteditable=false])')) continue;
      }
      const key = this.#keyFor(control);
      if (!key) continue;
      const group = groups.get(key);
      if (!group) groups.set(key, [control]);
      else if (isRadio(control) && isRadio(group[0])) group.push(control);
      else groups.set(`${key}#${[...groups.keys()].filter((k) => k.startsWith(`${key}#`)).length + 1}`, [control]);
    }
    for (const [key, binding] of this.bindings) {
      const controls = groups.get(key);
      if (!controls || controls.length !== binding.controls.length || controls.some((c, i) => c !== binding.controls[i])) {
        binding.destroy();
        this.bindings.delete(key);
      }
    }
    for (const [key, controls] of groups) {
      if (this.bindings.has(key)) continue;
      this.bindings.set(
        key,
        new FieldBinding(this.session.doc, controls, key, {
          settled: this.session.whenSettled(),
          notify: this.options.notify,
          onChange: (value, origin, by) => this.options.onChange?.(key, value, origin, this.#who(by)),
          onConflict: (local, shared) => this.options.onConflict?.(key, local, shared),
        }),
      );
    }
    this.#applyLocks();
  }

  destroy(): void {
    this.#observer.disconnect();
    this.#unsubscribe.splice(0).forEach((off) => off());
    for (const key of this.bindings.keys()) unlockField(this.session, key);
    this.root.removeEventListener('focusin', this.#onCursor);
    this.root.removeEventListener('focusout', this.#onFocusOut);
    for (const type of ['select', 'keyup', 'mouseup', 'input']) this.root.removeEventListener(type, this.#onCursor);
    const cursor = this.session.localPresence?.cursor;
    if (cursor && this.bindings.has(cursor.key)) this.session.setPresence({ field: null, cursor: null });
    for (const binding of this.bindings.values()) binding.destroy();
    this.bindings.clear();
  }

  /** Fields someone else holds the lock on are read-only here. */
  #applyLocks = () => {
    for (const [key, binding] of this.bindings) {
      const holder = lockHolder(this.session, key);
      binding.setReadOnly(holder !== null && !holder.isLocal);
    }
  };

  #keyFor(control: FieldControl): string | null {
    if (this.options.keyFor) return this.options.keyFor(control);
    return control.getAttribute('data-parley-key') || control.getAttribute('name') || control.id || null;
  }

  #scheduleScan(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    queueMicrotask(() => {
      this.#scheduled = false;
      this.scan();
    });
  }

  /**
   * Publishes the field and selection the user is in. Only for the control that has the
   * focus: a remote edit applied here fires `input` on a control nobody here is in.
   */
  #onCursor = (event: Event) => {
    const target = event.target as Element;
    if (!target.matches(':focus')) return;
    const binding = this.bindingFor(target);
    if (!binding) return;
    const cursor: CursorState = { key: binding.key };
    const control = binding.controls[0];
    const text = isTextControl(control) ? this.session.doc.getText(`field:${binding.key}`) : null;
    const selection = text ? getSelection(control as HTMLInputElement) : null;
    if (text && selection) {
      cursor.anchor = Y.relativePositionToJSON(Y.createRelativePositionFromTypeIndex(text, selection.start, -1));
      cursor.head = Y.relativePositionToJSON(Y.createRelativePositionFromTypeIndex(text, selection.end, -1));
    }
    const current = this.session.localPresence.cursor;
    if (JSON.stringify(current) !== JSON.stringify(cursor)) this.session.setPresence({ field: binding.key, cursor });
  };

  #onFocusOut = (event: Event) => {
    const binding = this.bindingFor(event.target as Element);
    if (binding && this.session.localPresence.field === binding.key) this.session.setPresence({ field: null, cursor: null });
  };

  /** Maps a Yjs transaction origin (a peer id for remote edits) to a person. */
  #who(origin: unknown): { id: string; name: string } | null {
    if (typeof origin !== 'string') return null;
    const person = this.session.participant(origin);
    return { id: origin, name: person?.name ?? '' };
  }
}

/** Absolute selection of a remote cursor in the field's current text, if it has one. */
export function resolveCursor(doc: Y.Doc, cursor: CursorState): { start: number; end: number } | null {
  if (!cursor.anchor || !cursor.head) return null;
  try {
    const anchor = Y.createAbsolutePositionFromRelativePosition(Y.createRelativePositionFromJSON(cursor.anchor), doc);
    const head = Y.createAbsolutePositionFromRelativePosition(Y.createRelativePositionFromJSON(cursor.head), doc);
    if (!anchor || !head) return null;
    return { start: Math.min(anchor.index, head.index), end: Math.max(anchor.index, head.index) };
  } catch {
    return null; // a hostile or stale position: draw nothing
  }
}
