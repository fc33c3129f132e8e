// Reading a connection's figures (getStats: bitrate, RTT, loss, codec, resolution, fps),
// rating the network good/fair/poor, and the encoding a camera sender should use. Loaded
// with the first stats read (quality.ts), so a page that never joins a call never loads it.
import { PROFILES, type QualityProfile } from './profiles.js';
import { appliedEncodings } from './send-tracks.js';

export type NetworkQuality = 'good' | 'fair' | 'poor';

/** Ratings: above these, the network is fair; above the second, poor. */
export const RTT_FAIR_MS = 150;
export const RTT_POOR_MS = 400;
export const LOSS_FAIR = 0.02;
export const LOSS_POOR = 0.1;
/** In auto, never send less than this (below it video is useless; audio still flows). */
const MIN_BITRATE = 100_000;
/**
 * Where the browser gives no bandwidth estimate (Firefox): round trips over twice the
 * shortest of the last BASE_RTT_READS reads and QUEUE_MS over it, two reads in a row (one
 * slow read is a busy machine), mean a queue is standing on the path, so it carries about
 * what we sent. So does a read in which the other side lost over LOSS_POOR of what we sent
 * (a short queue that overflowed before it stood long): the path carried what got through,
 * and that is held while the loss lasts. The estimate is raised by ESTIMATE_GROWTH per read
 * once the queue and the loss are gone (until over the high profile's cap), so the cap does
 * not spring back while the link is narrow.
 */
const BASE_RTT_READS = 15;
const QUEUE_MS = 50;
const ESTIMATE_GROWTH = 1.25;

/** One connection's figures, both directions (video; RTT and loss for the path). */
export interface PeerStats {
  /** Round-trip time in ms. */
  rtt?: number;
  /** Fraction of packets lost (0..1), the worse of what we receive and what they report. */
  loss?: number;
  /** Estimated bits per second this connection can send. */
  availableBitrate?: number;
  sent?: StreamStats;
  received?: StreamStats;
  quality: NetworkQuality;
}

export interface StreamStats {
  bitrate?: number;
  codec?: string;
  width?: number;
  height?: number;
  fps?: number;
}

type Report = Record<string, unknown> & { type: string; id: string };
export interface Counters {
  /** When the browser read these counters: their stats timestamp (ms), 0 when they had none. */
  at: number;
  /** When the page had them (performance.now()). */
  read: number;
  bytesSent: number;
  bytesReceived: number;
  lost: number;
  received: number;
  /** Round trips of the recent reads (ms), for the path's base RTT. */
  rtts: number[];
  /** Reads in a row that saw a standing queue (no browser estimate only). */
  queued: number;
  /** Bits per second the path carried when it last queued (no browser estimate only). */
  estimate?: number;
}

/** Rates a connection from RTT and loss; unknown figures count as fine. */
export function rateNetwork(rtt = 0, loss = 0): NetworkQuality {
  if (rtt > RTT_POOR_MS || loss > LOSS_POOR) return 'poor';
  if (rtt > RTT_FAIR_MS || loss > LOSS_FAIR) return 'fair';
  return 'good';
}

/**
 * Reads one connection's stats. `previous` holds the counters of the last read, so rates
 * (bitrate, loss) cover the interval between reads; it is updated in place.
 */
export async function readPeerStats(source: { getStats(): Promise<RTCStatsReport> }, previous: Map<string, Counters>, key: string): Promise<PeerStats> {
  const reports = new Map<string, Report>();
  (await source.getStats()).forEach((r: Report) => reports.set(r.id, r));
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
  const codec = (r: Report) => {
    const mime = reports.get(String(r.codecId))?.mimeType;
    return typeof mime === 'string' ? mime.replace(/^video\//, '') : undefined;
  };
  const stream = (r: Report): StreamStats => ({
    codec: codec(r),
    width: num(r.frameWidth),
    height: num(r.frameHeight),
    fps: num(r.framesPerSecond),
  });
  const counters: Counters = { at: 0, read: performance.now(), bytesSent: 0, bytesReceived: 0, lost: 0, received: 0, rtts: [], queued: 0 };
  const stats: PeerStats = { quality: 'good' };
  let remoteLoss: number | undefined;
  let sentMost = 0;
  let receivedMost = 0;
  // The pair in use: the transport names it (Chromium); else the selected/nominated one.
  const inUse = [...reports.values()].find((r) => r.type === 'transport' && r.selectedCandidatePairId)?.selectedCandidatePairId;
  for (const r of reports.values()) {
    if (r.type === 'candidate-pair' && (inUse ? r.id === inUse : (r.nominated || r.selected) && r.state === 'succeeded')) {
      const rtt = num(r.currentRoundTripTime);
      if (rtt !== undefined) stats.rtt = rtt * 1000;
      stats.availableBitrate = num(r.availableOutgoingBitrate) ?? stats.availableBitrate;
    } else if (r.type === 'outbound-rtp' && r.kind === 'video') {
      // Camera and screen each have a sender; the figures shown are the busier one's.
      const bytes = num(r.bytesSent) ?? 0;
      if (bytes > 0 && bytes >= sentMost) (sentMost = bytes), (stats.sent = stream(r));
      counters.bytesSent += bytes;
      counters.at = Math.max(counters.at, num(r.timestamp) ?? 0);
    } else if (r.type === 'inbound-rtp' && r.kind === 'video') {
      const bytes = num(r.bytesReceived) ?? 0;
      if (bytes > 0 && bytes >= receivedMost) (receivedMost = bytes), (stats.received = stream(r));
      counters.bytesReceived += bytes;
      counters.at = Math.max(counters.at, num(r.timestamp) ?? 0);
      counters.lost += num(r.packetsLost) ?? 0;
      counters.received += num(r.packetsReceived) ?? 0;
    } else if (r.type === 'remote-inbound-rtp') {
      remoteLoss = Math.max(remoteLoss ?? 0, num(r.fractionLost) ?? 0);
      if (stats.rtt === undefined && num(r.roundTripTime) !== undefined) stats.rtt = num(r.roundTripTime)! * 1000;
    }
  }
  const last = previous.get(key);
  previous.set(key, counters);
  if (last) {
    // Rates are over the time between the browser's reads of the counters (the RTP
    // streams' stats timestamps): getStats() resolves a while after its read on a busy
    // page, and a rate over the time between the page's reads would be off by that wait.
    const seconds = (last.at && counters.at ? counters.at - last.at : counters.read - last.read) / 1000;
    if (seconds > 0) {
      if (stats.sent) stats.sent.bitrate = Math.max(0, ((counters.bytesSent - last.bytesSent) * 8) / seconds);
      if (stats.received) stats.received.bitrate = Math.max(0, ((counters.bytesReceived - last.bytesReceived) * 8) / seconds);
    }
    const lost = counters.lost - last.lost;
    const total = lost + counters.received - last.received;
    if (total > 0) stats.loss = Math.max(0, lost / total);
  }
  if (remoteLoss !== undefined) stats.loss = Math.max(stats.loss ?? 0, remoteLoss);
  if (stats.availableBitrate === undefined) estimateFromDelay(stats, counters, last, remoteLoss);
  stats.quality = rateNetwork(stats.rtt, stats.loss);
  return stats;
}

/**
 * Sets `stats.availableBitrate` from queueing delay, the loss the other side reports of what
 * we send (`sentLoss`), and the rate sent (see BASE_RTT_READS).
 */
function estimateFromDelay(stats: PeerStats, counters: Counters, last: Counters | undefined, sentLoss = 0): void {
  const rtt = stats.rtt;
  counters.rtts = [...(last?.rtts ?? []), ...(rtt === undefined ? [] : [rtt])].slice(-BASE_RTT_READS);
  let estimate = last?.estimate;
  const sent = stats.sent?.bitrate;
  const base = Math.min(...counters.rtts);
  if (rtt !== undefined && rtt > 2 * base && rtt > base + QUEUE_MS) counters.queued = (last?.queued ?? 0) + 1;
  if (sent !== undefined && counters.queued >= 2) estimate = Math.min(estimate ?? sent, sent);
  // Held, not lowered read after read: the loss halves the cap already (targetEncoding),
  // and on a path that loses at random it would sink to the floor.
  else if (sentLoss > LOSS_POOR) estimate ??= sent ? sent * (1 - sentLoss) : undefined;
  else if (estimate !== undefined) estimate = estimate * ESTIMATE_GROWTH > PROFILES.high.maxBitrate ? undefined : estimate * ESTIMATE_GROWTH;
  counters.estimate = estimate;
  if (estimate !== undefined) stats.availableBitrate = estimate;
}

/**
 * The encoding a camera sender should use: a fixed profile's cap, or in `auto` the cap
 * the path allows (available bandwidth, cut back on loss), with resolution halved or
 * quartered as the budget shrinks so the encoder spends bits on sharpness, not size.
 */
export function targetEncoding(
  profile: QualityProfile,
  stats?: PeerStats,
  /** Capture width, and the width the receiver shows it at (both device pixels). */
  size?: { captured: number; shown?: number },
): { maxBitrate: number; scaleResolutionDownBy: number } {
  if (profile !== 'auto') return { maxBitrate: PROFILES[profile].maxBitrate, scaleResolutionDownBy: 1 };
  // A small tile needs no more pixels (or bits) than it shows.
  const shown = size?.shown;
  let budget = PROFILES[!shown ? 'high' : shown <= 320 ? 'low' : shown <= 640 ? 'medium' : 'high'].maxBitrate;
  if (stats?.availableBitrate) budget = Math.min(budget, stats.availableBitrate * 0.85);
  if ((stats?.loss ?? 0) > LOSS_POOR) budget *= 0.5;
  else if ((stats?.loss ?? 0) > LOSS_FAIR) budget *= 0.75;
  if ((stats?.rtt ?? 0) > RTT_POOR_MS) budget *= 0.75;
  budget = Math.max(MIN_BITRATE, Math.round(budget));
  let scale = budget < 250_000 ? 4 : budget < 700_000 ? 2 : 1;
  if (shown && size.captured >= shown * 2) scale = Math.max(scale, size.captured >= shown * 4 ? 4 : 2);
  return { maxBitrate: budget, scaleResolutionDownBy: scale };
}

/** Applies an encoding to a sender when it differs (setParameters: no renegotiation). */
export async function applyEncoding(sender: RTCRtpSender, target: { maxBitrate: number; scaleResolutionDownBy: number }): Promise<void> {
  const last = appliedEncodings.get(sender);
  if (last?.maxBitrate === target.maxBitrate && last.scaleResolutionDownBy === target.scaleResolutionDownBy) return;
  const params = sender.getParameters();
  const encoding = params.encodings?.[0];
  if (!encoding) return; // not negotiated yet; the next round applies it
  if (encoding.maxBitrate !== target.maxBitrate || (encoding.scaleResolutionDownBy ?? 1) !== target.scaleResolutionDownBy) {
    encoding.maxBitrate = target.maxBitrate;
    encoding.scaleResolutionDownBy = target.scaleResolutionDownBy;
    await sender.setParameters(params);
  }
  appliedEncodings.set(sender, target);
}

