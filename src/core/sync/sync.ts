// Yjs document and awareness sync between peers with y-protocols: the same sync (step 1,
// step 2, update) and awareness messages y-webrtc and y-websocket use. No transport here:
// each peer is a "send bytes" function, and the caller feeds received bytes to receive().
//
// A peer sends only its own edits: in a full mesh everyone hears the author directly, so
// passing on what others wrote would only send each keystroke n−1 more times. When a pair
// cannot connect (one path fails while the others work), the state-vector reports close
// the gap: a peer that reports holding more than we do, and still does a moment later,
// is asked for the difference (sync step 1, answered with step 2).
//
// The messages themselves are pure functions in messages.ts; here they are decided on and
// applied. State-vector reports go out (debounced) after we apply updates, so each side
// learns when the other holds everything it has (form "synced"), and who holds what it lacks.
import * as Y from 'yjs';
import * as awarenessProtocol from 'y-protocols/awareness';
import {
  decodeMessage,
  encodeAwareness,
  encodeAwarenessEntries,
  encodeMessage,
  messageAwareness,
  messageQueryAwareness,
  messageStateVector,
  messageSync,
  syncStep1,
  syncStep2,
  syncUpdate,
  type AwarenessEntry,
} from './messages.js';

export { messageAwareness, messageQueryAwareness, messageStateVector, messageSync };
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
    send(this.#step1());
    send(this.#encodeAwareness());
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
    const ours = this.#clocks();
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
      const message = decodeMessage(bytes);
      switch (message.type) {
        case messageSync: {
          if (message.step === syncStep1) {
            peer.send(encodeMessage({ type: messageSync, step: syncStep2, payload: Y.encodeStateAsUpdate(this.doc, message.payload) }));
            break;
          }
          const refusal = this.#overBudget(message.payload);
          if (refusal) {
            this.#refuse(peerId, refusal);
            break;
          }
          Y.applyUpdate(this.doc, message.payload, peerId);
          if (message.step === syncStep2 && !peer.synced) {
            peer.synced = true;
            this.hooks.onPeerSynced?.(peerId);
          }
          // Tell everyone what we hold now (they learn whether we caught up with them).
          this.#scheduleStateVectorReport();
          break;
        }
        case messageStateVector: {
          const held = (peer.stateVector ??= new Map());
          for (const [client, clock] of message.clocks) if (clock > (held.get(client) ?? 0)) held.set(client, clock);
          this.hooks.onStateVector?.();
          this.#catchUpWith(peerId, peer);
          break;
        }
        case messageAwareness: {
          const kept = message.entries.filter((entry) => this.#mayAnnounce(peerId, peer, entry));
          if (kept.length) awarenessProtocol.applyAwarenessUpdate(this.awareness, encodeAwarenessEntries(kept), peerId);
          break;
        }
        case messageQueryAwareness:
          peer.send(this.#encodeAwareness());
          break;
      }
    } catch (error) {
      this.hooks.onError?.(peerId, error);
    }
  }

  /**
   * Whether a peer may say this in an awareness update: its own presence (the client it
   * first announced, no one else's, never ours), naming its own peer id, within size.
   * The first entry kept makes its client the peer's own.
   */
  #mayAnnounce(peerId: string, peer: SyncPeer, { client, json }: AwarenessEntry): boolean {
    const refusal = this.#awarenessRefusal(peerId, peer, client, json);
    if (refusal) this.#refuse(peerId, refusal);
    else peer.owner = client;
    return !refusal;
  }

  /**
   * Whether an update (sync step 2 or update) would grow a shared map past MAX_KEYS_PER_MAP
   * keys, or the document past MAX_SHARED_TYPES shared types. Only entries that name their
   * parent count (a new key, a new type); edits of what exists never do.
   */
  #overBudget(update: Uint8Array): string | null {
    const { structs } = Y.decodeUpdate(update);
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
    const lagging = () => peer.stateVector !== null && isAhead(peer.stateVector, this.#clocks());
    if (peer.catchUp !== undefined || !lagging()) return;
    peer.catchUp = setTimeout(() => {
      peer.catchUp = undefined;
      if (this.#peers.get(peerId) !== peer || !lagging()) return;
      peer.send(this.#step1());
    }, CATCH_UP_MS);
  }

  #scheduleStateVectorReport(): void {
    if (this.#reportTimer !== undefined) return;
    this.#reportTimer = setTimeout(() => {
      this.#reportTimer = undefined;
      const ours = this.#clocks();
      for (const peer of this.#peers.values()) {
        const told = peer.told;
        const grown = new Map([...ours].filter(([client, clock]) => clock > (told?.get(client) ?? 0)));
        if (told && !grown.size) continue;
        peer.told = new Map([...(told ?? []), ...grown]);
        peer.send(encodeMessage({ type: messageStateVector, clocks: grown }));
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
      const bytes = encodeMessage({ type: messageSync, step: syncUpdate, payload: update });
      for (const peer of this.#peers.values()) peer.send(bytes);
    }
    this.hooks.onStateVector?.();
  };

  #onAwarenessUpdate = ({ added, updated, removed }: { added: number[]; updated: number[]; removed: number[] }) => {
    // Only our own state goes out: in a full mesh every peer hears each other directly,
    // and forwarding would make us speak for clients we do not own.
    const own = this.doc.clientID;
    if (!added.includes(own) && !updated.includes(own) && !removed.includes(own)) return;
    const bytes = this.#encodeAwareness();
    for (const peer of this.#peers.values()) peer.send(bytes);
  };

  /** Our own presence, as an awareness message. */
  #encodeAwareness(): Uint8Array {
    return encodeAwareness(awarenessProtocol.encodeAwarenessUpdate(this.awareness, [this.doc.clientID]));
  }

  /** Sync step 1: our state vector (the peer answers with what we lack). */
  #step1(): Uint8Array {
    return encodeMessage({ type: messageSync, step: syncStep1, payload: Y.encodeStateVector(this.doc) });
  }

  /** Every client's clock in our document, read from the store (nothing encoded). */
  #clocks(): Map<number, number> {
    const { store } = this.doc;
    return new Map([...store.clients.keys()].map((client) => [client, Y.getState(store, client)]));
  }
}

/** Whether `a` holds something `b` does not (a higher clock for some client). */
function isAhead(a: Map<number, number>, b: Map<number, number>): boolean {
  for (const [client, clock] of a) if ((b.get(client) ?? 0) < clock) return true;
  return false;
}
