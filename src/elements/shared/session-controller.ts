// Connects any element to its room's Session: the element's own `room` attribute, else
// its nearest <parley-room> ancestor's (across shadow roots). Re-renders the host when the
// session changes and lets go of the session when the host leaves the DOM.
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { acquireSession, releaseSession, type Session, type SessionEvents } from '../../core/index.js';

type Host = ReactiveControllerHost & HTMLElement;

export class SessionController implements ReactiveController {
  session: Session | null = null;
  #unsubscribe: Array<() => void> = [];

  constructor(
    private readonly host: Host,
    private readonly listeners: Partial<SessionEvents> = {},
  ) {
    host.addController(this);
  }

  hostConnected(): void {
    const room = roomOf(this.host);
    if (!room) return;
    this.#attach(room);
  }

  hostDisconnected(): void {
    this.#detach();
  }

  /** Re-resolves the room (after the host's `room` changed). */
  refresh(): void {
    const room = roomOf(this.host);
    if (room === this.session?.room) return;
    this.#detach();
    if (room && this.host.isConnected) this.#attach(room);
    this.host.requestUpdate();
  }

  #attach(room: string): void {
    const session = acquireSession(room);
    this.session = session;
    this.#unsubscribe.push(session.events.on('change', () => this.host.requestUpdate()));
    for (const [name, listener] of Object.entries(this.listeners)) {
      this.#unsubscribe.push(session.events.on(name as keyof SessionEvents, listener as never));
    }
  }

  #detach(): void {
    this.#unsubscribe.forEach((off) => off());
    this.#unsubscribe = [];
    if (this.session) releaseSession(this.session);
    this.session = null;
  }
}

/** The room an element belongs to: its own attribute, else its nearest <parley-room>'s. */
export function roomOf(element: Element): string | null {
  const own = element.getAttribute('room');
  if (own) return own;
  let node: Node | null = element.parentNode;
  while (node) {
    if (node instanceof Element && node.localName === 'parley-room') return node.getAttribute('room');
    node = node instanceof ShadowRoot ? node.host : node.parentNode;
  }
  return null;
}
