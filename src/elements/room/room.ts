import { LitElement, css, html, type PropertyValues } from 'lit';
import { property } from 'lit/decorators.js';
import { SessionController } from '../shared/session-controller.js';
import { emit } from '../shared/emit.js';
import type { MediaRequest, ParleyError, Session } from '../../core/index.js';

/**
 * @tag parley-room
 * @summary The session for one room: relay URL, token and your name. Every Parley element
 * with the same `room` (inside it or anywhere on the page) shares this connection.
 *
 * @slot - Parley elements and anything else; a room with no children still connects.
 *
 * @fires parley-peer-joined - A participant connected. `detail: { id, name }`.
 * @fires parley-peer-left - A participant left or their connection closed. `detail: { id, name }`.
 * @fires parley-error - Something failed (relay refused, camera denied, a malformed peer
 *   message dropped). `detail: { code, message, error }`.
 */
export class ParleyRoom extends LitElement {
  static override styles = css`
    :host {
      display: block;
    }
    :host([hidden]) {
      display: none;
    }
  `;

  readonly #controller = new SessionController(this, {
    'peer-joined': (peer) => emit(this, 'parley-peer-joined', peer),
    'peer-left': (peer) => emit(this, 'parley-peer-left', peer),
    error: (error: ParleyError) => emit(this, 'parley-error', { code: error.code, message: error.message, error }),
  });

  /** Room name: everyone on the same relay with the same room meets. */
  @property({ reflect: true }) room = '';

  /** Relay WebSocket URL. Defaults to `ws://<this page's host>:4444`. */
  @property() signaling?: string;

  /** Your display name, shown to the others. */
  @property() name?: string;

  /** JWT for a relay that requires one (passed as `?token=`). */
  @property() token?: string;

  /** ICE servers (STUN/TURN) for the peer connections. Set as a property. */
  @property({ attribute: false }) iceServers?: RTCIceServer[];

  /** The framework-free session behind this element (for advanced use). */
  get session(): Session | null {
    return this.#controller.session;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.#configure();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('room')) this.#controller.refresh();
    this.#configure();
  }

  /** Joins the call: starts camera and/or microphone and sends them to every peer. */
  async join(request: MediaRequest = { audio: true, video: true }): Promise<void> {
    if (!this.session) throw new Error('<parley-room> has no room attribute');
    await this.session.join(request);
  }

  /** Leaves the call (the shared form keeps syncing). */
  leave(): void {
    this.session?.leave();
  }

  #configure(): void {
    this.session?.configure({
      signaling: this.signaling,
      name: this.name,
      token: this.token,
      iceServers: this.iceServers,
    });
  }

  override render() {
    return html`<slot></slot>`;
  }
}
