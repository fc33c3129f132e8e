// What <parley-field> and <parley-form> share: a FormBinding over a root element, the
// parley-field-* events, and the presence layer drawn over the page's controls (others'
// outlines, carets and names; locks and assignments; the lock/assign tools).
import { html, nothing, type ReactiveController, type ReactiveControllerHost } from 'lit';
import { SessionController } from './session-controller.js';
import { emit } from './emit.js';
import { safeColor } from './theme.js';
import { caretBox } from './caret-position.js';
import { Localize } from './messages.js';
import {
  FormBinding,
  ParleyError,
  assignField,
  assignmentOf,
  lockField,
  lockHolder,
  resolveCursor,
  unlockField,
  type FieldBinding,
  type PresenceState,
} from '../../core/index.js';

type Host = ReactiveControllerHost & HTMLElement & { notify: boolean; renderRoot: HTMLElement | DocumentFragment };

export interface CollabOptions {
  /** The element whose controls are bound (the host, or the <form> inside it). */
  root: () => Element;
  keyFor?: (control: Element) => string | null;
  /** Keep the room's document in IndexedDB (survives reloads). */
  persist?: () => boolean;
}

interface Remote {
  name: string;
  /** The relay vouched for the name (else anyone could have typed it). */
  verified: boolean;
  color: string;
  presence: Partial<PresenceState>;
}

export class CollabController implements ReactiveController {
  readonly sessions: SessionController;
  readonly l10n: Localize;
  binding: FormBinding | null = null;
  /** The field the local user was last in: the tools are shown for it. */
  activeKey: string | null = null;
  #unsubscribe: Array<() => void> = [];
  #checkTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly host: Host,
    private readonly options: CollabOptions,
  ) {
    this.sessions = new SessionController(host, {
      synced: () => emit(host, 'parley-form-synced', {}),
      caret: () => host.requestUpdate(),
    });
    this.l10n = new Localize(host);
    host.addController(this);
  }

  hostConnected(): void {
    this.bind();
    window.addEventListener('resize', this.#redraw);
    window.addEventListener('scroll', this.#redraw, { capture: true, passive: true });
    this.host.addEventListener('focusin', this.#onFocusIn);
    this.host.addEventListener('keydown', this.#onKeyDown);
  }

  hostUpdated(): void {
    this.#placeTools();
  }

  hostDisconnected(): void {
    window.removeEventListener('resize', this.#redraw);
    window.removeEventListener('scroll', this.#redraw, { capture: true });
    this.host.removeEventListener('focusin', this.#onFocusIn);
    this.host.removeEventListener('keydown', this.#onKeyDown);
    this.unbind();
  }

  /** (Re)binds the root's controls to the current session. */
  bind(): void {
    this.unbind();
    const session = this.sessions.session;
    if (!session) return;
    if (this.options.persist?.()) void session.persist();
    this.binding = new FormBinding(session, this.options.root(), {
      keyFor: this.options.keyFor,
      notify: this.host.notify,
      onChange: (key, value, origin, by) => emit(this.host, 'parley-field-change', { key, value, origin, by }),
      onConflict: (key, local, shared) => emit(this.host, 'parley-field-conflict', { key, local, shared }),
    });
    const redraw = () => this.#redraw();
    session.doc.on('update', redraw);
    this.#unsubscribe.push(() => session.doc.off('update', redraw));
    // The page may still be adding the controls: complain only if none ever show up.
    this.#checkTimer = setTimeout(() => {
      if (this.binding && this.binding.bindings.size === 0) {
        const error = new ParleyError('sync', `<${this.host.localName}> found no input, textarea or select with a name to share`);
        emit(this.host, 'parley-error', { code: error.code, message: error.message, error });
      }
    });
  }

  unbind(): void {
    clearTimeout(this.#checkTimer);
    this.#unsubscribe.splice(0).forEach((off) => off());
    this.binding?.destroy();
    this.binding = null;
  }

  #redraw = () => this.host.requestUpdate();

  #onFocusIn = (event: Event) => {
    const binding = this.binding?.bindingFor(event.composedPath()[0] as Element);
    if (binding && binding.key !== this.activeKey) {
      this.activeKey = binding.key;
      this.host.requestUpdate();
    }
  };

  /** The tools (if shown) and the field they are for. */
  #tools(): [HTMLElement, FieldBinding] | [] {
    const tools = this.host.shadowRoot?.querySelector<HTMLElement>('[part=tools]');
    const field = this.activeKey ? this.binding?.bindings.get(this.activeKey) : undefined;
    return tools && field ? [tools, field] : [];
  }

  /**
   * Puts the tools where they cover no field (the one being edited included): below the
   * field, above it, beside it; where every spot covers some, the one that covers least,
   * preferring spots inside the window.
   */
  #placeTools(): void {
    const [tools, field] = this.#tools();
    if (!tools || !field) return;
    const box = unionRect(field);
    const { offsetWidth: w, offsetHeight: h } = tools;
    const fields = [...this.binding!.bindings.values()].flatMap((f) => f.controls.map(shownRect));
    const spots = [
      [box.left, box.bottom + 4],
      [box.left, box.top - h - 4],
      [box.right + 4, box.top],
      [box.left - w - 4, box.top],
    ] as const;
    let best = spots[0];
    let least = Infinity;
    for (const spot of spots) {
      const [x, y] = spot;
      let cost = x < 0 || x + w > innerWidth ? 1e9 : y < 0 || y + h > innerHeight ? 1e8 : 0;
      for (const r of fields) cost += Math.max(0, Math.min(r.right, x + w) - Math.max(r.left, x)) * Math.max(0, Math.min(r.bottom, y + h) - Math.max(r.top, y));
      if (cost < least) [least, best] = [cost, spot];
    }
    const origin = this.host.getBoundingClientRect();
    tools.style.left = `${best[0] - origin.left}px`;
    tools.style.top = `${best[1] - origin.top}px`;
  }

  /**
   * The tools come right after their field in the Tab order (they are drawn after the whole
   * form): Tab from the field enters them, Shift+Tab from their first control goes back to
   * the field, and Tab from their last one goes on from the field to whatever follows it
   * (the field is focused, and the browser's Tab moves on from there). For that one Tab the
   * tools are inert: after the form's last field they would be what follows it, and Tab
   * would go round field → tools → field for ever (a keyboard trap).
   */
  #onKeyDown = (event: KeyboardEvent) => {
    const [tools, field] = this.#tools();
    if (event.key !== 'Tab' || !tools || !field) return;
    const target = event.composedPath()[0] as HTMLElement;
    const stops = tools.querySelectorAll<HTMLElement>('button, select');
    const controls = field.controls as HTMLElement[];
    if (event.shiftKey ? target === stops[0] : controls.includes(target)) {
      event.preventDefault();
      (event.shiftKey ? controls[0]! : stops[0]!).focus();
    } else if (!event.shiftKey && target === stops[stops.length - 1]) {
      tools.inert = true;
      controls.at(-1)!.focus();
      setTimeout(() => (tools.inert = false)); // the browser's Tab has moved on by then
    }
  };

  #remotes(): Remote[] {
    const session = this.sessions.session;
    if (!session) return [];
    const remotes: Remote[] = [];
    for (const [clientId, state] of session.awareness.getStates()) {
      const presence = state as Partial<PresenceState>;
      if (clientId === session.doc.clientID || !presence.user || !presence.field) continue;
      const verified = typeof presence.peer === 'string' && session.isVerified(presence.peer);
      remotes.push({ name: session.nameOf(presence), verified, color: safeColor(String(presence.user.color)), presence });
    }
    return remotes;
  }

  /** Others in each field, for a field's badges. */
  othersIn(key: string): Remote[] {
    return this.#remotes().filter((r) => r.presence.field === key);
  }

  /** The presence layer: render it inside a positioned container over the root. */
  renderOverlay() {
    const session = this.sessions.session;
    const binding = this.binding;
    if (!session || !binding) return nothing;
    // Measured only when something is drawn: reading it lays out the page at once, and this
    // renders on every presence change (a join, for one), mostly with nothing to draw.
    let measured: DOMRect | undefined;
    const origin = () => (measured ??= this.host.getBoundingClientRect());
    const scratch = this.host.shadowRoot!;
    const layers = [];
    for (const remote of this.#remotes()) {
      const field = binding.bindings.get(remote.presence.field!);
      if (!field) continue;
      const box = unionRect(field);
      const holder = lockHolder(session, field.key);
      const locked = holder && !holder.isLocal && holder.name === remote.name;
      layers.push(html`<div
        part="outline"
        style=${`left:${box.left - origin().left - 2}px;top:${box.top - origin().top - 2}px;width:${box.width}px;height:${box.height}px;border-color:${remote.color}`}
      >
        <span part="flag" style="background:${remote.color}"
          >${locked ? this.l10n.t('{name} (locked)', { name: remote.name }) : remote.name}${remote.verified ? nothing : html` <span part="unverified">?</span>`}</span
        >
      </div>`);
      const range = remote.presence.cursor ? resolveCursor(session.doc, remote.presence.cursor) : null;
      if (range && field.controls.length === 1) {
        const caret = caretBox(field.controls[0], range.end, scratch);
        if (caret) {
          layers.push(html`<div
            part="caret"
            style=${`left:${caret.x - origin().left}px;top:${caret.y - origin().top}px;height:${caret.height}px;background:${remote.color}`}
          ></div>`);
        }
      }
    }
    for (const [key, field] of binding.bindings) {
      const assignment = assignmentOf(session, key);
      if (!assignment) continue;
      const box = unionRect(field);
      layers.push(html`<span part="assignment" style=${`left:${box.right - origin().left}px;top:${box.top - origin().top}px`}
        >${assignment.peer === session.id ? this.l10n.t('Assigned to you') : this.l10n.t('Assigned to {name}', { name: assignment.name })}</span
      >`);
    }
    return html`<div part="overlay" aria-hidden="true">${layers}</div>${this.#renderTools()}`;
  }

  /** Lock and assign tools for the field the local user is in. */
  #renderTools() {
    const session = this.sessions.session;
    const key = this.activeKey;
    const field = key ? this.binding?.bindings.get(key) : undefined;
    if (!session || !key || !field) return nothing;
    const holder = lockHolder(session, key);
    const assignment = assignmentOf(session, key);
    const others = session.participants().filter((p) => !p.isLocal);
    // Locking and delegating only mean something with someone else in the room.
    if (!others.length) return nothing;
    const { t } = this.l10n;
    return html`<div part="tools" role="group" aria-label=${t('Field {name}', { name: key })}>
      ${holder && !holder.isLocal
        ? html`<span part="lock-status">${t('Locked by {name}', { name: holder.name })}</span>`
        : html`<button
            part="button lock"
            type="button"
            aria-pressed=${String(holder?.isLocal ?? false)}
            @click=${() => (holder?.isLocal ? unlockField(session, key) : lockField(session, key))}
          >
            ${t(holder?.isLocal ? 'Unlock' : 'Lock')}
          </button>`}
      <label part="assign"
        >${t('Assign to')}
        <select @change=${(e: Event) => assignField(session, key, (e.target as HTMLSelectElement).value || null)}>
          <option value="" ?selected=${!assignment}>${t('nobody')}</option>
          ${others.map(
            (p) => html`<option value=${p.id} ?selected=${assignment?.peer === p.id}>${p.name || t('Guest')}</option>`,
          )}
        </select></label
      >
    </div>`;
  }
}

/** Where a control shows: a control a page widget hides (select2) shows in its parent. */
function shownRect(control: Element): DOMRect {
  const rect = control.getBoundingClientRect();
  return rect.width > 1 && rect.height > 1 ? rect : control.parentElement!.getBoundingClientRect();
}

function unionRect(field: FieldBinding): DOMRect {
  const rects = field.controls.map(shownRect);
  const left = Math.min(...rects.map((r) => r.left));
  const top = Math.min(...rects.map((r) => r.top));
  const right = Math.max(...rects.map((r) => r.right));
  const bottom = Math.max(...rects.map((r) => r.bottom));
  return new DOMRect(left, top, right - left, bottom - top);
}
