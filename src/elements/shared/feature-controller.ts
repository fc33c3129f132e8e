// An element's view of one per-session feature (chat, files, quality, active speaker): the
// session's one instance (made by the session, see core session/features.ts), followed
// when the element's session changes, the element's listeners on it removed when it
// leaves the page or the session changes. The feature itself lives as long as the session.
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { Session } from '../../core/index.js';

export class FeatureController<T> implements ReactiveController {
  #value: T | null = null;
  #session: Session | null = null;
  #off: Array<() => void> = [];

  /**
   * @param of the session's feature (e.g. `chatOf`)
   * @param listen subscribes the element to it; returns the functions that undo that
   */
  constructor(
    host: ReactiveControllerHost,
    private readonly of: (session: Session) => T,
    private readonly listen: (feature: T) => Array<() => void>,
  ) {
    host.addController(this);
  }

  /** The feature of the session followed, if any. */
  get value(): T | null {
    return this.#value;
  }

  /** Follows `session` (call it from willUpdate or updated with the element's session). */
  follow(session: Session | null): T | null {
    if (session === this.#session) return this.#value;
    this.hostDisconnected();
    this.#session = session;
    this.#value = session ? this.of(session) : null;
    if (this.#value !== null) this.#off = this.listen(this.#value);
    return this.#value;
  }

  hostDisconnected(): void {
    this.#off.forEach((off) => off());
    this.#off = [];
    this.#session = null;
    this.#value = null;
  }
}
