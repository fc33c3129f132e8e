// The mesh: one room's relay connection and the lifecycle of its peers. It says hello on
// the relay, routes hello / signal / bye between the room's peers, and creates and closes
// one Peer per remote participant. What travels over a peer (document, media, files) is
// the caller's: it attaches to each peer through onPeer and lets go of it in onPeerClosed.
import { SignalingClient, isRecord } from './signaling.js';
import { fetchRelayIceServers } from './ice-servers.js';
import { Peer } from './peer.js';
import { ParleyError } from '../errors.js';

/** After a connection drops (not by `bye`), say hello again this much later so the pair reconnects. */
export const REANNOUNCE_DELAY_MS = 1000;

type RelayMessage =
  | { type: 'hello'; from: string; to?: string }
  | { type: 'signal'; from: string; to: string; signal: unknown }
  | { type: 'bye'; from: string; to?: string };

/** The part of the session's configuration the mesh reads, each time it needs it. */
export interface MeshConfig {
  signaling?: string;
  token?: string;
  iceServers?: RTCIceServer[];
}

export interface MeshHooks {
  /** The current configuration (it may change between calls). */
  config: () => Readonly<MeshConfig>;
  /** A peer was created and is in `peers`; called before any signal reaches it. */
  onPeer: (peer: Peer) => void;
  /** A peer closed and is no longer in `peers`. */
  onPeerClosed: (peer: Peer) => void;
  /** Our own hello came back with one subscriber: nobody else is in the room. */
  onAlone: () => void;
  onError: (error: ParleyError) => void;
}

export class Mesh {
  /** Remote peer id → its connection. */
  readonly peers = new Map<string, Peer>();

  #signaling: SignalingClient | null = null;
  #started = false;
  #destroyed = false;
  #relayIceServers: RTCIceServer[] | undefined;
  #reannounceTimer: ReturnType<typeof setTimeout> | undefined;
  #quickHelloAt = -Infinity;
  readonly #saidBye = new WeakSet<Peer>();
  readonly #toldToClose = new WeakSet<Peer>();
  readonly #hooks: MeshHooks;

  constructor(
    readonly room: string,
    readonly id: string,
    hooks: MeshHooks,
  ) {
    this.#hooks = hooks;
  }

  /** Whether start() was called without a disconnect() since. */
  get started(): boolean {
    return this.#started;
  }

  /** Connects to the relay; peers follow. Idempotent. */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    const config = this.#hooks.config();
    // TURN credentials come from the relay's /ice, before any connection is built.
    let refused = false;
    const ice = config.iceServers
      ? Promise.resolve()
      : fetchRelayIceServers(config.signaling ?? defaultSignalingUrl(), config.token).then((list) => {
          if (list !== 'unauthorized') return void (this.#relayIceServers = list ?? undefined);
          refused = true; // disconnect() and start() try again
          this.#hooks.onError(
            new ParleyError('signaling', 'The relay refused this page’s token (missing, invalid or expired); editing goes on locally.'),
          );
        });
    void ice.then(() => {
      if (this.#started && !this.#destroyed && !this.#signaling && !refused) this.#connectSignaling();
    });
    globalThis.addEventListener?.('pagehide', this.#sayBye);
  }

  /** Closes the relay connection and every peer connection; start() connects again. */
  disconnect(): void {
    if (!this.#started) return;
    this.#started = false;
    this.#sayBye();
    this.#signaling?.close();
    this.#signaling = null;
    for (const peer of [...this.peers.values()]) peer.close();
    globalThis.removeEventListener?.('pagehide', this.#sayBye);
  }

  /** Connects to the relay again (its URL or token changed), if started. */
  reconnect(): void {
    if (!this.#started) return;
    this.#signaling?.close();
    this.#signaling = null;
    this.#connectSignaling();
  }

  destroy(): void {
    this.#destroyed = true;
    clearTimeout(this.#reannounceTimer);
    this.#sayBye();
    this.#signaling?.close();
    for (const peer of this.peers.values()) peer.close();
    globalThis.removeEventListener?.('pagehide', this.#sayBye);
  }

  #connectSignaling(): void {
    const config = this.#hooks.config();
    const signaling = new SignalingClient(config.signaling ?? defaultSignalingUrl(), config.token);
    this.#signaling = signaling;
    signaling.events.on('open', () => signaling.publish(this.room, { type: 'hello', from: this.id }));
    signaling.events.on('message', (_topic, data, clients) => {
      // Our own hello echoed with one subscriber: nobody else is here to sync with.
      if (isRecord(data) && data.type === 'hello' && data.from === this.id && clients === 1) this.#hooks.onAlone();
      this.#onRelayMessage(data);
    });
    signaling.events.on('error', (error) => this.#hooks.onError(error));
    signaling.subscribe(this.room);
    signaling.connect();
  }

  #onRelayMessage(data: unknown): void {
    if (!isRecord(data) || typeof data.from !== 'string' || data.from === this.id || data.from.length > 64) return;
    const from = data.from;
    switch (data.type) {
      case 'hello': {
        if (data.to !== undefined && data.to !== this.id) return;
        const existing = this.peers.get(from);
        if (existing && !existing.closed) break;
        // Only one side starts a pair, so two people arriving together never both offer
        // (an offer collision with media is where browsers disagree): the impolite side
        // creates the connection, the polite one asks it to with a hello of its own.
        if (this.id < from && data.to === undefined) {
          this.#publish({ type: 'hello', from: this.id, to: from });
        } else {
          this.#createPeer(from);
        }
        break;
      }
      case 'signal':
        if (data.to !== this.id) return;
        (this.peers.get(from) ?? this.#createPeer(from)).handleSignal(data.signal);
        break;
      case 'bye': {
        const peer = this.peers.get(from);
        if (!peer) break;
        if (data.to === undefined) this.#saidBye.add(peer); // it left the room
        else if (data.to === this.id) this.#toldToClose.add(peer); // it dropped our connection
        else break;
        peer.close();
        break;
      }
    }
  }

  #createPeer(id: string): Peer {
    this.peers.get(id)?.close();
    const peer = new Peer(id, this.id, { iceServers: this.#hooks.config().iceServers ?? this.#relayIceServers });
    this.peers.set(id, peer);
    peer.events.on('signal', (signal) => this.#publish({ type: 'signal', from: this.id, to: id, signal }));
    peer.events.on('closed', () => {
      if (this.peers.get(id) === peer) this.peers.delete(id);
      if (!this.#destroyed && !this.#saidBye.has(peer)) {
        // We dropped a connection the other side may still think is alive: tell it, so both
        // build a new one after the hello (else it ignores our hello for its stale peer).
        if (!this.#toldToClose.has(peer)) this.#publish({ type: 'bye', from: this.id, to: id });
        this.#reannounce(peer.wedged);
      }
      this.#hooks.onPeerClosed(peer);
    });
    this.#hooks.onPeer(peer);
    return peer;
  }

  /**
   * The connection dropped but the peer may still be here: announce again (once per delay).
   * `now` (a connection that could not negotiate, both sides alive): at once, after the
   * `bye`, but at most once per delay, so a peer that keeps failing can't make us spin.
   */
  #reannounce(now = false): void {
    if (this.#reannounceTimer) return;
    const hello = () => {
      if (!this.#destroyed) this.#publish({ type: 'hello', from: this.id });
    };
    if (now && performance.now() - this.#quickHelloAt > REANNOUNCE_DELAY_MS) {
      this.#quickHelloAt = performance.now();
      return hello();
    }
    this.#reannounceTimer = setTimeout(() => {
      this.#reannounceTimer = undefined;
      hello();
    }, REANNOUNCE_DELAY_MS);
  }

  #publish(message: RelayMessage): void {
    this.#signaling?.publish(this.room, message);
  }

  /** Tells the room we are leaving; also on pagehide, so peers drop us at once. */
  #sayBye = () => this.#publish({ type: 'bye', from: this.id });
}

export function defaultSignalingUrl(): string {
  const loc = globalThis.location;
  const secure = loc?.protocol === 'https:';
  return `${secure ? 'wss' : 'ws'}://${loc?.hostname || '127.0.0.1'}:4444`;
}
