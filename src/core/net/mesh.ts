// The mesh: one room's relay connection and the lifecycle of its peers. It says hello on
// the relay, routes hello / signal / bye between the room's peers, and creates and closes
// one Peer per remote participant. What travels over a peer (document, media, files) is
// the caller's: it attaches to each peer through onPeer and lets go of it in onPeerClosed.
import { SignalingClient, isRecord, type Identity } from './signaling.js';
import { fetchRelayIceServers } from './ice-servers.js';
import { Peer, type PeerOptions } from './peer.js';
import type { Signal } from './negotiation.js';
import { RoomSeal, SealError, isSealed, type SealFailure } from './seal.js';
import { ParleyError } from '../errors.js';

/** After a connection drops (not by `bye`), say hello again this much later so the pair reconnects. */
export const REANNOUNCE_DELAY_MS = 1000;
/** Least time between two answers to people with another password (two such groups never ping-pong). */
export const STRANGER_ANSWER_MS = 5000;
/** Most peer connections one page keeps for a room; hellos beyond are dropped and reported. */
export const MAX_PEERS = 24;
/** Most peer ids one verified identity may hold at once (a person with a few tabs open). */
export const MAX_PEERS_PER_IDENTITY = 4;
/** Relay messages handled per second from one sender; the rest are dropped. */
export const RELAY_MESSAGES_PER_SECOND = 60;
/**
 * A new pair that has not connected by then is closed: a hello nobody stands behind (forged,
 * or from a page that went away) must not hold a connection open for ever. Our hello after
 * it (at most one per REANNOUNCE_DELAY_MS) lets a real but slow pair try again.
 */
export const PEER_CONNECT_TIMEOUT_MS = 30_000;
/** Peer ids whose identity we remember (each binding lasts as long as the mesh). */
const MAX_BINDINGS = 1000;

type RelayMessage =
  | { type: 'hello'; from: string; to?: string }
  | { type: 'signal'; from: string; to: string; signal: unknown }
  | { type: 'bye'; from: string; to?: string };

/** The part of the session's configuration the mesh reads, each time it needs it. */
export interface MeshConfig {
  signaling?: string;
  token?: string;
  /** Room password: every relay message is sealed with it (seal.ts). */
  password?: string;
  iceServers?: RTCIceServer[];
  /** Connect through TURN only (RTCPeerConnection's `relay` ICE policy). */
  relayOnly?: boolean;
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
  /** The relay vouched for who a peer (or we) is: names may change. */
  onIdentity?: () => void;
  /** Options for each new connection beyond its ICE servers. */
  peerOptions?: () => Omit<PeerOptions, 'iceServers'>;
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
  #answeredStrangerAt = -Infinity;
  readonly #saidBye = new WeakSet<Peer>();
  /** Peer id → the identity the relay stamped on its first message (null: none). */
  readonly #identities = new Map<string, Identity | null>();
  #ownIdentity: Identity | null = null;
  #seal: RoomSeal | null = null;
  #sealKey = '';
  /** Sender → [second it last spoke in, messages in that second]. */
  readonly #rates = new Map<string, [number, number]>();
  /** What was already reported once (a flood of refusals is one error, not thousands). */
  readonly #reported = new Set<string>();
  readonly #toldToClose = new WeakSet<Peer>();
  readonly #hooks: MeshHooks;

  constructor(
    readonly room: string,
    readonly id: string,
    hooks: MeshHooks,
  ) {
    this.#hooks = hooks;
  }

  /** The identity the relay vouches for behind a peer id, if it stamps identities. */
  identityOf(peerId: string): Identity | null {
    return peerId === this.id ? this.#ownIdentity : (this.#identities.get(peerId) ?? null);
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
            new ParleyError('signaling', 'The relay refused this page’s token; editing goes on locally.'),
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
    const password = config.password ?? '';
    if (password !== this.#sealKey || !this.#seal) {
      this.#sealKey = password;
      this.#seal = password ? new RoomSeal(password, this.room) : null;
    }
    const seal = this.#seal;
    const signaling = new SignalingClient(config.signaling ?? defaultSignalingUrl(), config.token);
    this.#signaling = signaling;
    signaling.events.on('open', () => this.#publish({ type: 'hello', from: this.id }));
    signaling.events.on('message', (_topic, data, clients, identity) => {
      if (!seal) {
        if (isSealed(data)) return this.#refused('password-needed');
        return this.#onRelayMessage(data, clients, identity);
      }
      seal.open(data).then(
        (message) => this.#onRelayMessage(message, clients, identity),
        (error) => this.#refused(error instanceof SealError ? error.reason : 'malformed'),
      );
    });
    signaling.events.on('error', (error) => this.#hooks.onError(error));
    signaling.subscribe(this.room);
    signaling.connect();
  }

  #onRelayMessage(data: unknown, clients: number | undefined, identity: Identity | undefined): void {
    if (this.#destroyed || !isRecord(data) || typeof data.from !== 'string' || data.from.length > 64) return;
    const from = data.from;
    if (from === this.id) {
      if (data.type !== 'hello') return;
      // Our own hello, echoed: the relay shows who it says we are, and whether anyone is here.
      if (identity && !sameIdentity(identity, this.#ownIdentity)) {
        this.#ownIdentity = identity;
        this.#hooks.onIdentity?.();
      }
      if (clients === 1) this.#hooks.onAlone();
      return;
    }
    // A message for someone else is none of ours: it does not count against its sender's
    // rate (someone connecting to four people at once sends each of them an offer and its
    // candidates, and every page on the topic sees them all), nor bind anything.
    if (data.to !== undefined && data.to !== this.id) return;
    if (!this.#withinRate(from) || !this.#bind(from, identity ?? null)) return;
    switch (data.type) {
      case 'hello': {
        if (data.to !== undefined && data.to !== this.id) return;
        const existing = this.peers.get(from);
        if (existing && !existing.closed) break;
        if (!this.#roomFor(from)) return;
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
      case 'signal': {
        if (data.to !== this.id) return;
        // Only an offer starts a pair (the impolite side's first, after the hellos): an answer
        // or candidate with no pair here is left over from a closed one, late through the
        // relay, and a connection made from it would wait for an offer that never comes.
        const offer = (data.signal as Signal | null)?.description?.type === 'offer';
        const peer = this.peers.get(from) ?? (offer && this.#roomFor(from) ? this.#createPeer(from) : null);
        peer?.handleSignal(data.signal);
        break;
      }
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
    const config = this.#hooks.config();
    const peer = new Peer(id, this.id, { ...this.#hooks.peerOptions?.(), iceServers: config.iceServers ?? this.#relayIceServers, relay: config.relayOnly });
    this.peers.set(id, peer);
    peer.events.on('signal', (signal) => this.#publish({ type: 'signal', from: this.id, to: id, signal }));
    const connectTimer = setTimeout(() => {
      if (peer.connected || peer.closed) return;
      this.#report(`never-connected:${id}`, 'peer', `The connection to ${id} did not open within ${PEER_CONNECT_TIMEOUT_MS / 1000} s; closed it.`);
      peer.close(); // a bye, and a hello a little later: a slow pair tries again
    }, PEER_CONNECT_TIMEOUT_MS);
    peer.events.on('open', () => clearTimeout(connectTimer));
    peer.events.on('closed', () => {
      clearTimeout(connectTimer);
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
    const signaling = this.#signaling;
    if (!signaling) return;
    if (!this.#seal) return void signaling.publish(this.room, message);
    void this.#seal.seal(message).then((sealed) => signaling.publish(this.room, sealed));
  }

  /**
   * Binds a peer id to the identity the relay stamped on its first message: from then on,
   * a message under that id from anyone else is refused (it claims to be someone it is not).
   */
  #bind(from: string, identity: Identity | null): boolean {
    const bound = this.#identities.get(from);
    if (bound === undefined) {
      if (this.#identities.size >= MAX_BINDINGS) this.#identities.delete(this.#identities.keys().next().value!);
      this.#identities.set(from, identity);
      if (identity) this.#hooks.onIdentity?.();
      return true;
    }
    if (sameIdentity(bound, identity)) return true;
    this.#report(`forged:${from}`, 'trust', `Refused a relay message that claimed to come from peer ${from}, sent by someone else.`);
    return false;
  }

  /** Whether one more connection fits: in all, and for the identity behind `from`. */
  #roomFor(from: string): boolean {
    const open = [...this.peers.values()].filter((p) => !p.closed);
    if (open.length >= MAX_PEERS) {
      this.#report('max-peers', 'trust', `This page keeps at most ${MAX_PEERS} connections per room; refused another.`);
      return false;
    }
    const identity = this.#identities.get(from);
    if (identity && open.filter((p) => sameIdentity(this.#identities.get(p.id) ?? null, identity)).length >= MAX_PEERS_PER_IDENTITY) {
      this.#report(`per-identity:${identity.sub}`, 'trust', `${identity.name || identity.sub} already has ${MAX_PEERS_PER_IDENTITY} connections here; refused another.`);
      return false;
    }
    return true;
  }

  #withinRate(from: string): boolean {
    const second = Math.floor(performance.now() / 1000);
    const rate = this.#rates.get(from);
    if (!rate || rate[0] !== second) {
      if (this.#rates.size >= MAX_BINDINGS) this.#rates.clear();
      this.#rates.set(from, [second, 1]);
      return true;
    }
    if (++rate[1] <= RELAY_MESSAGES_PER_SECOND) return true;
    this.#report(`rate:${from}`, 'trust', `Peer ${from} sent more than ${RELAY_MESSAGES_PER_SECOND} relay messages in a second; dropped the rest.`);
    return false;
  }

  #refused(reason: SealFailure | 'password-needed'): void {
    const messages: Record<SealFailure | 'password-needed', [ParleyError['code'], string]> = {
      'password-needed': ['room-password', `Room "${this.room}" has a password: set the same password to take part.`],
      'wrong-key': ['room-password', `Someone in room "${this.room}" uses another room password: nothing is shared with them. If nobody here sees you, check the password.`],
      unsealed: ['room-password', `Refused a message in room "${this.room}" sent without the room password.`],
      'too-big': ['trust', 'Refused an oversized sealed relay message.'],
      malformed: ['trust', 'Refused a malformed sealed relay message.'],
      replayed: ['trust', 'Refused a replayed relay message.'],
    };
    const [code, message] = messages[reason];
    this.#report(reason, code, message);
    // Someone here lacks our password: a sealed hello (at most one per delay) tells them so
    // (they cannot open it, and report that), without telling them anything else.
    if ((reason === 'wrong-key' || reason === 'unsealed') && performance.now() - this.#answeredStrangerAt > STRANGER_ANSWER_MS) {
      this.#answeredStrangerAt = performance.now();
      this.#publish({ type: 'hello', from: this.id });
    }
  }

  /** Reports one kind of refusal once; a flood of them is still one error. */
  #report(kind: string, code: ParleyError['code'], message: string): void {
    if (this.#reported.has(kind)) return;
    this.#reported.add(kind);
    this.#hooks.onError(new ParleyError(code, message));
  }

  /** Tells the room we are leaving; also on pagehide, so peers drop us at once. */
  #sayBye = () => this.#publish({ type: 'bye', from: this.id });
}

function sameIdentity(a: Identity | null, b: Identity | null): boolean {
  return a === b || (a !== null && b !== null && a.sub === b.sub && a.name === b.name);
}

export function defaultSignalingUrl(): string {
  const loc = globalThis.location;
  const secure = loc?.protocol === 'https:';
  return `${secure ? 'wss' : 'ws'}://${loc?.hostname || '127.0.0.1'}:4444`;
}
