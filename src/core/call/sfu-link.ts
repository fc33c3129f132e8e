// Whether this page's camera and microphone go through the room's media server (Janus) or
// over the mesh, and the connection to that server while they do (local-media.ts holds one
// per call). The server's code (sfu/) is imported only when a call moves there.
import { ParleyError } from '../errors.js';
import { isRecord } from '../net/signaling.js';
import { defaultSignalingUrl } from '../net/mesh.js';
import { MAX_PARTICIPANTS, type PresenceState, type SessionConfig } from '../session/presence.js';
import type { SfuMedia } from '../sfu/sfu-media.js';

/**
 * With `media: 'auto'` (the default), the call's media moves to the media server when this
 * many people are in it, you included (docs/mesh-and-sfu.md).
 */
export const AUTO_SFU_AT = 5;

/** What the link needs from its session. */
export interface SfuHost {
  readonly config: Readonly<SessionConfig>;
  /** The room's name, and our peer id in it. */
  readonly room: string;
  readonly id: string;
  readonly destroyed: boolean;
  /** Presence of everyone in the room, ours included. */
  presences(): Iterable<Partial<PresenceState>>;
  /** People other than us in the call right now. */
  othersInCall(): number;
  error(error: ParleyError): void;
  changed(): void;
}

/** What the link asks of the call when the media server goes away mid-call. */
export interface SfuFallback {
  /** Publish our media again (now over the mesh). */
  publish(): void;
  /** Leave the call: it has more people than a mesh takes. */
  leave(): void;
}

export class SfuLink {
  #sfu: SfuMedia | null = null;
  #opening: Promise<boolean> | null = null;
  /** Bumped on close(): a media server connection that opens after belongs to no call. */
  #callRound = 0;
  /** With `auto`: the media server could not be used (or went away) in this call; the mesh it is. */
  #stayMesh = false;

  constructor(
    private readonly host: SfuHost,
    private readonly fallback: SfuFallback,
  ) {}

  /** The media server our media goes through, while it does. */
  get sfu(): SfuMedia | null {
    return this.#sfu;
  }

  /** A connection to the media server is being opened. */
  get opening(): boolean {
    return this.#opening !== null;
  }

  /**
   * Connects to the room's media server when #wants() (before we publish). When there
   * is none, or it refuses us, the call goes over the mesh: with `sfu` or `auto` set, an
   * error says why, once per call; the default `auto` stays quiet. Resolves with whether
   * our media now goes through it.
   */
  open(): Promise<boolean> {
    if (this.#sfu) return Promise.resolve(true);
    if (!this.#wants()) return Promise.resolve(false);
    this.#opening ??= this.#connect().finally(() => (this.#opening = null));
    return this.#opening;
  }

  /** We left the call: the next call decides afresh. */
  close(): void {
    this.#callRound++;
    this.#stayMesh = false;
    this.#sfu?.close();
    this.#sfu = null;
  }

  /**
   * Whether our media goes through the media server: always with `sfu`; with `auto` once
   * AUTO_SFU_AT people are in the call, or anyone in it already sends there (so a call that
   * moved stays moved when someone leaves, and a newcomer follows it: no flapping). Every
   * page decides from the same presence, so they all move together without a leader.
   */
  #wants(): boolean {
    const { config } = this.host;
    const mode = config.media ?? 'auto';
    if (this.#stayMesh) return false;
    if (mode !== 'auto') return mode === 'sfu';
    // The default (no `media` set) does not ask for a key it cannot have: the mesh, quietly.
    if (!config.media && !config.password && config.mediaEncryption !== 'none') return false;
    if (this.host.othersInCall() + 1 >= AUTO_SFU_AT) return true;
    return [...this.host.presences()].some((p) => p.peer !== this.host.id && isRecord(p.media) && typeof p.media.feed === 'string');
  }

  async #connect(): Promise<boolean> {
    const { config } = this.host;
    const round = this.#callRound;
    try {
      const { SfuMedia } = await import('../sfu/sfu-media.js');
      const sfu = await SfuMedia.open({
        room: this.host.room,
        peerId: this.host.id,
        signaling: config.signaling ?? defaultSignalingUrl(),
        token: config.token,
        password: config.password,
        encryption: config.mediaEncryption,
        iceServers: config.iceServers,
        relayOnly: config.relayOnly,
        shown: (peer) => this.#ownPresence()?.view?.[peer],
        changed: () => this.host.changed(),
        ended: (error, feeds) => this.#ended(error, feeds),
      });
      if (round !== this.#callRound || this.host.destroyed) {
        sfu.close(); // left the call meanwhile
        return false;
      }
      this.#sfu = sfu;
      return true;
    } catch (error) {
      this.#stayMesh = true;
      if (config.media) this.host.error(error as ParleyError);
      return false;
    }
  }

  #ownPresence(): Partial<PresenceState> | undefined {
    for (const presence of this.host.presences()) if (presence.peer === this.host.id) return presence;
  }

  /** The media server went away mid-call: back to the mesh if the call fits one, else out. */
  #ended(error: ParleyError, feeds: number): void {
    this.#sfu = null;
    this.#stayMesh = true; // no second try at a server that just went away, in this call
    const max = this.host.config.maxParticipants ?? MAX_PARTICIPANTS;
    // Counted as Janus last said too: everyone notices at once, and a presence that already
    // says someone left (out of the same decision) must not make the rest decide otherwise.
    const others = Math.max(this.host.othersInCall(), feeds);
    if (others < max) {
      this.host.error(new ParleyError('sfu', `${error.message} The call goes on peer-to-peer.`, { cause: error }));
      this.fallback.publish();
      return;
    }
    this.host.error(
      new ParleyError('sfu', `${error.message} The call has ${others + 1} people, more than a peer-to-peer call takes (${max}): you left the call. The form goes on.`, { cause: error }),
    );
    this.fallback.leave();
  }
}
