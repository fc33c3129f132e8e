import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import hand from 'lucide/dist/esm/icons/hand.mjs';
import { SessionController } from '../shared/session-controller.js';
import { safeColor, tokens } from '../shared/theme.js';
import { widgetStyles } from '../shared/widget.styles.js';
import { icon, iconStyles } from '../shared/icons.js';
import { Localize } from '../shared/messages.js';
import { raisedHands, type Participant } from '../../core/index.js';

/**
 * @tag parley-people
 * @summary Who is in the room: each person's name (as the relay vouched for it, else marked
 * as not verified), whether they are in the call, and a raised hand. You come first.
 *
 * @csspart base - The list's box.
 * @csspart list - The list of people.
 * @csspart person - One person.
 * @csspart name - A person's name.
 * @csspart unverified - "(name not verified)" after a name the relay did not vouch for.
 * @csspart call - "in the call", for someone in the call.
 * @csspart hand - The raised-hand icon (its text alternative names the person).
 *
 * @cssprop --parley-text - Text colour; light-dark(#111827, #f9fafb).
 * @cssprop --parley-muted - Secondary text; light-dark(#6b7280, #9ca3af).
 * @cssprop --parley-accent - The raised hand's colour.
 * @cssprop --parley-font - Font family (system-ui, sans-serif).
 */
export class ParleyPeople extends LitElement {
  static override properties = {
    room: { reflect: true },
  };

  static override styles = [
    tokens,
    widgetStyles,
    iconStyles,
    css`
      h2 {
        font-size: 1rem;
        margin: 0 0 8px;
      }
      ul {
        list-style: none;
        margin: 0;
        padding: 0;
      }
      [part='person'] {
        display: flex;
        gap: 6px;
        align-items: center;
        padding: 4px 0 4px 6px;
        border-left: 4px solid;
      }
      [part='hand'] {
        color: var(--_accent);
      }
    `,
  ];

  readonly #controller = new SessionController(this);
  readonly #l10n = new Localize(this);

  /** Room name. Defaults to the nearest `<parley-room>` ancestor's. */
  room = '';

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('room')) this.#controller.refresh();
  }

  #renderPerson(person: Participant, hands: Set<string>) {
    const { t } = this.#l10n;
    const name = person.isLocal ? t('{name} (you)', { name: person.name }) : person.name;
    const unverified = person.verified || person.isLocal ? nothing : html`<span part="unverified" class="muted" title=${t('Anyone can type any name')}>${t('(name not verified)')}</span>`;
    const call = person.media ? html`<span part="call" class="muted">${t('in the call')}</span>` : nothing;
    const handUp = hands.has(person.id) ? html`<span part="hand">${icon(hand, t('{name} raised a hand', { name: person.name }))}</span>` : nothing;
    return html`<li part="person" style="border-color:${safeColor(person.color)}">
      <span part="name">${name}</span> ${unverified} ${call} ${handUp}
    </li>`;
  }

  override render() {
    const session = this.#controller.session;
    const { t } = this.#l10n;
    const hands = session ? raisedHands(session) : new Set<string>();
    return html`<section part="base" aria-labelledby="title">
      <h2 id="title">${t('People')}</h2>
      <ul part="list">
        ${(session?.participants() ?? []).map((person) => this.#renderPerson(person, hands))}
      </ul>
    </section>`;
  }
}
