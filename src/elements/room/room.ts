import { LitElement, css, html, type PropertyValues } from 'lit';
import { SessionController } from '../shared/session-controller.js';
import { emit } from '../shared/emit.js';
import { ParleyError, isQualityProfile, parseIceServers, type MediaMode, type MediaRequest, type QualityProfile, type Session } from '../../core/index.js';

/**
 * @tag parley-room
 * @summary The session for one room: relay URL, token, room password and your name. Every Parley element
 * with the same `room` (inside it or anywhere on the page) shares this connection.
 *
 * @slot - Parley elements and anything else; a room with no children still connects.
 *
 * @fires parley-peer-joined - A participant connected. `detail: { id, name }`.
 * @fires parley-peer-left - A participant left or their connection closed. `detail: { id, name }`.
 * @fires parley-error - Something failed (relay refused, camera denied, a malformed peer
 *   message dropped, the call full, an invalid attribute). `detail: { code, message, error }`.
 */
export class ParleyRoom extends LitElement {
  static override properties = {
    room: { reflect: true },
    signaling: {},
    name: {},
    token: {},
    password: {},
    iceServers: { attribute: 'ice-servers', converter: { fromAttribute: (v: string | null) => (v ? (parseIceServers(v) ?? undefined) : undefined) } },
    relayOnly: { attribute: 'relay-only', type: Boolean },
    quality: {},
    maxParticipants: { attribute: 'max-participants', type: Number },
    media: {},
    mediaEncryption: { attribute: 'media-encryption' },
  };

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
    error: (error: ParleyError) => this.#error(error),
    peer: ({ pc }) => {
      // relay-only without a TURN server (ours or the relay's): nothing can carry a connection.
      const config = pc.getConfiguration();
      if (config.iceTransportPolicy === 'relay' && !/"turns?:/i.test(JSON.stringify(config.iceServers)) && !this.#saidNoTurn) {
        this.#saidNoTurn = true;
        this.#error(new ParleyError('config', 'relay-only needs a TURN server (ice-servers, or the relay’s): no connection can open without one.'));
      }
    },
  });
  #saidNoTurn = false;

  /** Room name: everyone on the same relay with the same room meets. */
  room = '';

  /** Relay WebSocket URL. Defaults to `ws://<this page's host>:4444`. */
  signaling?: string;

  /**
   * Your display name, shown to the others when the token carries none. Such a name is
   * shown as not verified: anyone can type any name.
   */
  name?: string;

  /**
   * JWT for a relay that requires one (passed as `?token=`). A token the relay refuses is a
   * `parley-error` (code `signaling`); the room then stays offline, editing goes on locally.
   */
  token?: string;

  /**
   * Room password (from the host app, e.g. an HMAC of the room name): seals every message
   * through the relay with AES-GCM, so the relay reads no offer, no address and no content
   * and cannot inject any. Only people with the same password see each other; a message
   * sealed with another one is a `parley-error` (code `room-password`).
   */
  password?: string;

  /**
   * ICE servers (STUN/TURN) for the peer connections: the property, or the `ice-servers`
   * attribute as JSON (`[{"urls":"turn:turn.example.com","username":"u","credential":"p"}]`).
   * An attribute that does not parse is ignored with a `parley-error` (code `config`).
   */
  iceServers?: RTCIceServer[];

  /**
   * `relay-only`: connect to the others only through a TURN server (`ice-servers`, or the
   * TURN credentials the relay hands out), so no one in the room learns this browser's IP
   * addresses. Without any TURN server, connections cannot open (a `parley-error`, code
   * `config`, says so).
   */
  relayOnly = false;

  /**
   * Camera quality: `low` (320×240@15), `medium` (640×480@20), `high` (1280×720@30), or
   * `auto` (default): capture high and adapt bitrate and resolution per peer to the network.
   */
  quality?: QualityProfile;

  /** Most people in the call, you included (default 6); the next one gets a clear "call is full" error. */
  maxParticipants?: number;

  /**
   * Where the call's camera and microphone go: `mesh` straight to each other person; `sfu`
   * once, to the media server the relay names (Janus), which forwards them: for calls larger
   * than a mesh carries; `auto` a mesh that moves to the media server by itself when the
   * fifth person joins the call (and stays there when someone leaves). Without the
   * attribute the room works as `auto` where it can (a `password`, and a relay with a media
   * server) and as a quiet mesh elsewhere. Form, chat and files stay peer-to-peer. When
   * `sfu` or `auto` cannot use a media server (none on the relay, no room password), the
   * call stays peer-to-peer and says so once (`parley-error`, code `sfu`).
   */
  media?: MediaMode;

  /**
   * `password` (default): media through the media server is encrypted end to end with a key
   * from `password` (without one, `media="sfu"` is refused); `none` sends it in clear.
   */
  mediaEncryption?: 'password' | 'none';

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

  override attributeChangedCallback(name: string, old: string | null, value: string | null): void {
    super.attributeChangedCallback(name, old, value);
    if (name === 'ice-servers' && value && !parseIceServers(value)) {
      const error = new ParleyError('config', 'The ice-servers attribute is not a JSON list of {urls, username?, credential?}; ignored.');
      emit(this, 'parley-error', { code: error.code, message: error.message, error });
    }
  }

  /** Joins the call: starts camera and/or microphone and sends them to every peer. */
  async join(request: MediaRequest = { audio: true, video: true }): Promise<void> {
    if (!this.session) throw new Error('<parley-room> has no room attribute');
    await this.session.join(request);
  }

  /** Leaves the call (the shared form keeps syncing); a join() still waiting for the camera is called off. */
  leave(): void {
    this.session?.leave();
  }

  #configure(): void {
    this.session?.configure({
      signaling: this.signaling,
      name: this.name,
      token: this.token,
      password: this.password,
      iceServers: this.iceServers,
      relayOnly: this.relayOnly,
      maxParticipants: this.maxParticipants,
      quality: isQualityProfile(this.quality) ? this.quality : undefined,
      media: this.media === 'sfu' || this.media === 'mesh' || this.media === 'auto' ? this.media : undefined,
      mediaEncryption: this.mediaEncryption === 'none' ? 'none' : undefined,
    });
  }

  #error(error: ParleyError): void {
    emit(this, 'parley-error', { code: error.code, message: error.message, error });
  }

  override render() {
    return html`<slot></slot>`;
  }
}
