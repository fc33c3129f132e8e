import { LitElement, css, html, type PropertyValues } from 'lit';
import { CollabController } from '../shared/collab-controller.js';
import { tokens } from '../shared/theme.js';
import { presenceStyles } from '../shared/presence.styles.js';
import type { Session } from '../../core/index.js';

/**
 * @tag parley-form
 * @summary Wraps an existing `<form>` and makes every named control in it collaborative —
 * text, selects, checkboxes, radio groups, dates, numbers, ranges, colours and plain-text
 * `contenteditable` — including controls the page adds later. Passwords, files, hidden
 * inputs (CSRF tokens) and anything under `data-parley-ignore` are never shared. The form
 * still submits natively.
 *
 * @slot - The page's `<form>`.
 *
 * @fires parley-field-change - A field's value changed. `detail: { key, value, origin, by }`.
 * @fires parley-field-conflict - This page was rendered with a value other than the room's
 *   (the room's wins). `detail: { key, local, shared }`.
 * @fires parley-form-synced - Every connected peer now holds all of this page's edits.
 * @fires parley-error - Nothing to bind. `detail: { code, message, error }`.
 *
 * @csspart overlay - The layer with others' outlines and carets.
 * @csspart outline - Outline around a field in a participant's colour.
 * @csspart flag - Name label on an outline.
 * @csspart unverified - "?" after a name on a flag when the relay did not vouch for it (anyone can type any name).
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
export class ParleyForm extends LitElement {
  static override properties = {
    room: { reflect: true },
    notify: { type: Boolean },
    persist: { type: Boolean },
    syncReset: { type: Boolean, attribute: 'sync-reset' },
  };

  static override styles = [
    tokens,
    presenceStyles,
    css`
      :host {
        display: block;
        position: relative;
      }
      :host([hidden]) {
        display: none;
      }
    `,
  ];

  readonly #collab = new CollabController(this, {
    root: (): Element => this.querySelector('form') ?? this,
    persist: () => this.persist,
  });

  /** Room name. Defaults to the nearest `<parley-room>` ancestor's. */
  room = '';

  /** Dispatch native `input`/`change` on controls when remote values land (for widgets). */
  notify = false;

  /** Keep edits in this browser (IndexedDB) so they survive a reload or a crash. */
  persist = false;

  /** When the form is reset, reset it for everyone (default: only this page's view resets). */
  syncReset = false;

  override connectedCallback(): void {
    super.connectedCallback();
    this.addEventListener('reset', this.#onReset);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.removeEventListener('reset', this.#onReset);
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    const first = !this.hasUpdated;
    if (changed.has('room') && !first) this.#collab.sessions.refresh();
    if (!first && (changed.has('room') || changed.has('notify') || changed.has('persist'))) this.#collab.bind();
  }

  /** The room's framework-free session (for advanced use). */
  get session(): Session | null {
    return this.#collab.sessions.session;
  }

  /** Re-binds after the page replaced the form's controls wholesale (usually automatic). */
  rescan(): void {
    this.#collab.binding?.scan();
  }

  #onReset = () => {
    // The browser resets the controls after the event: act on the result.
    setTimeout(() => {
      for (const field of this.#collab.binding?.bindings.values() ?? []) {
        if (this.syncReset) field.controls[0]?.dispatchEvent(new Event('input', { bubbles: true }));
        else field.refresh();
      }
    });
  };

  override render() {
    return html`<slot></slot>${this.#collab.renderOverlay()}`;
  }
}
