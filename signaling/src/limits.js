// @ts-check
/**
 * The relay's limits: every bound on what one client (or all of them) may cost, as a named
 * constant that a `createRelay` option and a command-line flag override, plus the token
 * bucket that enforces the message rate. Defaults carry the benchmark load (rooms of 4,
 * 20 signals/s per client) without a single refusal; they exist to stop abuse, not use.
 */

/** Largest frame accepted, in bytes. A bigger one closes that socket with 1009. */
export const MAX_FRAME_BYTES = 64 * 1024;
/** Topics one connection may be subscribed to at once (a topic is a room). */
export const MAX_TOPICS_PER_CONNECTION = 100;
/** Sockets subscribed to one topic on this process. Each publish is copied to every one,
 * so this caps the work one frame can cause. */
export const MAX_SUBSCRIBERS_PER_TOPIC = 1_000;
/** Longest topic name, in characters. */
export const MAX_TOPIC_LENGTH = 256;
/** Open connections per process; an upgrade beyond this is refused with HTTP 503. */
export const MAX_CONNECTIONS = 10_000;
/** Open connections per client address (see `trustedProxies` for clients behind a proxy);
 * an upgrade beyond this is refused with HTTP 429, so one machine cannot take every slot.
 * High enough for an office behind one NAT address. */
export const MAX_CONNECTIONS_PER_IP = 64;
/** Open connections per identity: the token's `sub`, or the token itself when it has none.
 * An upgrade beyond this is refused with HTTP 429, so one leaked token cannot take every
 * slot. A person has a connection per open tab. */
export const MAX_CONNECTIONS_PER_IDENTITY = 16;
/** Topics with at least one subscriber on this process; a subscribe that would create one
 * more is refused. Each costs a Map entry (and with Redis a channel subscription). */
export const MAX_TOPICS = 10_000;
/** A connection in no topic this long after it opened is closed with
 * {@link CloseCode.NO_TOPIC}: a client joins its room as soon as it connects, and a socket
 * that never does only holds a slot. */
export const TOPICLESS_TIMEOUT_MS = 30_000;
/** Unsent bytes queued for one socket before it counts as stalled and is dropped, so a
 * client that stops reading cannot make the relay buffer without bound. */
export const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
/** Frames per second one connection may send, sustained (token bucket refill rate). */
export const RATE_LIMIT_PER_SECOND = 20;
/** Frames one connection may send in a burst (token bucket size): joining a room costs a
 * subscribe plus an offer, an answer and a dozen ICE candidates per peer, all at once. */
export const RATE_LIMIT_BURST = 100;
/** Frames refused in a row for rate, with none accepted in between, before the socket is
 * closed with {@link CloseCode.RATE_LIMITED}. A client merely too fast is throttled (its
 * extra frames dropped); one that keeps hammering an empty bucket is cut off. */
export const RATE_LIMIT_CLOSE_AFTER = 100;
/** How often every socket is pinged; one that has not answered the previous ping is dropped. */
export const HEARTBEAT_INTERVAL_MS = 30_000;
/** Refused upgrades are logged per reason per window this long: the first in full, the rest
 * as one count when the window ends. Anyone can cause refusals as fast as they can open
 * sockets, and a line for each would let them flood the log (metrics count every one). */
export const REFUSAL_LOG_WINDOW_MS = 10_000;
/** How long close() waits for clients to finish the close handshake before cutting them off. */
export const SHUTDOWN_GRACE_MS = 2_000;

/** WebSocket close codes the relay sends (RFC 6455 §7.4.1; 4000–4999 are ours). */
export const CloseCode = Object.freeze({
  GOING_AWAY: 1001, // relay shutting down
  UNSUPPORTED_DATA: 1003, // binary frame
  INVALID_PAYLOAD: 1007, // text frame that is not UTF-8 (sent by ws)
  MESSAGE_TOO_BIG: 1009, // frame over maxFrameBytes (sent by ws)
  NO_TOPIC: 4008, // subscribed to no topic within TOPICLESS_TIMEOUT_MS (408, as in HTTP)
  RATE_LIMITED: 4029, // kept sending into an empty token bucket (429, as in HTTP)
});

/**
 * A token bucket per connection, as three numbers on the connection itself (no timers, no
 * allocation per frame): `take()` refills by elapsed time, then spends one token.
 */
export class TokenBucket {
  /** @param {number} ratePerSecond @param {number} burst */
  constructor(ratePerSecond, burst) {
    this.ratePerMs = ratePerSecond / 1000;
    this.burst = burst;
    this.tokens = burst;
    this.last = Date.now();
  }

  /** Spends a token if there is one. @returns {boolean} whether the frame may pass */
  take() {
    const now = Date.now();
    const tokens = Math.min(this.burst, this.tokens + (now - this.last) * this.ratePerMs);
    this.last = now;
    if (tokens < 1) {
      this.tokens = tokens;
      return false;
    }
    this.tokens = tokens - 1;
    return true;
  }
}
