// WebSocket client for the relay. Speaks y-webrtc's signaling protocol (subscribe /
// publish / ping; a room is left by closing the socket), reconnects with capped exponential backoff and jitter,
// and re-subscribes every topic after a reconnect. Knows nothing about peers or rooms.
import { createNanoEvents } from 'nanoevents';
import { ParleyError } from '../errors.js';

/** First reconnect delay; doubles per failed attempt up to RECONNECT_MAX_MS. */
export const RECONNECT_MIN_MS = 250;
export const RECONNECT_MAX_MS = 10_000;
/** Silence after which we send an application ping; twice that and we drop the socket. */
export const IDLE_PING_MS = 20_000;
/** A relay refusing frames (rate limit, full topic…) is reported at most once per this long. */
export const REFUSAL_REPORT_MS = 5_000;

export interface SignalingEvents {
  /** The socket is open and all topics are (re)subscribed: announce yourself now. */
  open: () => void;
  close: () => void;
  /**
   * A `publish` on one of our topics (our own included: the relay echoes), with the
   * relay's count of the topic's subscribers.
   */
  message: (topic: string, data: unknown, clients: number | undefined, identity: Identity | undefined) => void;
  error: (error: ParleyError) => void;
}

/**
 * Who sent a message, as the relay vouches for it: the `sub` and `name` of the sender's
 * token. A relay without a secret stamps nothing; a client cannot set it (the relay
 * overwrites it).
 */
export interface Identity {
  sub: string;
  name: string;
}

/** Longest verified name shown; a longer one is cut. */
export const MAX_NAME_LENGTH = 64;

/**
 * Whether a close says the relay ended the connection for something this page did: a
 * protocol error, data it does not take, a policy or size limit (1002–1010), or a reason of
 * the application's (3000 up). Not the others, which only say the connection is gone for
 * now: normal (1000, our own close of a silent socket too), going away (1001, the relay's
 * own shutdown), none given (1005), lost (1006), and what a server or a proxy in front of it
 * sends while it restarts or cannot reach the relay (1011 internal error, 1012 service
 * restart, 1013 try again later, 1014 bad gateway, 1015 TLS failure).
 */
const aboutThisPage = (code: number): boolean => (code > 1001 && code < 1011 ? code < 1005 || code > 1006 : code > 2999);

export class SignalingClient {
  readonly events = createNanoEvents<SignalingEvents>();

  #url: string;
  #socket: WebSocket | null = null;
  #topics = new Set<string>();
  #attempt = 0;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #idleTimer: ReturnType<typeof setInterval> | undefined;
  #lastSeen = 0;
  #reportedAt = -REFUSAL_REPORT_MS;
  #stopped = true;

  constructor(url: string, token?: string) {
    this.#url = withToken(url, token);
  }

  connect(): void {
    this.#stopped = false;
    if (this.#socket) return;
    this.#open();
  }

  close(): void {
    this.#stopped = true;
    clearTimeout(this.#retryTimer);
    clearInterval(this.#idleTimer);
    const socket = this.#socket;
    this.#socket = null;
    if (socket) {
      socket.onclose = socket.onmessage = socket.onerror = socket.onopen = null;
      socket.close(1000);
    }
  }

  subscribe(topic: string): void {
    this.#topics.add(topic);
    this.#send({ type: 'subscribe', topics: [topic] });
  }

  /** Returns false when the socket is not open (the caller re-announces on `open`). */
  publish(topic: string, data: unknown): boolean {
    return this.#send({ type: 'publish', topic, data });
  }

  #send(frame: object): boolean {
    const socket = this.#socket;
    if (!socket || socket.readyState !== WebSocket.OPEN) return false;
    socket.send(JSON.stringify(frame));
    return true;
  }

  #open(): void {
    let socket: WebSocket;
    try {
      socket = new WebSocket(this.#url);
    } catch (cause) {
      this.events.emit('error', new ParleyError('signaling', `Invalid relay URL ${this.#url}`, { cause }));
      return;
    }
    this.#socket = socket;
    socket.onopen = () => {
      this.#attempt = 0;
      this.#lastSeen = Date.now();
      if (this.#topics.size) this.#send({ type: 'subscribe', topics: [...this.#topics] });
      this.events.emit('open');
      clearInterval(this.#idleTimer);
      this.#idleTimer = setInterval(() => this.#checkIdle(), IDLE_PING_MS / 2);
    };
    socket.onmessage = (event) => {
      this.#lastSeen = Date.now();
      this.#receive(event.data);
    };
    socket.onclose = (event) => {
      clearInterval(this.#idleTimer);
      this.#socket = null;
      // The relay ended it for something this page did (signaling/README.md's close codes:
      // flooding, a frame too big, no room joined). Anything else only needs the reconnect
      // below: a normal close, a lost connection, the relay or a proxy in front of it going
      // away or restarting, or our own close of a silent socket.
      if (aboutThisPage(event.code)) {
        this.events.emit('error', new ParleyError('signaling', `Relay closed the connection (${event.code} ${event.reason})`));
      }
      this.events.emit('close');
      if (!this.#stopped) this.#scheduleReconnect();
    };
    socket.onerror = () => {
      // A close event always follows; reconnecting is handled there.
    };
  }

  #receive(raw: unknown): void {
    if (typeof raw !== 'string') return;
    let frame: unknown;
    try {
      frame = JSON.parse(raw);
    } catch {
      this.events.emit('error', new ParleyError('signaling', 'Relay sent a frame that is not JSON; dropped'));
      return;
    }
    if (!isRecord(frame)) return;
    if (frame.type === 'publish' && typeof frame.topic === 'string' && this.#topics.has(frame.topic)) {
      this.events.emit('message', frame.topic, frame.data, typeof frame.clients === 'number' ? frame.clients : undefined, identityOf(frame.identity));
    } else if (frame.type === 'error' && performance.now() - this.#reportedAt > REFUSAL_REPORT_MS) {
      // The relay dropped a frame of ours: say so, once per burst (a flood is refused frame by frame).
      this.#reportedAt = performance.now();
      this.events.emit('error', new ParleyError('signaling', `Relay refused: ${String(frame.reason ?? 'no reason given').slice(0, 80)}`));
    }
    // pong and unknown types need no action: any frame proves the socket alive.
  }

  #checkIdle(): void {
    const idle = Date.now() - this.#lastSeen;
    if (idle > IDLE_PING_MS * 2) this.#socket?.close(1000, 'idle');
    else if (idle > IDLE_PING_MS) this.#send({ type: 'ping' });
  }

  #scheduleReconnect(): void {
    const base = Math.min(RECONNECT_MAX_MS, RECONNECT_MIN_MS * 2 ** this.#attempt++);
    const delay = base / 2 + Math.random() * (base / 2);
    clearTimeout(this.#retryTimer);
    this.#retryTimer = setTimeout(() => {
      if (!this.#stopped && !this.#socket) this.#open();
    }, delay);
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function identityOf(value: unknown): Identity | undefined {
  if (!isRecord(value) || typeof value.sub !== 'string' || !value.sub) return undefined;
  const name = typeof value.name === 'string' ? value.name.slice(0, MAX_NAME_LENGTH) : '';
  return { sub: value.sub.slice(0, 256), name };
}

function withToken(url: string, token?: string): string {
  if (!token) return url;
  const u = new URL(url, globalThis.location?.href);
  u.searchParams.set('token', token);
  return u.toString();
}
