// Yjs document and awareness sync between peers with y-protocols: the same sync (step 1,
// step 2, update) and awareness messages y-webrtc and y-websocket use. No transport here:
// each peer is a "send bytes" function, and the caller feeds received bytes to receive().
import * as Y from 'yjs';
import * as encoding from 'lib0/encoding';
import * as decoding from 'lib0/decoding';
import * as syncProtocol from 'y-protocols/sync';
import * as awarenessProtocol from 'y-protocols/awareness';

export const messageSync = 0;
export const messageAwareness = 1;
export const messageQueryAwareness = 3;
/**
 * Parley's addition: "this is my state vector now". Sent (debounced) after we apply
 * updates, so each side learns when the other holds everything it has (form "synced").
 */
export const messageStateVector = 4;
/** Delay that batches state-vector reports during bursts of typing. */
export const STATE_VECTOR_REPORT_MS = 30;

type Send = (bytes: Uint8Array) => void;

interface SyncPeer {
  send: Send;
  /** Awareness client ids this peer has told us about; removed when the peer leaves. */
  clients: Set<number>;
  /** We received the peer's sync step 2: we hold everything it had. */
  synced: boolean;
  /** The peer's last reported state vector. */
  stateVector: Map<number, number> | null;
}

export interface DocSyncHooks {
  onError?: (peerId: string, error: unknown) => void;
  /** We received a peer's full state (its sync step 2). */
  onPeerSynced?: (peerId: string) => void;
  /** Whether every peer holds all we have may have changed: see allPeersHaveOurState(). */
  onStateVector?: () => void;
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
    this.#peers.set(peerId, { send, clients: new Set(), synced: false, stateVector: null });
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
    this.#peers.delete(peerId);
    const gone = [...peer.clients].filter((id) => id !== this.doc.clientID);
    if (!gone.length) return;
    awarenessProtocol.removeAwarenessStates(this.awareness, gone, 'peer-left');
    // Forget their clocks too. A peer whose connection is rebuilt announces the same state
    // at the same clock, which awareness would otherwise ignore as old news until its next
    // renewal, 15 s or more, with no tile for that person meanwhile. Only a client's own
    // peer speaks for it (see #onAwarenessUpdate), so nothing stale can come back this way.
    for (const id of gone) this.awareness.meta.delete(id);
  }

  isSynced(peerId: string): boolean {
    return this.#peers.get(peerId)?.synced ?? false;
  }

  /** True when every connected peer has reported holding everything this doc holds. */
  allPeersHaveOurState(): boolean {
    const ours = Y.decodeStateVector(Y.encodeStateVector(this.doc));
    for (const peer of this.#peers.values()) {
      if (!peer.stateVector) return false;
      for (const [client, clock] of ours) if ((peer.stateVector.get(client) ?? 0) < clock) return false;
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
          peer.stateVector = Y.decodeStateVector(decoding.readVarUint8Array(decoder));
          this.hooks.onStateVector?.();
          break;
        }
        case messageAwareness: {
          const update = decoding.readVarUint8Array(decoder);
          // Remember which awareness clients this peer speaks for.
          const updateDecoder = decoding.createDecoder(update);
          const count = decoding.readVarUint(updateDecoder);
          for (let i = 0; i < count; i++) {
            peer.clients.add(decoding.readVarUint(updateDecoder));
            decoding.readVarUint(updateDecoder); // clock
            decoding.readVarString(updateDecoder); // state JSON
          }
          awarenessProtocol.applyAwarenessUpdate(this.awareness, update, peerId);
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

  #scheduleStateVectorReport(): void {
    if (this.#reportTimer !== undefined) return;
    this.#reportTimer = setTimeout(() => {
      this.#reportTimer = undefined;
      const encoder = encoding.createEncoder();
      encoding.writeVarUint(encoder, messageStateVector);
      encoding.writeVarUint8Array(encoder, Y.encodeStateVector(this.doc));
      const bytes = encoding.toUint8Array(encoder);
      for (const peer of this.#peers.values()) peer.send(bytes);
    }, STATE_VECTOR_REPORT_MS);
  }

  destroy(): void {
    clearTimeout(this.#reportTimer);
    this.doc.off('update', this.#onDocUpdate);
    this.awareness.off('update', this.#onAwarenessUpdate);
    for (const id of [...this.#peers.keys()]) this.removePeer(id);
  }

  #onDocUpdate = (update: Uint8Array, origin: unknown) => {
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, messageSync);
    syncProtocol.writeUpdate(encoder, update);
    const bytes = encoding.toUint8Array(encoder);
    for (const [id, peer] of this.#peers) if (id !== origin) peer.send(bytes);
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
