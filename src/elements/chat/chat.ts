import { LitElement, html, nothing, type PropertyValues } from 'lit';
import { SessionController } from '../shared/session-controller.js';
import { FeatureController } from '../shared/feature-controller.js';
import { emit } from '../shared/emit.js';
import { safeColor, tokens } from '../shared/theme.js';
import { widgetStyles } from '../shared/widget.styles.js';
import { styles } from './chat.styles.js';
import { Localize } from '../shared/messages.js';
import { chatOf, linkify, type Chat, type ChatMessage } from '../../core/index.js';

/**
 * @tag parley-chat
 * @summary The room's chat. Messages live in the shared document, so people who join
 * later see the history. Plain text only; web links become clickable. Enter sends,
 * Shift+Enter adds a line.
 *
 * @fires parley-chat-message - A message from someone else arrived. `detail: { message }`.
 *
 * @csspart base - The chat box.
 * @csspart log - The message list (`role="log"`).
 * @csspart message - One message.
 * @csspart name - The sender's name.
 * @csspart unverified - "(name not verified)" after a name the relay did not vouch for.
 * @csspart time - The time a message was sent.
 * @csspart text - The message text.
 * @csspart badge - The unread count.
 * @csspart input - The message textarea.
 * @csspart button - The Send button.
 *
 * @cssprop --parley-chat-height - Height of the message list (16rem).
 * @cssprop --parley-accent - Send button and link colour.
 * @cssprop --parley-surface - Background of buttons, selects and panels; light-dark(#fff, #111827), so light or dark as the page's inherited `color-scheme`.
 * @cssprop --parley-text - Text colour; light-dark(#111827, #f9fafb).
 * @cssprop --parley-muted - Secondary text; light-dark(#6b7280, #9ca3af).
 * @cssprop --parley-radius - Corner radius (8px).
 * @cssprop --parley-font - Font family (system-ui, sans-serif).
 */
export class ParleyChat extends LitElement {
  static override properties = {
    room: { reflect: true },
  };

  static override styles = [tokens, widgetStyles, styles];

  readonly #controller = new SessionController(this);
  readonly #l10n = new Localize(this);
  /** How many messages the log showed after the last render. */
  #shown = 0;
  /** Whether the log is scrolled to (nearly) its end, where new messages keep it. */
  #following = true;
  private get input(): HTMLTextAreaElement {
    return this.renderRoot.querySelector('textarea')!;
  }
  private get log(): HTMLElement | null {
    return this.renderRoot.querySelector('[part=log]');
  }
  readonly #feature = new FeatureController(this, chatOf, (chat) => [
    chat.events.on('change', () => this.requestUpdate()),
    chat.events.on('message', (message) => {
      if (this.matches(':focus-within')) chat.markRead();
      emit(this, 'parley-chat-message', { message });
    }),
  ]);

  /** Room name. Defaults to the nearest `<parley-room>` ancestor's. */
  room = '';

  /** Messages from others not yet seen (reset when the chat gets focus or you send). */
  get unread(): number {
    return this.#feature.value?.unread ?? 0;
  }

  /** The framework-free chat behind this element. */
  get chat(): Chat | null {
    return this.#feature.value;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.addEventListener('focusin', this.#markRead);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.removeEventListener('focusin', this.#markRead);
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('room')) this.#controller.refresh();
    this.#feature.follow(this.#controller.session);
  }

  protected override updated(): void {
    // New messages: follow them down, unless the reader scrolled up. Only then: the log's
    // size is read on a scroll, never on a render, which would lay out the whole page, and
    // this element renders on every presence change too (a join makes several).
    const log = this.log;
    const shown = log?.querySelectorAll('[part=message]').length ?? 0;
    if (!log || shown === this.#shown) return;
    this.#shown = shown;
    if (this.#following) log.scrollTop = log.scrollHeight;
  }

  #onScroll = ({ target: log }: Event) => {
    const { scrollHeight, scrollTop, clientHeight } = log as HTMLElement;
    this.#following = scrollHeight - scrollTop - clientHeight < 80;
  };

  /** Sends a message as you. */
  send(text: string): void {
    this.#feature.value?.send(text);
    this.#feature.value?.markRead();
  }

  #markRead = () => this.#feature.value?.markRead();

  #onKeyDown(event: KeyboardEvent): void {
    if (event.key !== 'Enter' || event.shiftKey || event.isComposing) return;
    event.preventDefault();
    this.#submit();
  }

  #submit(event?: Event): void {
    event?.preventDefault();
    this.send(this.input.value);
    this.input.value = '';
  }

  #renderMessage(m: ChatMessage) {
    const { t } = this.#l10n;
    const time = new Date(m.time);
    return html`<li part="message" style="border-color:${safeColor(m.color)}">
      <span part="name">${m.from || t('Guest')}</span>${m.verified || m.peer === this.#feature.value?.session.id
        ? nothing
        : html`<span part="unverified" class="muted" title=${t('Anyone can type any name')}>${t('(name not verified)')}</span>`}
      <time part="time" class="muted" datetime=${time.toISOString()}>${time.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}</time>
      <p part="text">${linkify(m.text).map((p) =>
        p.href ? html`<a href=${p.href} target="_blank" rel="noopener noreferrer nofollow">${p.text}</a>` : p.text,
      )}</p>
    </li>`;
  }

  override render() {
    const messages = this.#feature.value?.messages() ?? [];
    const unread = this.unread;
    const { t } = this.#l10n;
    return html`<section part="base" aria-label=${t('Chat')}>
      <header>
        <h2>${t('Chat')}</h2>
        ${unread ? html`<span part="badge" aria-label=${t('{count} unread', { count: unread })}>${unread}</span>` : nothing}
      </header>
      <div part="log" role="log" aria-live="polite" aria-label=${t('Chat messages')} tabindex="0" @scroll=${this.#onScroll}>
        <ol>
          ${messages.map((m) => this.#renderMessage(m))}
        </ol>
      </div>
      <form @submit=${this.#submit}>
        <label for="message">${t('Message')}</label>
        <textarea
          id="message"
          part="input"
          rows="2"
          maxlength="4000"
          aria-describedby="hint"
          ?disabled=${!this.#feature.value}
          @keydown=${this.#onKeyDown}
        ></textarea>
        <span id="hint" class="muted">${t('Enter sends, Shift+Enter adds a line')}</span>
        <button part="button" class="primary" type="submit" ?disabled=${!this.#feature.value}>${t('Send')}</button>
      </form>
    </section>`;
  }
}
