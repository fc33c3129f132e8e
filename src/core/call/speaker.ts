// Active-speaker detection from audio levels. Each participant's level is the RMS audio
// level over the last sample period, from the stats' total audio energy (inbound-rtp for
// remote people, media-source for ourselves): an average catches short sounds that a
// single instantaneous reading misses, and it needs no decoding or Web Audio graph. Where
// a browser lacks the energy counters, the receiver's synchronization-source level is used.
// Levels are smoothed (fast attack, slow decay) and the speaker changes only when someone
// else is clearly louder, so the highlight does not flicker between words.
import { createNanoEvents } from 'nanoevents';
import type { Session } from '../session/session.js';
import { statsOf } from './stats.js';
import { senderOf } from './send-tracks.js';

/** The session's active-speaker detector (one per session, made on first use): watch() it. */
export function speakerOf(session: Session): ActiveSpeaker {
  return session.feature(createSpeaker);
}

/** How often levels are sampled. */
export const SPEAKER_SAMPLE_MS = 400;
/** Smoothed level below which nobody counts as speaking (audioLevel is 0..1, linear). */
export const SPEAKING_THRESHOLD = 0.01;
/** Per-sample decay of the smoothed level: ~2 s from loud to silent. */
const DECAY = 0.7;
/** A challenger must be this much louder than the current speaker to take over. */
const TAKEOVER_RATIO = 1.5;

export interface ActiveSpeakerEvents {
  /** The active speaker changed; null when nobody is speaking. */
  change: (id: string | null) => void;
}

export class ActiveSpeaker {
  readonly events = createNanoEvents<ActiveSpeakerEvents>();
  /** The participant currently speaking (peer id, or the session's own id), if any. */
  current: string | null = null;
  readonly #levels = new Map<string, number>();
  /** Last energy counters per participant, to turn totals into a level over the period. */
  readonly #energy = new Map<string, { energy: number; duration: number }>();
  #watchers = 0;
  #unsubscribe: (() => void) | undefined;
  #started: (() => void) | undefined;

  constructor(readonly session: Session) {}

  /**
   * Samples every SPEAKER_SAMPLE_MS (on the session's stats poller) until every watcher
   * has called the function returned.
   */
  watch(): () => void {
    if (this.#watchers++ === 0) this.#unsubscribe = statsOf(this.session).every(SPEAKER_SAMPLE_MS, () => this.sample());
    let watching = true;
    return () => {
      if (!watching) return;
      watching = false;
      if (--this.#watchers > 0) return;
      this.#unsubscribe?.();
      this.#unsubscribe = undefined;
    };
  }

  /** Watches until stop(). */
  start(): void {
    this.#started ??= this.watch();
  }

  stop(): void {
    this.#started?.();
    this.#started = undefined;
  }

  dispose(): void {
    this.#watchers = 0;
    this.#unsubscribe?.();
    this.#unsubscribe = this.#started = undefined;
  }

  /** The smoothed level of one participant (0..1). */
  level(id: string): number {
    return this.#levels.get(id) ?? 0;
  }

  /** Takes one sample of every participant's level and updates `current`. */
  async sample(): Promise<void> {
    // Out of the call no audio flows: nothing to read, and nobody is speaking.
    if (!this.session.localPresence?.media) {
      this.#levels.clear();
      this.#energy.clear();
      if (this.current !== null) this.events.emit('change', (this.current = null));
      return;
    }
    const raw = new Map<string, number>();
    const reads: Array<Promise<void>> = [];
    // Only people whose microphone is on can be speaking: the others are not read at all.
    // Each read costs the page (in Chromium the fallback below blocks it on WebRTC's own
    // thread), and a call of people with their microphones off would pay for nothing.
    // Through the media server, a person's sound arrives on its connection, not the mesh.
    const sfu = this.session.sfu;
    const forwarded = sfu?.downstream?.getReceivers() ?? [];
    for (const { id, isLocal, media, camera } of this.session.participants()) {
      if (isLocal || !media?.audio) continue;
      const peer = this.session.peers.get(id);
      const sound = camera?.getAudioTracks()[0];
      const receiver = peer && (!sfu || camera === peer.camera) ? peer.transceiver('microphone')?.receiver : forwarded.find((r) => sound && r.track === sound);
      if (!receiver) continue;
      reads.push(
        // Only where the counters are missing: in Chromium this call waits on WebRTC's own
        // thread, which a busy call keeps for seconds.
        this.#read(id, receiver, 'inbound-rtp').then((level) => {
          raw.set(id, level ?? Math.max(0, ...(receiver.getSynchronizationSources?.() ?? []).map((s) => s.audioLevel ?? 0)));
        }),
      );
    }
    const track = this.session.localStream?.getAudioTracks()[0];
    const sender = track && ([...this.session.peers.values()].map((p) => senderOf(p, track)).find(Boolean) ?? sfu?.upstream?.getSenders().find((s) => s.track === track));
    if (track && sender) {
      reads.push(this.#read(this.session.id, sender, 'media-source').then((level) => void raw.set(this.session.id, track.enabled ? (level ?? 0) : 0)));
    }
    await Promise.all(reads);
    for (const map of [this.#levels, this.#energy]) for (const id of map.keys()) if (!raw.has(id)) map.delete(id);
    for (const [id, level] of raw) this.#levels.set(id, Math.max(level, this.level(id) * DECAY));

    let loudest: string | null = null;
    for (const [id, level] of this.#levels) if (level >= SPEAKING_THRESHOLD && level > this.level(loudest ?? '')) loudest = id;
    let next = this.current;
    if (!loudest) next = null;
    else if (!this.current || this.level(this.current) < SPEAKING_THRESHOLD) next = loudest;
    else if (this.level(loudest) > this.level(this.current) * TAKEOVER_RATIO) next = loudest;
    if (next !== this.current) {
      this.current = next;
      this.events.emit('change', next);
    }
  }

  /** RMS level since the previous read, from the energy counters; undefined if absent. */
  async #read(id: string, source: RTCRtpReceiver | RTCRtpSender, type: string): Promise<number | undefined> {
    let totals: { energy: number; duration: number } | undefined;
    try {
      (await source.getStats()).forEach((s: { type: string; kind?: string; totalAudioEnergy?: number; totalSamplesDuration?: number }) => {
        if (s.type === type && s.kind === 'audio' && s.totalAudioEnergy !== undefined && s.totalSamplesDuration) {
          totals = { energy: s.totalAudioEnergy, duration: s.totalSamplesDuration };
        }
      });
    } catch {
      return undefined; // A closing connection reports nothing; try again next time.
    }
    if (!totals) return undefined;
    const previous = this.#energy.get(id);
    this.#energy.set(id, totals);
    const duration = totals.duration - (previous?.duration ?? 0);
    return previous && duration > 0 ? Math.sqrt(Math.max(0, totals.energy - previous.energy) / duration) : 0;
  }
}

const createSpeaker = (session: Session) => new ActiveSpeaker(session);
