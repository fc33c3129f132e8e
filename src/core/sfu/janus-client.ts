// The few requests of Janus's API Parley needs, as JSON over one WebSocket (subprotocol
// `janus-protocol`): a session kept alive, plugin handles, messages with an optional JSEP,
// trickled candidates. Every request carries the relay-issued token (Janus checks it on
// each one, keepalives included), which `token` replaces before it expires. A request
// resolves with its answer: `success`, or for a plugin request that answers later, the
// `event` after Janus's `ack`; `error` rejects. Events Janus sends on its own (a new
// publisher, a hang-up) go to the handle's listener.
import { ParleyError } from '../errors.js';

/**
 * A failure that trying again later may cure: a server that could not be reached or did not
 * answer in time (sfu-link.ts tries again; a refusal it does not).
 */
export function unavailable(message: string, cause?: unknown): ParleyError {
  return Object.assign(new ParleyError('sfu', message, { cause }), { transient: true });
}

/** Janus drops a session after 60 s without a request; a keepalive every 25 s keeps it. */
export const KEEPALIVE_MS = 25_000;
/** How long a request may wait for its answer, or for Janus to say it is working on it (`ack`). */
export const REQUEST_TIMEOUT_MS = 15_000;
/**
 * How long a plugin request Janus acknowledged may wait for its answer. Janus acks a message
 * as soon as it reads it, and the plugin answers in turn, one request after another: on a
 * busy machine with a room's worth of subscribers asking at once, an answer can come well
 * after REQUEST_TIMEOUT_MS from a server that is alive and working through them.
 */
export const ANSWER_TIMEOUT_MS = 60_000;
/** Requests Janus answers with its `ack` alone. */
const ACK_ONLY = new Set(['keepalive', 'trickle']);

export interface JanusMessage {
  janus: string;
  transaction?: string;
  sender?: number;
  session_id?: number;
  data?: { id?: number };
  error?: { code: number; reason: string };
  plugindata?: { plugin: string; data: Record<string, unknown> };
  jsep?: RTCSessionDescriptionInit;
}

type Listener = (message: JanusMessage) => void;

interface Pending {
  resolve: (m: JanusMessage) => void;
  reject: (e: Error) => void;
  timer: ReturnType<typeof setTimeout>;
  /** Janus acknowledged the request. */
  ack: (m: JanusMessage) => void;
}

export class JanusClient {
  /** The token every request carries; replace it with a fresh one before it expires. */
  token: string;
  /** Called once when the connection to Janus ends (closed, failed, or the session timed out). */
  onclose: ((reason: string) => void) | null = null;
  readonly #ws: WebSocket;
  readonly #pending = new Map<string, Pending>();
  readonly #handles = new Map<number, Listener>();
  #session = 0;
  #next = 0;
  #keepalive: ReturnType<typeof setInterval> | undefined;
  #closed = false;

  private constructor(ws: WebSocket, token: string) {
    this.#ws = ws;
    this.token = token;
    ws.onmessage = (event) => this.#receive(event.data);
    ws.onclose = () => this.#end('the connection to the media server closed');
  }

  /** Connects and creates a session. */
  static async connect(url: string, token: string): Promise<JanusClient> {
    const ws = new WebSocket(url, 'janus-protocol');
    await new Promise<void>((resolve, reject) => {
      const fail = () => {
        clearTimeout(timer);
        ws.close();
        reject(unavailable(`Could not reach the media server at ${url}`));
      };
      const timer = setTimeout(fail, REQUEST_TIMEOUT_MS);
      ws.onopen = () => (clearTimeout(timer), resolve());
      ws.onerror = fail;
    });
    const client = new JanusClient(ws, token);
    const created = await client.#request({ janus: 'create' });
    client.#session = created.data?.id ?? 0;
    client.#keepalive = setInterval(() => void client.#request({ janus: 'keepalive', session_id: client.#session }).catch(() => {}), KEEPALIVE_MS);
    return client;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Attaches a plugin handle; `listener` receives the events Janus sends it unasked. */
  async attach(plugin: string, listener: Listener): Promise<number> {
    const reply = await this.#request({ janus: 'attach', session_id: this.#session, plugin });
    const id = reply.data?.id ?? 0;
    this.#handles.set(id, listener);
    return id;
  }

  /** A plugin request on a handle; resolves with the whole answer (plugin data and JSEP). */
  async message(handle: number, body: Record<string, unknown>, jsep?: RTCSessionDescriptionInit): Promise<JanusMessage> {
    return this.#request({ janus: 'message', session_id: this.#session, handle_id: handle, body, ...(jsep && { jsep }) });
  }

  /** Sends one of our ICE candidates (null: gathering is complete). */
  trickle(handle: number, candidate: RTCIceCandidate | null): void {
    const body = candidate ? { candidate: candidate.candidate, sdpMid: candidate.sdpMid, sdpMLineIndex: candidate.sdpMLineIndex } : { completed: true };
    void this.#request({ janus: 'trickle', session_id: this.#session, handle_id: handle, candidate: body }).catch(() => {});
  }

  /** Ends the session (Janus hangs up every handle) and the connection. */
  close(): void {
    if (this.#closed) return;
    if (this.#ws.readyState === WebSocket.OPEN) this.#ws.send(JSON.stringify({ janus: 'destroy', session_id: this.#session, transaction: 'bye', token: this.token }));
    this.#end('closed');
    this.#ws.close();
  }

  #request(request: Record<string, unknown>): Promise<JanusMessage> {
    if (this.#closed) return Promise.reject(unavailable('The connection to the media server has ended'));
    const transaction = `p${(this.#next++).toString(36)}`;
    const kind = String(request.janus);
    return new Promise((resolve, reject) => {
      const expire = (ms: number) =>
        setTimeout(() => {
          this.#pending.delete(transaction);
          reject(unavailable(`The media server did not answer ${kind}`));
        }, ms);
      const pending: Pending = {
        resolve,
        reject,
        timer: expire(REQUEST_TIMEOUT_MS),
        ack: (message) => {
          clearTimeout(pending.timer);
          if (!ACK_ONLY.has(kind)) return void (pending.timer = expire(ANSWER_TIMEOUT_MS));
          this.#pending.delete(transaction);
          resolve(message);
        },
      };
      this.#pending.set(transaction, pending);
      this.#ws.send(JSON.stringify({ ...request, transaction, token: this.token }));
    });
  }

  #receive(data: unknown): void {
    let message: JanusMessage;
    try {
      message = JSON.parse(String(data)) as JanusMessage;
    } catch {
      return; // not JSON: nothing Janus sends
    }
    if (typeof message !== 'object' || message === null || typeof message.janus !== 'string') return;
    const pending = message.transaction ? this.#pending.get(message.transaction) : undefined;
    if (message.janus === 'ack') return pending?.ack(message);
    if (pending) {
      this.#pending.delete(message.transaction!);
      clearTimeout(pending.timer);
      if (message.janus === 'error') pending.reject(new ParleyError('sfu', `The media server refused: ${message.error?.reason ?? 'unknown error'}`));
      else pending.resolve(message);
      return;
    }
    if (message.janus === 'timeout') return this.#end('the media server ended the session');
    if (typeof message.sender === 'number') this.#handles.get(message.sender)?.(message);
  }

  #end(reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#keepalive);
    for (const { reject, timer } of this.#pending.values()) {
      clearTimeout(timer);
      reject(unavailable(`The media server went away: ${reason}`));
    }
    this.#pending.clear();
    this.onclose?.(reason);
  }
}
