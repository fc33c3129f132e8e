// How many chunks a file sender may have unacknowledged. A fixed window fills whatever queue
// sits in front of the slowest link on the way (a home uplink's is often hundreds of ms
// deep), and every edit and every video packet then waits behind it. So the window follows
// the delay the transfer itself adds, the way LEDBAT (RFC 6817) does for background
// traffic: the round trip of a chunk to its ack, minus the least round trip seen, is the
// queueing delay; below TARGET_QUEUE_MS the window grows by up to a chunk per round trip,
// above it it shrinks in proportion. On a path with no queue to fill (loopback, a fast LAN)
// it stays at its cap.
// A chunk's round trip includes waiting behind the chunks sent before it, so the least
// round trip is only learnt from a chunk sent with none ahead of it: now and then (and once
// early on) the window lets everything drain and sends one chunk alone. The least round trip
// is the least of the last few probes and what came back since (LEDBAT keeps minutes of
// history the same way): should the path get longer, the window reopens within
// PROBES_KEPT probes instead of staying at its floor.
// The cap: on a short path 16 chunks, because on loopback the renderer's one network thread,
// not a queue the delay can see, is what an edit waits behind (bench/files.mjs). A long path
// needs more in flight to fill it (16 chunks per 100 ms round trip is 2.6 MB/s), and there
// the delay target, not the cap, keeps the queue short: the cap grows with the least round
// trip measured by a probe, up to what the receiver said it takes.

/** Queueing delay the transfer aims to add, at most, to everything else on the path. */
export const TARGET_QUEUE_MS = 25;
/** The window's cap on a short path. */
export const MAX_WINDOW_CHUNKS = 16;
/** On a longer path the cap is this many chunks per ms of least round trip (16 per 20 ms: 100 Mbit/s of 16 KiB chunks)… */
const CAP_CHUNKS_PER_MS = MAX_WINDOW_CHUNKS / 20;
/** …and never more than this, nor than the receiver's limit. */
export const LONG_PATH_WINDOW_CHUNKS = 128;
/** …nor shrinks below this many (the receiver acks at once when it has nothing else queued). */
export const MIN_WINDOW_CHUNKS = 2;
/** Where a transfer starts. */
const INITIAL_WINDOW_CHUNKS = 4;
/** The current delay is the mean of this many latest samples (chunks wait behind more or fewer others). */
const CURRENT_SAMPLES = 4;
/** When the first lone chunk goes (SCTP's slow start no longer stretches round trips by then), and then how often. */
const FIRST_PROBE_MS = 1000;
const PROBE_EVERY_MS = 5000;
/** Probes the least round trip is taken over (with the samples since the latest). */
const PROBES_KEPT = 4;

export class DelayWindow {
  #size = INITIAL_WINDOW_CHUNKS;
  /** The least round trip since the latest probe, and that of the last PROBES_KEPT probes. */
  #sinceProbe = Infinity;
  readonly #probes: number[] = [];
  #cap = MAX_WINDOW_CHUNKS;
  readonly #limit: number;
  readonly #recent: number[] = [];
  /** Send times of the latest chunks, and how many were unacknowledged then, by sequence number (rings). */
  readonly #sentAt = new Float64Array(LONG_PATH_WINDOW_CHUNKS * 4);
  readonly #ahead = new Uint8Array(LONG_PATH_WINDOW_CHUNKS * 4);
  #acked = 0;
  #probeAt: number;
  #probing = false;

  /** `limit`: the chunks the receiver takes before it has processed them. */
  constructor(now: number, limit = MAX_WINDOW_CHUNKS) {
    this.#probeAt = now + FIRST_PROBE_MS;
    this.#limit = Math.max(MIN_WINDOW_CHUNKS, Math.min(LONG_PATH_WINDOW_CHUNKS, limit));
    this.#cap = Math.min(MAX_WINDOW_CHUNKS, this.#limit);
  }

  /** The most chunks the window may grow to on this path. */
  get cap(): number {
    return this.#cap;
  }

  /** Chunks that may be unacknowledged now (one while probing for the least round trip). */
  get size(): number {
    return this.#probing ? 1 : Math.floor(this.#size);
  }

  /** The queueing delay last measured, in ms (NaN before the first ack). */
  get queueDelay(): number {
    return this.#recent.reduce((sum, rtt) => sum + rtt, 0) / this.#recent.length - this.#base;
  }

  /** The least round trip: over the kept probes and what came back since. */
  get #base(): number {
    return Math.min(this.#sinceProbe, ...this.#probes);
  }

  /** Chunk number `seq` (0-based, counted since the transfer (re)started) left at `now`. */
  sent(seq: number, now: number): void {
    this.#sentAt[seq % this.#sentAt.length] = now;
    this.#ahead[seq % this.#ahead.length] = Math.min(255, seq - this.#acked);
    if (now >= this.#probeAt) this.#probing = true;
  }

  /** The receiver has processed `n` chunks since the (re)start; `now` is when we heard. */
  acked(n: number, now: number): void {
    if (n <= this.#acked) return;
    const newly = n - this.#acked;
    this.#acked = n;
    const rtt = now - this.#sentAt[(n - 1) % this.#sentAt.length];
    if (this.#probing && this.#ahead[(n - 1) % this.#ahead.length] === 0) {
      this.#probing = false;
      this.#probeAt = now + PROBE_EVERY_MS;
      this.#probes.push(rtt);
      if (this.#probes.length > PROBES_KEPT) this.#probes.shift();
      this.#sinceProbe = Infinity;
      const wanted = Math.max(MAX_WINDOW_CHUNKS, Math.ceil(Math.min(...this.#probes) * CAP_CHUNKS_PER_MS));
      this.#cap = Math.min(this.#limit, wanted);
    } else {
      this.#sinceProbe = Math.min(this.#sinceProbe, rtt);
    }
    this.#recent.push(rtt);
    if (this.#recent.length > CURRENT_SAMPLES) this.#recent.shift();
    const offTarget = (TARGET_QUEUE_MS - this.queueDelay) / TARGET_QUEUE_MS;
    // About a chunk per round trip on a short path; on a long one as many as its cap is
    // times the short path's, so it reaches the cap in as many round trips. (SCTP's own
    // congestion control still paces the sending; this only bounds what waits in queues.)
    const gain = this.#cap / MAX_WINDOW_CHUNKS;
    const grown = this.#size + (gain * offTarget * newly) / this.#size;
    this.#size = Math.max(MIN_WINDOW_CHUNKS, Math.min(this.#cap, grown));
  }
}
