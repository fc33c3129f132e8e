import { LitElement, html, type PropertyValues } from 'lit';
import { property } from 'lit/decorators.js';
import { SessionController } from '../shared/session-controller.js';
import { emit } from '../shared/emit.js';
import { safeColor, tokens } from '../shared/theme.js';
import { styles } from './field.styles.js';
import { FieldBinding, ParleyError, isSyncable, type PresenceState } from '../../core/index.js';

/**
 * @tag parley-field
 * @summary Makes the native control inside it collaborative: an `input` (text-like types),
 * `textarea`, `select` or checkbox. The control stays in the page's light DOM, so the
 * page's form submits it, labels and validation work as before. Shows who else is in it.
 *
 * @slot - The native control (the first `input`, `textarea` or `select` inside is bound).
 *
 * @fires parley-field-change - The value changed. `detail: { key, value, origin }`, where
 *   `origin` is `'local'` (this user) or `'remote'` (another participant).
 * @fires parley-error - The field could not be bound (no control, or no name). `detail: { code, message, error }`.
 *
 * @csspart presence - The row of badges of others in the field.
 * @csspart badge - One participant's name badge, in their colour.
 */
export class ParleyField extends LitElement {
  static override styles = [tokens, styles];

  readonly #controller = new SessionController(this);
  #binding: FieldBinding | null = null;

  /** Room name. Defaults to the nearest `<parley-room>` ancestor's. */
  @property({ reflect: true }) room = '';

  /** Shared key of this field. Defaults to the control's `name`, then its `id`. */
  @property() key = '';

  /** The bound native control, if any. */
  get control(): Element | null {
    return this.querySelector('input, textarea, select');
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.addEventListener('focusin', this.#onFocusIn);
    this.addEventListener('focusout', this.#onFocusOut);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.removeEventListener('focusin', this.#onFocusIn);
    this.removeEventListener('focusout', this.#onFocusOut);
    this.#unbind();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('room')) this.#controller.refresh();
    if (changed.has('room') || changed.has('key') || (!this.#binding && this.#controller.session)) this.#bind();
  }

  #fieldKey(control: Element): string {
    return this.key || control.getAttribute('name') || control.id;
  }

  #bind(): void {
    this.#unbind();
    const session = this.#controller.session;
    const control = this.control;
    if (!session || !control) {
      if (session && !control) this.#fail('<parley-field> needs an input, textarea or select inside it');
      return;
    }
    if (!isSyncable(control)) {
      this.#fail(`<parley-field> does not sync a ${control.localName}[type=${control.getAttribute('type')}]`);
      return;
    }
    const key = this.#fieldKey(control);
    if (!key) {
      this.#fail('<parley-field> needs a `key`, or a control with a name or id');
      return;
    }
    this.#binding = new FieldBinding(session.doc, control, key, (value, origin) =>
      emit(this, 'parley-field-change', { key, value, origin }),
    );
  }

  #unbind(): void {
    if (this.#binding && this.#controller.session?.localPresence.field === this.#binding.key) {
      this.#controller.session.setPresence({ field: null });
    }
    this.#binding?.destroy();
    this.#binding = null;
  }

  #fail(message: string): void {
    const error = new ParleyError('sync', message);
    emit(this, 'parley-error', { code: error.code, message, error });
  }

  #onFocusIn = () => {
    if (this.#binding) this.#controller.session?.setPresence({ field: this.#binding.key });
  };

  #onFocusOut = () => {
    const session = this.#controller.session;
    if (this.#binding && session?.localPresence.field === this.#binding.key) session.setPresence({ field: null });
  };

  #others(): Array<{ name: string; color: string }> {
    const session = this.#controller.session;
    const key = this.#binding?.key;
    if (!session || !key) return [];
    const others: Array<{ name: string; color: string }> = [];
    for (const [clientId, state] of session.awareness.getStates()) {
      const presence = state as Partial<PresenceState>;
      if (clientId === session.doc.clientID || presence.field !== key || !presence.user) continue;
      others.push({ name: String(presence.user.name || 'Guest'), color: String(presence.user.color) });
    }
    return others;
  }

  override render() {
    const others = this.#others();
    return html`<slot></slot>
      <div part="presence" aria-live="polite">${others.map(
        (o) => html`<span part="badge" style="background:${safeColor(o.color)}">${o.name} is here</span>`,
      )}</div>`;
  }
}
