// Yjs document and awareness sync between peers with y-protocols: the same sync (step 1,
// step 2, update) and awareness messages y-webrtc and y-websocket use. No transport here:
// each peer is a "send bytes" function, and the caller feeds received bytes to receive().
//
// A peer sends only its own edits: in a full mesh everyone hears the author directly, so
// passing on what others wrote would only send each keystroke n−1 more times. When a pair
// cannot connect (one path fails while the others work), the state-vector reports close
// the gap: a peer that reports holding more than we do, and still does a moment later,
// is asked for the difference (sync step 1, answered with step 2).
import * as Y from 'yjs';
import * as encoding from 'lib0/encoding';
import * as decoding from 'lib0/decoding';
import * as syncProtocol from 'y-protocols/sync';
import * as awarenessProtocol from 'y-protocols/awareness';

export const messageSync = 0;
export const messageAwareness = 1;
export const messageQueryAwareness = 3;
/**
 * Parley's addition: "I hold these clocks now", the entries of our state vector that grew
 * since our last report to that peer (the first report: all of it). Sent (debounced)
 * after we apply updates, so each side learns when the other holds everything it has
 * (form "synced"), and who holds what it lacks (see the top of this file).
 */
export const messageStateVector = 4;
/** Delay that batches state-vector reports during bursts of typing. */
export const STATE_VECTOR_REPORT_MS = 30;
/**
 * How long a peer may report holding more than we do before we ask it for the difference:
 * in a full mesh the author's own copy comes first, well within this.
 */
export const CATCH_UP_MS = 150;
/** Largest presence one peer may publish (its JSON); a bigger one is dropped. */
export const MAX_AWARENESS_STATE_BYTES = 16 * 1024;
/**
 * Most keys one shared map may hold, and most shared types (a field's text is one) a
 * document may hold: an update that would go past either is dropped whole. A form with
 * a thousand fields stays far below both.
 */
export const MAX_KEYS_PER_MAP = 5000;
export const MAX_SHARED_TYPES = 5000;

type Send = (bytes: Uint8Array) => void;

interface SyncPeer {
  send: Send;
  /**
   * The one awareness client this connection speaks for: the first it announced. Updates
   * for any other client (ours included) are refused.
   */
  owner: number | null;
  /** We received the peer's sync step 2: we hold everything it had. */
  synced: boolean;
  /** What the peer reported holding (its reports merged), once it has reported. */
  stateVector: Map<number, number> | null;
  /** What we last reported holding to the peer (null: nothing yet, not even "nothing"). */
  told: Map<number, number> | null;
  /** Set while we wait to see whether the peer's lead is closed by others (CATCH_UP_MS). */
  catchUp?: ReturnType<typeof setTimeout>;
}

export interface DocSyncHooks {
  onError?: (peerId: string, error: unknown) => void;
  /** We received a peer's full state (its sync step 2). */
  onPeerSynced?: (peerId: string) => void;
  /** Whether every peer holds all we have may have changed: see allPeersHaveOurState(). */
  onStateVector?: () => void;
  /** A peer tried to speak for someone else or went over a budget: dropped. */
  onRefused?: (peerId: string, reason: string) => void;
}

export class DocSync {
  readonly #peers = new Map<string, SyncPeer>();
  #reportTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    readonly doc: Y.Doc,
    readonly awareness: awarenessProtocol.Awareness,
    private readonly hooks: DocSyncHooks = {},
  ) {
    doc.on('update', this.#onDocUpdate);
    awareness.on('update', this.#onAwarenessUpdate);
  }

  /** Starts syncing with a peer whose channel just opened: we send step 1 and our awareness. */
  addPeer(peerId: string, send: Send): void {
    this.#peers.set(peerId, { send, owner: null, synced: false, stateVector: null, told: null });
    const step1 = encoding.createEncoder();
    encoding.writeVarUint(step1, messageSync);
    syncProtocol.writeSyncStep1(step1, this.doc);
    send(encoding.toUint8Array(step1));
    send(this.#encodeAwareness([this.doc.clientID]));
  }

  /** Forgets a peer and drops its presence at once (not after awareness's 30 s timeout). */
  removePeer(peerId: string): void {
    const peer = this.#peers.get(peerId);
    if (!peer) return;
    clearTimeout(peer.catchUp);
    this.#peers.delete(peerId);
    const gone = peer.owner === null ? [] : [peer.owner];
    if (!gone.length) return;
    awarenessProtocol.removeAwarenessStates(this.awareness, gone, 'peer-left');
    // Forget their clocks too. A peer whose connection is rebuilt announces the same state
    // at the same clock, which awareness would otherwise ignore as old news until its next
    // renewal, 15 s or more, with no tile for that person meanwhile. Only a client's own
    // peer speaks for it (see #onAwarenessUpdate), so nothing stale can come back this way.
    for (const id of gone) this.awareness.meta.delete(id);
  }

  /** True when every connected peer has reported holding everything this doc holds. */
  allPeersHaveOurState(): boolean {
    const ours = Y.decodeStateVector(Y.encodeStateVector(this.doc));
    for (const peer of this.#peers.values()) {
      if (!peer.stateVector || isAhead(ours, peer.stateVector)) return false;
    }
    return true;
  }

  /** Applies one message from a peer. Malformed input is reported and dropped. */
  receive(peerId: string, bytes: Uint8Array): void {
    const peer = this.#peers.get(peerId);
    if (!peer) return;
    try {
      const decoder = decoding.createDecoder(bytes);
      const type = decoding.readVarUint(decoder);
      switch (type) {
        case messageSync: {
          const refusal = this.#overBudget(decoding.clone(decoder));
          if (refusal) {
            this.#refuse(peerId, refusal);
            break;
          }
          const reply = encoding.createEncoder();
          encoding.writeVarUint(reply, messageSync);
          const step = syncProtocol.readSyncMessage(decoder, reply, this.doc, peerId, (e) => this.hooks.onError?.(peerId, e));
          if (encoding.length(reply) > 1) peer.send(encoding.toUint8Array(reply));
          if (step === syncProtocol.messageYjsSyncStep2 && !peer.synced) {
            peer.synced = true;
            this.hooks.onPeerSynced?.(peerId);
          }
          // Tell everyone what we hold now (they learn whether we caught up with them).
          if (step !== syncProtocol.messageYjsSyncStep1) this.#scheduleStateVectorReport();
          break;
        }
        case messageStateVector: {
          const held = (peer.stateVector ??= new Map());
          for (const [client, clock] of Y.decodeStateVector(decoding.readVarUint8Array(decoder))) {
            if (clock > (held.get(client) ?? 0)) held.set(client, clock);
          }
          this.hooks.onStateVector?.();
          this.#catchUpWith(peerId, peer);
          break;
        }
        case messageAwareness: {
          const update = this.#ownUpdate(peerId, peer, decoding.readVarUint8Array(decoder));
          if (update) awarenessProtocol.applyAwarenessUpdate(this.awareness, update, peerId);
          break;
        }
        case messageQueryAwareness:
          peer.send(this.#encodeAwareness([this.doc.clientID]));
          break;
        default:
          throw new Error(`unknown sync message type ${type}`);
      }
    } catch (error) {
      this.hooks.onError?.(peerId, error);
    }
  }

  /**
   * Keeps only what a peer may say in an awareness update: its own presence (the client it
   * first announced, no one else's, never ours), naming its own peer id, within size.
   * Returns the update to apply, or null when nothing in it is.
   */
  #ownUpdate(peerId: string, peer: SyncPeer, update: Uint8Array): Uint8Array | null {
    const input = decoding.createDecoder(update);
    const count = decoding.readVarUint(input);
    const kept = encoding.createEncoder();
    let keptCount = 0;
    const entries = encoding.createEncoder();
    for (let i = 0; i < count; i++) {
      const client = decoding.readVarUint(input);
      const clock = decoding.readVarUint(input);
      const json = decoding.readVarString(input);
      const refusal = this.#awarenessRefusal(peerId, peer, client, json);
      if (refusal) {
        this.#refuse(peerId, refusal);
        continue;
      }
      peer.owner = client;
      encoding.writeVarUint(entries, client);
      encoding.writeVarUint(entries, clock);
      encoding.writeVarString(entries, json);
      keptCount++;
    }
    if (!keptCount) return null;
    encoding.writeVarUint(kept, keptCount);
    encoding.writeUint8Array(kept, encoding.toUint8Array(entries));
    return encoding.toUint8Array(kept);
  }

  /**
   * Whether a sync message (step 2 or update) would grow a shared map past MAX_KEYS_PER_MAP
   * keys, or the document past MAX_SHARED_TYPES shared types. Only entries that name their
   * parent count (a new key, a new type); edits of what exists never do.
   */
  #overBudget(decoder: decoding.Decoder): string | null {
    if (decoding.readVarUint(decoder) === syncProtocol.messageYjsSyncStep1) return null;
    const { structs } = Y.decodeUpdate(decoding.readVarUint8Array(decoder));
    const keys = new Map<string, Set<string>>();
    for (const struct of structs) {
      if (!(struct instanceof Y.Item) || typeof struct.parent !== 'string') continue;
      let set = keys.get(struct.parent);
      if (!set) keys.set(struct.parent, (set = new Set()));
      if (struct.parentSub !== null) set.add(struct.parentSub);
    }
    const share = this.doc.share;
    if (share.size + [...keys.keys()].filter((name) => !share.has(name)).length > MAX_SHARED_TYPES) return 'an update over the shared-types budget';
    for (const [name, added] of keys) {
      const map = share.get(name)?._map;
      const size = (map?.size ?? 0) + [...added].filter((key) => !map?.has(key)).length;
      if (size > MAX_KEYS_PER_MAP) return `an update over the keys budget of "${name.slice(0, 40)}"`;
    }
    return null;
  }

  #awarenessRefusal(peerId: string, peer: SyncPeer, client: number, json: string): string | null {
    if (client === this.doc.clientID) return 'presence for us';
    if (peer.owner !== null && client !== peer.owner) return 'presence for another client';
    if (peer.owner === null && [...this.#peers.values()].some((p) => p.owner === client)) return 'presence of another peer';
    if (json.length > MAX_AWARENESS_STATE_BYTES) return 'presence over the size limit';
    const state = JSON.parse(json) as unknown;
    if (state !== null && (typeof state !== 'object' || (state as { peer?: unknown }).peer !== peerId)) return 'presence naming another peer';
    return null;
  }

  readonly #refusals = new Set<string>();

  /** Reports a refusal once per peer and reason (a flood is one report). */
  #refuse(peerId: string, reason: string): void {
    const key = `${peerId} ${reason}`;
    if (this.#refusals.has(key)) return;
    this.#refusals.add(key);
    this.hooks.onRefused?.(peerId, reason);
  }

  /** The peer holds what we lack and still does after CATCH_UP_MS: ask it for the difference. */
  #catchUpWith(peerId: string, peer: SyncPeer): void {
    const lagging = () => peer.stateVector !== null && isAhead(peer.stateVector, Y.decodeStateVector(Y.encodeStateVector(this.doc)));
    if (peer.catchUp !== undefined || !lagging()) return;
    peer.catchUp = setTimeout(() => {
      peer.catchUp = undefined;
      if (this.#peers.get(peerId) !== peer || !lagging()) return;
      const step1 = encoding.createEncoder();
      encoding.writeVarUint(step1, messageSync);
      syncProtocol.writeSyncStep1(step1, this.doc);
      peer.send(encoding.toUint8Array(step1));
    }, CATCH_UP_MS);
  }

  #scheduleStateVectorReport(): void {
    if (this.#reportTimer !== undefined) return;
    this.#reportTimer = setTimeout(() => {
      this.#reportTimer = undefined;
      const ours = Y.decodeStateVector(Y.encodeStateVector(this.doc));
      for (const peer of this.#peers.values()) {
        const told = peer.told;
        const grown = new Map([...ours].filter(([client, clock]) => clock > (told?.get(client) ?? 0)));
        if (told && !grown.size) continue;
        peer.told = new Map([...(told ?? []), ...grown]);
        const encoder = encoding.createEncoder();
        encoding.writeVarUint(encoder, messageStateVector);
        encoding.writeVarUint8Array(encoder, Y.encodeStateVector(grown));
        peer.send(encoding.toUint8Array(encoder));
      }
    }, STATE_VECTOR_REPORT_MS);
  }

  destroy(): void {
    clearTimeout(this.#reportTimer);
    for (const peer of this.#peers.values()) clearTimeout(peer.catchUp);
    this.doc.off('update', this.#onDocUpdate);
    this.awareness.off('update', this.#onAwarenessUpdate);
    for (const id of [...this.#peers.keys()]) this.removePeer(id);
  }

  #onDocUpdate = (update: Uint8Array, origin: unknown) => {
    // What a peer sent us is not passed on (see the top of this file); the rest is ours:
    // an edit here, or the document loaded from this browser's storage.
    if (typeof origin !== 'string' || !this.#peers.has(origin)) {
      const encoder = encoding.createEncoder();
      encoding.writeVarUint(encoder, messageSync);
      syncProtocol.writeUpdate(encoder, update);
      const bytes = encoding.toUint8Array(encoder);
      for (const peer of this.#peers.values()) peer.send(bytes);
    }
    this.hooks.onStateVector?.();
  };

  #onAwarenessUpdate = ({ added, updated, removed }: { added: number[]; updated: number[]; removed: number[] }) => {
    // Only our own state goes out: in a full mesh every peer hears each other directly,
    // and forwarding would make us speak for clients we do not own.
    const own = this.doc.clientID;
    if (!added.includes(own) && !updated.includes(own) && !removed.includes(own)) return;
    const bytes = this.#encodeAwareness([own]);
    for (const peer of this.#peers.values()) peer.send(bytes);
  };

  #encodeAwareness(clients: number[]): Uint8Array {
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, messageAwareness);
    encoding.writeVarUint8Array(encoder, awarenessProtocol.encodeAwarenessUpdate(this.awareness, clients));
    return encoding.toUint8Array(encoder);
  }
}

/** Whether `a` holds something `b` does not (a higher clock for some client). */
function isAhead(a: Map<number, number>, b: Map<number, number>): boolean {
  for (const [client, clock] of a) if ((b.get(client) ?? 0) < clock) return true;
  return false;
}
