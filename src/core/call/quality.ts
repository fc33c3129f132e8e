// Video quality while in a call: per-peer stats read on a timer, and — in `auto` — send
// bitrate and resolution adapted per peer through RTCRtpSender.setParameters, to the path
// (bandwidth, loss, RTT) and to the size at which that peer shows our camera (its presence
// `view`): adapt.ts, loaded with the first round in a call. No renegotiation is ever needed.
// One monitor per session (qualityOf), loaded with the call code: it reads stats only while
// our presence says we are in the call.
import { createNanoEvents } from 'nanoevents';
import { captureShape } from './profiles.js';
import type { Counters, PeerStats } from './network-stats.js';
import type { QualityHost } from './adapt.js';
import type { FeatureHost } from '../session/features.js';
import { statsOf } from './stats.js';

export { PROFILES, captureShape, isQualityProfile, type QualityProfile } from './profiles.js';
export type { NetworkQuality, PeerStats, StreamStats } from './network-stats.js';

/** How often stats are read (and, in auto, the send parameters revisited). */
export const STATS_INTERVAL_MS = 2000;
export interface QualityEvents {
  /** New stats were read for the peers. */
  stats: () => void;
}

/** Reads every peer's stats on a timer and keeps each camera sender on its target encoding. */
export class QualityMonitor {
  readonly events = createNanoEvents<QualityEvents>();
  /** Latest stats per peer id. */
  readonly stats = new Map<string, PeerStats>();
  readonly #counters = new Map<string, Counters>();
  #unsubscribe: (() => void) | undefined;
  #inCall = false;

  constructor(readonly session: QualityHost & FeatureHost) {
    session.awareness.on('change', this.#onPresence);
    this.#onPresence();
  }

  /** Starts when our media is published and stops when it is withdrawn (stop() in between holds). */
  #onPresence = (): void => {
    const inCall = Boolean(this.session.localPresence?.media);
    if (inCall === this.#inCall) return;
    this.#inCall = inCall;
    if (inCall) this.start();
    else this.stop();
  };

  /** Reads stats every STATS_INTERVAL_MS on the session's stats poller (our presence in the call starts it). */
  start(): void {
    this.#unsubscribe ??= statsOf(this.session).every(STATS_INTERVAL_MS, () => this.update());
  }

  stop(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
  }

  /** Reads stats once and adapts senders; the timer calls it, tests may too. */
  async update(): Promise<void> {
    // Out of the call, no media flows: nothing to read (and nothing more to load).
    if (!this.session.localPresence?.media) return;
    const { adaptToPeers } = await import('./adapt.js');
    await adaptToPeers(this.session, this.stats, this.#counters);
    this.events.emit('stats');
  }

  /** Re-applies the profile now: camera capture size and every sender's cap. */
  async applyProfile(): Promise<void> {
    const profile = this.session.config.quality ?? 'auto';
    const camera = this.session.localStream?.getVideoTracks()[0];
    await camera?.applyConstraints(captureShape(profile)).catch(() => {});
    await this.update();
  }

  dispose(): void {
    this.stop();
    this.session.awareness.off('change', this.#onPresence);
  }
}

const createMonitor = (session: QualityHost & FeatureHost) => new QualityMonitor(session);

/** The session's quality monitor (one per session, made on first use). */
export function qualityOf(session: QualityHost & FeatureHost): QualityMonitor {
  return session.feature(createMonitor);
}
