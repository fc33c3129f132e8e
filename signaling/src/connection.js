// @ts-check
/**
 * One client connection, from its admitted upgrade to its close: its state, the limits that
 * apply to it alone (message rate, binary frames, heartbeat, joining a topic in time), and
 * its `open` and `close` log lines. A frame that passes those limits goes to the protocol (protocol.js); a closed
 * connection leaves its topics (topics.js).
 */
import { WebSocket } from 'ws';
import { CloseCode, TokenBucket } from './limits.js';
import { errorFrame } from './wire.js';

/**
 * @typedef {object} Connection
 * @property {number} id
 * @property {Set<string>} topics
 * @property {Set<string> | null} rooms topics the token allows; null: all
 * @property {Identity | undefined} identity who the token says this is, stamped on every
 *   publish; undefined without a token or without `sub`
 * @property {string} stamp `,"identity":{…}`, appended to its publishes ('' without an identity)
 * @property {import('./admission.js').Source} source its address and identity key, for admission's limits
 * @property {TokenBucket} bucket
 * @property {number} refusedInARow frames refused for rate since the last accepted one
 * @property {boolean} alive answered the last heartbeat ping
 * @property {string} [error] why the relay ended it, for the close log line
 */

/**
 * A verified identity as it goes on the wire: the token's `sub`, and its `name` if it has one.
 * @typedef {Readonly<{ sub: string, name?: string }>} Identity
 */

/**
 * @typedef {object} ConnectionHandlerOptions
 * @property {Map<WebSocket, Connection>} connections every open socket → its state; filled and emptied here
 * @property {(ws: WebSocket, conn: Connection, data: Buffer) => void} handleFrame from protocol.js
 * @property {import('./topics.js').TopicRegistry} registry
 * @property {(ws: WebSocket, frame: Buffer) => void} send from wire.js's createSender
 * @property {import('./metrics.js').Metrics} metrics
 * @property {import('./log.js').Logger} log
 * @property {number} rateLimitPerSecond
 * @property {number} rateLimitBurst
 * @property {number} rateLimitCloseAfter
 * @property {number} heartbeatIntervalMs
 * @property {number} topiclessTimeoutMs
 * @property {(source: import('./admission.js').Source) => void} onClose a connection has closed
 */

/**
 * Starts the heartbeat and returns `open`, which takes over an admitted socket, and `stop`,
 * which stops the heartbeat.
 * @param {ConnectionHandlerOptions} options
 */
export function createConnectionHandler(options) {
  const { connections, handleFrame, registry, send, metrics, log, rateLimitPerSecond, rateLimitBurst, rateLimitCloseAfter, topiclessTimeoutMs, onClose } = options;
  const { counts } = metrics;
  let nextId = 1;
  /** sockets not yet seen in a topic → when they opened, oldest first */
  const topicless = /** @type {Map<WebSocket, number>} */ (new Map());

  /**
   * @param {WebSocket} ws
   * @param {import('./auth.js').Grant} grant
   * @param {import('./admission.js').Source} source
   */
  function open(ws, grant, source) {
    const identity = identityOf(grant);
    /** @type {Connection} */
    const conn = {
      id: nextId++,
      topics: new Set(),
      rooms: grant.rooms,
      identity,
      stamp: identity ? `,"identity":${JSON.stringify(identity)}` : '',
      source,
      bucket: new TokenBucket(rateLimitPerSecond, rateLimitBurst),
      refusedInARow: 0,
      alive: true,
      error: undefined,
    };
    connections.set(ws, conn);
    topicless.set(ws, Date.now());
    // The request line is never logged: it may carry a token in its query string.
    log('info', {
      event: 'open',
      id: conn.id,
      remote: source.address,
      ...(grant.subject && { subject: grant.subject }),
      connections: connections.size,
    });
    // Shared listeners (`this` is the socket): no closures per connection, and nothing
    // that keeps the upgrade request alive.
    ws.on('pong', onPong);
    ws.on('error', onSocketError);
    ws.on('message', onSocketMessage);
    ws.on('close', onSocketClose);
  }

  /** @this {WebSocket} */
  function onPong() {
    const conn = connections.get(this);
    if (conn) conn.alive = true;
  }

  /** @this {WebSocket} @param {Error} err */
  function onSocketError(err) {
    const conn = connections.get(this);
    const code = /** @type {any} */ (err).code;
    if (conn) conn.error ??= code ?? err.message;
    if (code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') metrics.refused('frame_too_big');
    else if (code === 'WS_ERR_INVALID_UTF8') metrics.refused('invalid_utf8');
  }

  /** @this {WebSocket} @param {Buffer} data @param {boolean} isBinary */
  function onSocketMessage(data, isBinary) {
    const conn = connections.get(this);
    if (!conn) return;
    try {
      receive(this, conn, data, isBinary);
    } catch (err) {
      log('error', { event: 'error', id: conn.id, error: String(err) });
      send(this, errorFrame('internal error'));
    }
  }

  /** @this {WebSocket} @param {number} code @param {Buffer} reason */
  function onSocketClose(code, reason) {
    const conn = connections.get(this);
    if (!conn) return;
    registry.leaveAll(this, conn);
    connections.delete(this);
    topicless.delete(this);
    onClose(conn.source);
    log('info', {
      event: 'close',
      id: conn.id,
      code,
      ...(reason.length && { reason: reason.toString() }),
      ...(conn.error && { error: conn.error }),
      connections: connections.size,
    });
  }

  /**
   * @param {WebSocket} ws
   * @param {Connection} conn
   * @param {Buffer} data
   * @param {boolean} isBinary
   */
  function receive(ws, conn, data, isBinary) {
    counts.framesIn++;
    counts.bytesIn += data.length;
    if (!conn.bucket.take()) return onRateLimited(ws, conn);
    conn.refusedInARow = 0;
    if (isBinary) {
      metrics.refused('binary_frame');
      conn.error = 'binary frame';
      ws.close(CloseCode.UNSUPPORTED_DATA, 'binary frames are not supported');
      return;
    }
    handleFrame(ws, conn, data);
  }

  /** @param {WebSocket} ws @param {Connection} conn */
  function onRateLimited(ws, conn) {
    metrics.refused('rate_limited');
    conn.refusedInARow++;
    // One error per run of refusals: answering every dropped frame would let a flood
    // make the relay send as much as it receives.
    if (conn.refusedInARow === 1) send(ws, errorFrame('rate limit exceeded'));
    if (conn.refusedInARow >= rateLimitCloseAfter && ws.readyState === WebSocket.OPEN) {
      metrics.refused('rate_limit_closed');
      conn.error = 'rate limit exceeded';
      ws.close(CloseCode.RATE_LIMITED, 'rate limit exceeded');
    }
  }

  const heartbeat = setInterval(() => {
    for (const [ws, conn] of connections) {
      if (!conn.alive) {
        conn.error = 'heartbeat: no pong';
        metrics.refused('heartbeat');
        ws.terminate();
        continue;
      }
      conn.alive = false;
      try {
        ws.ping();
      } catch {
        ws.terminate();
      }
    }
  }, options.heartbeatIntervalMs);
  heartbeat.unref();

  // One sweep for all sockets, oldest first, instead of a timer each: a socket that is in no
  // topic one timeout after it opened is closed then (at most a quarter timeout later).
  const sweep = setInterval(() => {
    const openedBefore = Date.now() - topiclessTimeoutMs;
    for (const [ws, opened] of topicless) {
      const conn = connections.get(ws);
      if (conn && conn.topics.size === 0) {
        if (opened > openedBefore) break; // this one and every later one still have time
        conn.error = 'no topic subscribed';
        metrics.refused('topicless');
        ws.close(CloseCode.NO_TOPIC, 'no topic subscribed in time');
      }
      topicless.delete(ws);
    }
  }, Math.max(10, topiclessTimeoutMs / 4));
  sweep.unref();

  return {
    open,
    /** Stops the heartbeat and the sweep (on close, or when the relay could not listen). */
    stop: () => {
      clearInterval(heartbeat);
      clearInterval(sweep);
    },
  };
}

/** Built once per connection, so a publish only points at it. @param {import('./auth.js').Grant} grant */
function identityOf({ subject, name }) {
  if (subject === undefined) return undefined;
  return Object.freeze(name === undefined ? { sub: subject } : { sub: subject, name });
}
