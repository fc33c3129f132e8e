// Whether this page's camera and microphone go through the room's media server (Janus) or
// over the mesh, and the connection to that server while they do (local-media.ts holds one
// per call). The server's code (sfu/) is imported only when a call moves there.
import { log, ParleyError } from '../errors.js';
import { isRecord } from '../net/signaling.js';
import { defaultSignalingUrl } from '../net/mesh.js';
import { MAX_PARTICIPANTS, type PresenceState, type SessionConfig } from '../session/presence.js';
import type { SfuMedia } from '../sfu/sfu-media.js';

/**
 * With `media: 'auto'` (the default), the call's media moves to the media server when this
 * many people are in it, you included (docs/mesh-and-sfu.md).
 */
export const AUTO_SFU_AT = 5;
/**
 * A media server that could not be reached or did not answer in time (an error marked
 * `transient`) is tried again this many times in a call, after SFU_RETRY_MS, then twice
 * that, and so on; meanwhile our media goes over the mesh.
 */
export const SFU_RETRIES = 4;
export const SFU_RETRY_MS = 1_000;

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
  /** The media server could not be used in this call, and trying again will not help: the mesh it is. */
  #stayMesh = false;
  /** Tries again after transient failures, in this call. */
  #retries = 0;
  #retry: ReturnType<typeof setTimeout> | undefined;
  /** The person was told the media server went away in this call: its later failures are quiet. */
  #told = false;

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
    if (this.#retry !== undefined || !this.#wants()) return Promise.resolve(false);
    this.#opening ??= this.#connect().finally(() => (this.#opening = null));
    return this.#opening;
  }

  /** The media server is, or may soon be, in this call: open() would connect, or retries. */
  get wanted(): boolean {
    return this.#sfu !== null || this.#retry !== undefined || this.#wants();
  }

  /** We left the call: the next call decides afresh. */
  close(): void {
    this.#callRound++;
    this.#stayMesh = false;
    this.#retries = 0;
    this.#told = false;
    clearTimeout(this.#retry);
    this.#retry = undefined;
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
    let sfu: SfuMedia | null = null;
    try {
      const { SfuMedia } = await import('../sfu/sfu-media.js');
      sfu = await SfuMedia.open({
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
        // Only once open: a connection lost while opening rejects open() (the catch below).
        ended: (error, feeds) => sfu && sfu === this.#sfu && this.#ended(error, feeds),
      });
      if (round !== this.#callRound || this.host.destroyed) {
        sfu.close(); // left the call meanwhile
        return false;
      }
      this.#sfu = sfu;
      return true;
    } catch (error) {
      if (round !== this.#callRound || this.host.destroyed) return false;
      if (this.#tryAgain(error as ParleyError)) return false;
      this.#stayMesh = true;
      if (config.media && !this.#told) this.host.error(error as ParleyError);
      return false;
    }
  }

  /**
   * After a transient failure, schedules another try (our media meanwhile on the mesh) and
   * says true; false once SFU_RETRIES tries are spent, or when trying again cannot help.
   */
  #tryAgain(error: ParleyError): boolean {
    // Marked so by the media server's code (sfu/janus-client.ts, unavailable()).
    if ((error as { transient?: boolean }).transient !== true || this.#retries >= SFU_RETRIES) return false;
    const round = this.#callRound;
    const wait = SFU_RETRY_MS * 2 ** this.#retries++ * (0.75 + Math.random() / 2);
    log.debug('media server: trying again in', Math.round(wait), 'ms:', error.message);
    this.#retry = setTimeout(() => {
      this.#retry = undefined;
      if (round !== this.#callRound || this.host.destroyed) return;
      void this.open().then((moved) => moved && this.fallback.publish());
    }, wait);
    return true;
  }

  #ownPresence(): Partial<PresenceState> | undefined {
    for (const presence of this.host.presences()) if (presence.peer === this.host.id) return presence;
  }

  /** The media server went away mid-call: back to the mesh if the call fits one, else out. */
  #ended(error: ParleyError, feeds: number): void {
    this.#sfu = null;
    const max = this.host.config.maxParticipants ?? MAX_PARTICIPANTS;
    // Counted as Janus last said too: everyone notices at once, and a presence that already
    // says someone left (out of the same decision) must not make the rest decide otherwise.
    const others = Math.max(this.host.othersInCall(), feeds);
    if (others < max) {
      this.#told = true;
      this.host.error(new ParleyError('sfu', `${error.message} The call goes on peer-to-peer.`, { cause: error }));
      // A server that only went quiet (or restarts) is tried again, quietly: the person was told.
      if (!this.#tryAgain(error)) this.#stayMesh = true;
      this.fallback.publish();
      return;
    }
    this.host.error(
      new ParleyError('sfu', `${error.message} The call has ${others + 1} people, more than a peer-to-peer call takes (${max}): you left the call. The form goes on.`, { cause: error }),
    );
    this.fallback.leave();
  }
}
