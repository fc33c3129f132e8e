// Reading and writing the page's native form controls as plain values, and their text
// selection. Which controls Parley syncs, and how each kind is stored, is decided here.

export type TextControl = HTMLInputElement | HTMLTextAreaElement | HTMLElement;
export type FieldControl = HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement | HTMLElement;
export type FieldValue = string | boolean | string[];

/** Input types edited as shared text (character by character). */
const TEXT_INPUT_TYPES = new Set(['text', 'search', 'url', 'tel', 'email']);
/** Input types that are never shared: secrets, files, buttons and page plumbing. */
const NEVER_SYNCED = new Set(['password', 'file', 'hidden', 'submit', 'button', 'reset', 'image']);

/**
 * Inputs that were a password when Parley first looked: never shared, whatever their type
 * becomes (a "show password" button makes one `type=text`).
 */
const secrets = new WeakSet<Element>();

/** Whether Parley may share this control at all. */
export function isSyncable(control: Element): control is FieldControl {
  if (control.closest('[data-parley-ignore]')) return false;
  if (control instanceof HTMLInputElement) {
    if (control.type === 'password' || /password/i.test(control.autocomplete)) secrets.add(control);
    return !secrets.has(control) && !NEVER_SYNCED.has(control.type);
  }
  if (control instanceof HTMLTextAreaElement || control instanceof HTMLSelectElement) return true;
  return control instanceof HTMLElement && control.isContentEditable;
}

/** Text-like controls are shared as Y.Text; everything else as a whole value. */
export function isTextControl(control: FieldControl): control is TextControl {
  if (control instanceof HTMLInputElement) return TEXT_INPUT_TYPES.has(control.type);
  if (control instanceof HTMLSelectElement) return false;
  return control instanceof HTMLTextAreaElement || control.isContentEditable;
}

export function isRadio(control: FieldControl): control is HTMLInputElement {
  return control instanceof HTMLInputElement && control.type === 'radio';
}

export function isCheckbox(control: FieldControl): control is HTMLInputElement {
  return control instanceof HTMLInputElement && control.type === 'checkbox';
}

/** The value of a control, or of a radio group (the checked radio's value, else ''). */
export function readValue(controls: FieldControl[]): FieldValue {
  const [first] = controls;
  if (isRadio(first)) return (controls as HTMLInputElement[]).find((r) => r.checked)?.value ?? '';
  if (isCheckbox(first)) return first.checked;
  if (first instanceof HTMLSelectElement && first.multiple) return Array.from(first.selectedOptions, (o) => o.value);
  if (first instanceof HTMLInputElement || first instanceof HTMLTextAreaElement || first instanceof HTMLSelectElement) {
    return first.value;
  }
  return first.textContent ?? '';
}

export function writeValue(controls: FieldControl[], value: FieldValue): void {
  const [first] = controls;
  if (isRadio(first)) {
    for (const radio of controls as HTMLInputElement[]) radio.checked = radio.value === value;
  } else if (isCheckbox(first)) {
    first.checked = value === true;
  } else if (first instanceof HTMLSelectElement && first.multiple) {
    const chosen = new Set(Array.isArray(value) ? value.map(String) : [String(value)]);
    for (const option of first.options) option.selected = chosen.has(option.value);
  } else if (first instanceof HTMLInputElement || first instanceof HTMLTextAreaElement || first instanceof HTMLSelectElement) {
    first.value = Array.isArray(value) ? (value[0] ?? '') : String(value);
  } else {
    first.textContent = String(value);
  }
}

export function readText(control: TextControl): string {
  return control instanceof HTMLInputElement || control instanceof HTMLTextAreaElement
    ? control.value
    : (control.textContent ?? '');
}

export function writeText(control: TextControl, text: string): void {
  if (control instanceof HTMLInputElement || control instanceof HTMLTextAreaElement) control.value = text;
  else control.textContent = text;
}

/** The selection as text offsets, or null when the control is not focused. */
export function getSelection(control: TextControl): { start: number; end: number; backward: boolean } | null {
  if (control instanceof HTMLInputElement || control instanceof HTMLTextAreaElement) {
    if (!control.matches(':focus')) return null;
    try {
      const start = control.selectionStart;
      const end = control.selectionEnd;
      if (start === null || end === null) return null;
      return { start, end, backward: control.selectionDirection === 'backward' };
    } catch {
      return null; // input types without a selection API
    }
  }
  const selection = control.ownerDocument.getSelection();
  if (!selection || selection.rangeCount === 0 || !control.contains(selection.anchorNode)) return null;
  const offset = (node: Node, at: number) => {
    const range = control.ownerDocument.createRange();
    range.selectNodeContents(control);
    range.setEnd(node, at);
    return range.toString().length;
  };
  const anchor = offset(selection.anchorNode!, selection.anchorOffset);
  const focus = offset(selection.focusNode!, selection.focusOffset);
  return { start: Math.min(anchor, focus), end: Math.max(anchor, focus), backward: focus < anchor };
}

export function setSelection(control: TextControl, start: number, end: number, backward = false): void {
  if (control instanceof HTMLInputElement || control instanceof HTMLTextAreaElement) {
    try {
      control.setSelectionRange(start, end, backward ? 'backward' : 'forward');
    } catch {
      // input types without a selection API
    }
    return;
  }
  const text = control.firstChild;
  const selection = control.ownerDocument.getSelection();
  if (!selection) return;
  if (!text) {
    selection.collapse(control, 0);
    return;
  }
  const length = text.textContent?.length ?? 0;
  const [a, b] = backward ? [end, start] : [start, end];
  selection.setBaseAndExtent(text, Math.min(a, length), text, Math.min(b, length));
}
