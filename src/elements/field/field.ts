import { LitElement, html, nothing, type PropertyValues } from 'lit';
import { CollabController } from '../shared/collab-controller.js';
import { tokens } from '../shared/theme.js';
import { presenceStyles } from '../shared/presence.styles.js';
import { styles } from './field.styles.js';

/**
 * @tag parley-field
 * @summary Makes the native control inside it collaborative: an `input`, `textarea`,
 * `select`, checkbox, radio group or plain-text `contenteditable`. The control stays in
 * the page's light DOM, so the page's form submits it and labels and validation work as
 * before. Shows who else is in it, their carets, and lock / assign tools.
 *
 * @slot - The native control(s). Controls with `data-parley-ignore`, passwords, files and
 *   hidden inputs are never shared.
 *
 * @fires parley-field-change - The value changed. `detail: { key, value, origin, by }`:
 *   `origin` is `'local'` or `'remote'`, `by` who made a remote change.
 * @fires parley-field-conflict - This page was rendered with a value other than the room's
 *   (the room's wins). `detail: { key, local, shared }`.
 * @fires parley-error - Nothing to bind. `detail: { code, message, error }`.
 *
 * @csspart presence - The row of badges of others in the field.
 * @csspart badge - One participant's name badge, in their colour.
 * @csspart unverified - The mark after a name the relay did not vouch for (anyone can type any name): "(name not verified)" in a badge, "?" on a flag.
 * @csspart overlay - The layer with others' outlines and carets.
 * @csspart outline - Outline around the field in a participant's colour.
 * @csspart flag - Name label on an outline; an unverified name ends in a `unverified` "?".
 * @csspart caret - A participant's caret.
 * @csspart assignment - "Assigned to …" label.
 * @csspart tools - Lock and assign tools for the field you are in.
 * @csspart button - The lock button (also `lock`).
 *
 * @cssprop --parley-surface - Background of buttons, selects and panels; light-dark(#fff, #111827), so light or dark as the page's inherited `color-scheme`.
 * @cssprop --parley-text - Text colour; light-dark(#111827, #f9fafb).
 * @cssprop --parley-muted - Secondary text; light-dark(#6b7280, #9ca3af).
 * @cssprop --parley-font - Font family (system-ui, sans-serif).
 */
export class ParleyField extends LitElement {
  static override properties = {
    room: { reflect: true },
    key: {},
    notify: { type: Boolean },
  };

  static override styles = [tokens, presenceStyles, styles];

  readonly #collab = new CollabController(this, {
    root: () => this,
    keyFor: (control) => this.key || control.getAttribute('name') || control.id || null,
  });

  /** Room name. Defaults to the nearest `<parley-room>` ancestor's. */
  room = '';

  /** Shared key of this field. Defaults to the control's `name`, then its `id`. */
  key = '';

  /** Dispatch native `input`/`change` on the control when a remote value lands (for widgets). */
  notify = false;

  protected override willUpdate(changed: PropertyValues<this>): void {
    const first = !this.hasUpdated;
    if (changed.has('room') && !first) this.#collab.sessions.refresh();
    if (!first && (changed.has('room') || changed.has('key') || changed.has('notify'))) this.#collab.bind();
  }

  override render() {
    const key = this.#collab.binding?.bindings.keys().next().value;
    const others = key ? this.#collab.othersIn(key) : [];
    return html`<slot></slot>
      <div part="presence" aria-live="polite">${others.map(
        (o) =>
          html`<span part="badge" style="background:${o.color}"
            >${this.#collab.l10n.t('{name} is here', { name: o.name })}${o.verified ? nothing : html` <span part="unverified">${this.#collab.l10n.t('(name not verified)')}</span>`}</span
          >`,
      )}</div>
      ${this.#collab.renderOverlay()}`;
  }
}
