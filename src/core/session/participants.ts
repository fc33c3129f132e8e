// The people in a room as stable objects: one Participant per person for as long as they
// are in it, updated in place, rebuilt only after something changed (presence, a
// connection, a verified name, local media) and only when someone asks.
import type { Awareness } from 'y-protocols/awareness';
import type { Identity } from '../net/signaling.js';
import type { Peer } from '../net/peer.js';
import { capName, PALETTE, type MediaState, type Participant, type PresenceState } from './presence.js';

/** What the roster reads from its session. */
export interface RosterSource {
  readonly id: string;
  readonly awareness: Awareness;
  readonly peers: ReadonlyMap<string, Peer>;
  readonly localStream: MediaStream | null;
  readonly screenStream: MediaStream | null;
}

/** What only the session knows. */
export interface RosterFacts {
  /** Whether remote media reaches us (we are in the call, or sharing a screen). */
  receivingMedia(): boolean;
  /** Who the relay vouched for behind a peer id (our own included). */
  identityOf(peer: string): Identity | null;
  /** The stream a person’s camera or shared screen reaches us in: from their connection, or from the media server. */
  streamOf(id: string, media: MediaState, peer: Peer, slot: 'camera' | 'screen'): MediaStream | null;
}

export class Roster {
  readonly #byId = new Map<string, Participant>();
  #list: Participant[] = [];
  #stale = true;

  constructor(
    private readonly source: RosterSource,
    private readonly facts: RosterFacts,
  ) {}

  /** Something a participant is made of changed: the next read rebuilds. */
  invalidate(): void {
    this.#stale = true;
  }

  /** Everyone in the room, local participant first (nobody once the session is destroyed). */
  list(): readonly Participant[] {
    if (this.#stale) this.#rebuild();
    return this.#list;
  }

  get(id: string): Participant | undefined {
    if (this.#stale) this.#rebuild();
    return this.#byId.get(id);
  }

  #rebuild(): void {
    this.#stale = false;
    const { source, facts } = this;
    const fresh: Participant[] = [];
    const local = source.awareness.getLocalState() as PresenceState | null;
    if (local) {
      const own = facts.identityOf(source.id);
      fresh.push({
        id: source.id,
        isLocal: true,
        name: own?.name || capName(local.user.name),
        verified: own !== null,
        color: local.user.color,
        media: local.media,
        camera: source.localStream,
        screen: source.screenStream,
        recording: local.recording === true,
      });
      for (const state of source.awareness.getStates().values()) {
        const presence = state as Partial<PresenceState>;
        if (!presence.peer || presence.peer === source.id || !presence.user) continue;
        const peer = source.peers.get(presence.peer);
        if (!peer || peer.closed) continue;
        const media = presence.media ?? null;
        // Media reaches us only while we are in the call too (see LocalMedia on their side).
        const receiving = facts.receivingMedia();
        const identity = facts.identityOf(presence.peer);
        fresh.push({
          id: presence.peer,
          isLocal: false,
          name: identity?.name || capName(String(presence.user.name ?? '')),
          verified: identity !== null,
          color: String(presence.user.color ?? PALETTE[0]),
          media,
          camera: receiving && media?.camera ? facts.streamOf(presence.peer, media, peer, 'camera') : null,
          screen: receiving && media?.screen ? facts.streamOf(presence.peer, media, peer, 'screen') : null,
          recording: presence.recording === true,
        });
      }
    }
    const gone = new Set(this.#byId.keys());
    this.#list = fresh.map((next) => {
      gone.delete(next.id);
      const known = this.#byId.get(next.id);
      if (!known) {
        this.#byId.set(next.id, next);
        return next;
      }
      return Object.assign(known, next);
    });
    for (const id of gone) this.#byId.delete(id);
  }
}

/**
 * What presence changes mean beyond the roster: the peer behind each document client (the
 * first peer to announce it; see Session.writerOf), who has arrived (once for each peer,
 * with the name they arrived under), and whether who is in the call changed.
 */
export class Arrivals {
  readonly writers = new Map<number, string>();
  readonly #arrived = new Map<string, string>();
  #shown = '';

  /** Reads the room's presence after a change. */
  update(
    states: Map<number, Partial<PresenceState>>,
    source: Pick<RosterSource, 'id' | 'peers'>,
    nameOf: (presence: Partial<PresenceState>) => string,
  ): { arrived: Array<{ id: string; name: string }>; changed: boolean } {
    const arrived: Array<{ id: string; name: string }> = [];
    for (const [client, presence] of states) {
      const id = presence.peer;
      if (typeof id !== 'string') continue;
      if (!this.writers.has(client)) this.writers.set(client, id);
      if (id === source.id || this.#arrived.has(id) || !source.peers.has(id)) continue;
      const name = nameOf(presence);
      this.#arrived.set(id, name);
      arrived.push({ id, name });
    }
    // Presence changes with every caret move (and each resize of someone's tiles): what the
    // room's elements show of everyone, and the tracks we send, change with the rest only.
    const shown = JSON.stringify([...states], (key, value) => (/^(cursor|field|view)$/.test(key) ? undefined : value));
    const changed = shown !== this.#shown;
    this.#shown = shown;
    return { arrived, changed };
  }

  /** A peer left: the name it arrived under, if it had arrived. */
  left(id: string): string | undefined {
    const name = this.#arrived.get(id);
    this.#arrived.delete(id);
    return name;
  }
}
