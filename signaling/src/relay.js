// @ts-check
/**
 * Parley's signaling relay: introduces peers, never sees their media or documents.
 *
 * It speaks y-webrtc's signaling protocol, so a stock y-webrtc client can use it too.
 * Clients send JSON text frames:
 *   {"type":"subscribe","topics":["a","b"]}    join topics
 *   {"type":"unsubscribe","topics":["a"]}      leave topics
 *   {"type":"publish","topic":"a", ...}        relayed, plus `clients`, to every subscriber of "a"
 *                                              (the sender too, if subscribed)
 *   {"type":"ping"}                            answered with {"type":"pong"}
 *
 * A frame that does not parse, or that a limit or the token refuses, is dropped and answered
 * with {"type":"error","reason":...}; it never affects other sockets. This file is the
 * protocol and the connection lifecycle; who may connect is in auth.js, every bound in
 * limits.js, scale-out in redis.js, TURN credentials in ice.js, counters in metrics.js.
 */
import http from 'node:http';
import { WebSocketServer, WebSocket } from 'ws';
import { OPEN_GRANT, MIN_SECRET_BYTES, createVerifier, tokenFromUrl } from './auth.js';
import { createHttpHandler } from './http.js';
import {
  CloseCode, HEARTBEAT_INTERVAL_MS, MAX_BUFFERED_BYTES, MAX_CONNECTIONS, MAX_FRAME_BYTES, MAX_SUBSCRIBERS_PER_TOPIC,
  MAX_TOPICS_PER_CONNECTION, MAX_TOPIC_LENGTH, RATE_LIMIT_BURST, RATE_LIMIT_CLOSE_AFTER, RATE_LIMIT_PER_SECOND,
  SHUTDOWN_GRACE_MS, TokenBucket,
} from './limits.js';
import { toLogger } from './log.js';
import { FANOUT_SAMPLE_EVERY, createMetrics } from './metrics.js';
import { createRedisBus } from './redis.js';
import { textFrame, writeFrame } from './wire.js';

export * from './limits.js';

/**
 * @typedef {object} RelayOptions
 * @property {number} [port] TCP port; 0 picks a free one. Default 4444.
 * @property {string} [host] Interface to listen on. Default '127.0.0.1'.
 * @property {((entry: Record<string, unknown>) => void) | import('./log.js').PinoLike} [log]
 *   A function that receives one object per log event, or a pino-compatible logger.
 *   Default: pino, JSON lines on stdout.
 * @property {string} [secret] JWT secret (HS256). Without it the relay runs open.
 * @property {string[]} [allowOrigins] Origins allowed to connect; empty or absent: any.
 * @property {string} [redis] redis://… URL: share topics with every relay on that Redis.
 * @property {string[]} [turnUrls] turn:/turns: URLs handed out by GET /ice.
 * @property {string} [turnSecret] coturn `static-auth-secret` for REST-API credentials.
 * @property {number} [turnTtlSeconds] Lifetime of TURN credentials.
 * @property {string[]} [stunUrls] stun: URLs handed out by GET /ice.
 * @property {number} [maxFrameBytes] Default {@link MAX_FRAME_BYTES}.
 * @property {number} [maxTopicsPerConnection] Default {@link MAX_TOPICS_PER_CONNECTION}.
 * @property {number} [maxSubscribersPerTopic] Default {@link MAX_SUBSCRIBERS_PER_TOPIC}.
 * @property {number} [maxTopicLength] Default {@link MAX_TOPIC_LENGTH}.
 * @property {number} [maxConnections] Default {@link MAX_CONNECTIONS}.
 * @property {number} [maxBufferedBytes] Default {@link MAX_BUFFERED_BYTES}.
 * @property {number} [rateLimitPerSecond] Default {@link RATE_LIMIT_PER_SECOND}.
 * @property {number} [rateLimitBurst] Default {@link RATE_LIMIT_BURST}.
 * @property {number} [rateLimitCloseAfter] Default {@link RATE_LIMIT_CLOSE_AFTER}.
 * @property {number} [heartbeatIntervalMs] Default {@link HEARTBEAT_INTERVAL_MS}.
 * @property {number} [fanoutSampleEvery] Time one publish in this many for the fan-out
 *   histogram. Default {@link FANOUT_SAMPLE_EVERY}.
 */

/**
 * @typedef {object} Relay
 * @property {http.Server} server
 * @property {number} port The port actually bound.
 * @property {string} url ws://host:port
 * @property {() => Promise<void>} close Stops accepting, closes sockets with 1001,
 *   resolves once the server is closed.
 * @property {() => {connections: number, topics: number}} stats
 * @property {() => boolean} ready Listening, not closing, and Redis connected if configured.
 */

/**
 * @typedef {object} Connection
 * @property {number} id
 * @property {Set<string>} topics
 * @property {Set<string> | null} rooms topics the token allows; null: all
 * @property {TokenBucket} bucket
 * @property {number} refusedInARow frames refused for rate since the last accepted one
 * @property {boolean} alive answered the last heartbeat ping
 * @property {string} [error] why the relay ended it, for the close log line
 */

/** The relay's one fixed answer, encoded once. */
const PONG = textFrame('{"type":"pong"}');

/**
 * Starts a relay.
 * @param {RelayOptions} [options]
 * @returns {Promise<Relay>}
 */
export function createRelay(options = {}) {
  const {
    port = 4444,
    host = '127.0.0.1',
    secret,
    allowOrigins = [],
    redis,
    turnUrls = [],
    turnSecret,
    turnTtlSeconds,
    stunUrls = [],
    maxFrameBytes = MAX_FRAME_BYTES,
    maxTopicsPerConnection = MAX_TOPICS_PER_CONNECTION,
    maxSubscribersPerTopic = MAX_SUBSCRIBERS_PER_TOPIC,
    maxTopicLength = MAX_TOPIC_LENGTH,
    maxConnections = MAX_CONNECTIONS,
    maxBufferedBytes = MAX_BUFFERED_BYTES,
    rateLimitPerSecond = RATE_LIMIT_PER_SECOND,
    rateLimitBurst = RATE_LIMIT_BURST,
    rateLimitCloseAfter = RATE_LIMIT_CLOSE_AFTER,
    heartbeatIntervalMs = HEARTBEAT_INTERVAL_MS,
    fanoutSampleEvery = FANOUT_SAMPLE_EVERY,
  } = options;
  const log = toLogger(options.log);
  const verify = secret ? createVerifier(secret) : null;
  const origins = new Set(allowOrigins.map(normalizeOrigin));

  /** topic → its subscribers on this process */
  const topics = /** @type {Map<string, Set<WebSocket>>} */ (new Map());
  /** every open socket → its state */
  const connections = /** @type {Map<WebSocket, Connection>} */ (new Map());
  let nextId = 1;
  let fanouts = 0;
  /** upgrades waiting for their token check, counted against maxConnections */
  let pending = 0;

  const metrics = createMetrics({ connections: () => connections.size, topics: () => topics.size });
  const { counts } = metrics;
  const bus = redis
    ? createRedisBus({ url: redis, log, localCount: (topic) => topics.get(topic)?.size ?? 0, deliver: deliverRemote })
    : null;

  // Compression stays off: inflating attacker-chosen frames costs memory and CPU.
  const wss = new WebSocketServer({ noServer: true, maxPayload: maxFrameBytes, perMessageDeflate: false, clientTracking: false });

  const server = http.createServer(
    createHttpHandler({
      ready: () => ready(),
      notReadyReason: () => (bus && !bus.ready ? 'redis not connected' : 'not ready'),
      metrics,
      verify,
      originAllowed,
      echoOrigin: origins.size > 0,
      ice: { stunUrls, turnUrls, turnSecret, ttlSeconds: turnTtlSeconds },
      log,
    }),
  );

  // A malformed HTTP request must not take anything down; answer it and drop the socket.
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });

  // Upgrades are accepted on any path: y-webrtc clients connect to the root URL.
  server.on('upgrade', (req, socket, head) => {
    socket.on('error', destroySocket);
    if (closing) return refuseUpgrade(socket, 503, 'shutting_down');
    if (connections.size + pending >= maxConnections) return refuseUpgrade(socket, 503, 'max_connections');
    if (!originAllowed(req.headers.origin)) return refuseUpgrade(socket, 403, 'origin');
    if (!verify) return wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws, req, OPEN_GRANT));
    pending++;
    verify(tokenFromUrl(req.url)).then((grant) => {
      pending--;
      if (socket.destroyed) return;
      if (!grant) return refuseUpgrade(socket, 401, 'unauthorized');
      if (closing) return refuseUpgrade(socket, 503, 'shutting_down');
      wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws, req, grant));
    });
  });

  /**
   * @param {import('node:stream').Duplex} socket
   * @param {401 | 403 | 503} status
   * @param {import('./metrics.js').RefusalReason} reason
   */
  function refuseUpgrade(socket, status, reason) {
    metrics.refused(reason);
    log('info', { event: 'refused', status, reason, connections: connections.size });
    socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  }

  /** Browsers always send Origin; other clients may omit it (and could forge it anyway). @param {string | undefined} origin */
  function originAllowed(origin) {
    return origins.size === 0 || origin === undefined || origins.has(normalizeOrigin(origin));
  }

  /**
   * @param {WebSocket} ws
   * @param {http.IncomingMessage} req
   * @param {import('./auth.js').Grant} grant
   */
  function onConnection(ws, req, grant) {
    req.socket.removeListener('error', destroySocket); // ws handles the socket's errors now
    /** @type {Connection} */
    const conn = {
      id: nextId++,
      topics: new Set(),
      rooms: grant.rooms,
      bucket: new TokenBucket(rateLimitPerSecond, rateLimitBurst),
      refusedInARow: 0,
      alive: true,
      error: undefined,
    };
    connections.set(ws, conn);
    // The request line is never logged: it may carry a token in its query string.
    log('info', {
      event: 'open',
      id: conn.id,
      remote: req.socket.remoteAddress,
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
      onMessage(this, conn, data, isBinary);
    } catch (err) {
      log('error', { event: 'error', id: conn.id, error: String(err) });
      sendError(this, 'internal error');
    }
  }

  /** @this {WebSocket} @param {number} code @param {Buffer} reason */
  function onSocketClose(code, reason) {
    const conn = connections.get(this);
    if (!conn) return;
    for (const topic of conn.topics) leave(this, topic);
    conn.topics.clear();
    connections.delete(this);
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
  function onMessage(ws, conn, data, isBinary) {
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
    let msg;
    try {
      msg = JSON.parse(data.toString('utf8'));
    } catch {
      return refuseFrame(ws, 'invalid_frame', 'invalid JSON');
    }
    if (msg === null || typeof msg !== 'object' || Array.isArray(msg)) {
      return refuseFrame(ws, 'invalid_frame', 'message must be a JSON object');
    }
    switch (msg.type) {
      case 'subscribe': {
        const requested = msg.topics;
        if (!isTopicList(requested)) return refuseFrame(ws, 'invalid_frame', 'topics must be an array of topic names');
        if (!requested.every((topic) => allowed(conn, topic))) return refuseFrame(ws, 'topic_not_allowed', 'topic not allowed');
        const added = [...new Set(requested.filter((topic) => !conn.topics.has(topic)))];
        if (added.length + conn.topics.size > maxTopicsPerConnection) return refuseFrame(ws, 'too_many_topics', 'too many topics');
        if (added.some((topic) => (topics.get(topic)?.size ?? 0) >= maxSubscribersPerTopic)) {
          return refuseFrame(ws, 'topic_full', 'topic full');
        }
        for (const topic of added) join(ws, conn, topic);
        return;
      }
      case 'unsubscribe': {
        if (!isTopicList(msg.topics)) return refuseFrame(ws, 'invalid_frame', 'topics must be an array of topic names');
        for (const topic of msg.topics) {
          if (conn.topics.delete(topic)) leave(ws, topic);
        }
        return;
      }
      case 'publish': {
        const topic = msg.topic;
        if (!isTopic(topic)) return refuseFrame(ws, 'invalid_frame', 'invalid topic');
        if (!allowed(conn, topic)) return refuseFrame(ws, 'topic_not_allowed', 'topic not allowed');
        const receivers = topics.get(topic);
        if (!receivers && !bus) return;
        // `clients` is ours to set: drop the sender's, append the count after serializing once.
        msg.clients = undefined;
        let body;
        try {
          body = JSON.stringify(msg);
        } catch {
          return refuseFrame(ws, 'invalid_frame', 'message too deeply nested');
        }
        bus?.publish(topic, body);
        if (receivers) fanOut(topic, receivers, body);
        return;
      }
      case 'ping':
        return send(ws, PONG);
      default:
        return refuseFrame(ws, 'invalid_frame', 'unknown message type');
    }
  }

  /**
   * Copies one publish to every local subscriber of its topic: the frame is serialized and
   * encoded once, whatever the number of receivers.
   * @param {string} topic @param {Set<WebSocket>} receivers @param {string} body JSON without `clients`
   */
  function fanOut(topic, receivers, body) {
    const timed = ++fanouts % fanoutSampleEvery === 0;
    const started = timed ? performance.now() : 0;
    const clients = receivers.size + (bus ? bus.remoteCount(topic) : 0);
    const frame = textFrame(`${body.slice(0, -1)},"clients":${clients}}`);
    for (const receiver of receivers) send(receiver, frame);
    if (timed) metrics.fanout((performance.now() - started) / 1000);
  }

  /** A publish from another relay node. @param {string} topic @param {string} body */
  function deliverRemote(topic, body) {
    const receivers = topics.get(topic);
    if (receivers) fanOut(topic, receivers, body);
  }

  /** @param {WebSocket} ws @param {Connection} conn */
  function onRateLimited(ws, conn) {
    metrics.refused('rate_limited');
    conn.refusedInARow++;
    // One error per run of refusals: answering every dropped frame would let a flood
    // make the relay send as much as it receives.
    if (conn.refusedInARow === 1) sendError(ws, 'rate limit exceeded');
    if (conn.refusedInARow >= rateLimitCloseAfter && ws.readyState === WebSocket.OPEN) {
      metrics.refused('rate_limit_closed');
      conn.error = 'rate limit exceeded';
      ws.close(CloseCode.RATE_LIMITED, 'rate limit exceeded');
    }
  }

  /** @param {Connection} conn @param {string} topic */
  function allowed(conn, topic) {
    return conn.rooms === null || conn.rooms.has(topic);
  }

  /** @param {unknown} topic @returns {topic is string} */
  function isTopic(topic) {
    return typeof topic === 'string' && topic.length > 0 && topic.length <= maxTopicLength;
  }

  /** @param {unknown} list @returns {list is string[]} */
  function isTopicList(list) {
    return Array.isArray(list) && list.every(isTopic);
  }

  /** @param {WebSocket} ws @param {Connection} conn @param {string} topic */
  function join(ws, conn, topic) {
    let subscribers = topics.get(topic);
    if (!subscribers) topics.set(topic, (subscribers = new Set()));
    subscribers.add(ws);
    conn.topics.add(topic);
    if (subscribers.size === 1) bus?.join(topic);
    else bus?.countChanged(topic);
  }

  /** @param {WebSocket} ws @param {string} topic */
  function leave(ws, topic) {
    const subscribers = topics.get(topic);
    if (!subscribers) return;
    subscribers.delete(ws);
    if (subscribers.size === 0) {
      topics.delete(topic);
      bus?.leave(topic);
    } else bus?.countChanged(topic);
  }

  /** @param {WebSocket} ws @param {Buffer} frame a whole WebSocket frame, from textFrame() */
  function send(ws, frame) {
    if (ws.readyState !== WebSocket.OPEN) return;
    if (ws.bufferedAmount > maxBufferedBytes) {
      const conn = connections.get(ws);
      if (conn) conn.error = 'stalled: send buffer full';
      metrics.refused('stalled');
      ws.terminate();
      return;
    }
    counts.framesOut++;
    counts.bytesOut += frame.length;
    try {
      writeFrame(ws, frame);
    } catch {
      ws.terminate();
    }
  }

  /**
   * @param {WebSocket} ws
   * @param {import('./metrics.js').RefusalReason} reason
   * @param {string} message
   */
  function refuseFrame(ws, reason, message) {
    metrics.refused(reason);
    sendError(ws, message);
  }

  /** @param {WebSocket} ws @param {string} reason */
  function sendError(ws, reason) {
    send(ws, textFrame(JSON.stringify({ type: 'error', reason })));
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
  }, heartbeatIntervalMs);
  heartbeat.unref();

  function ready() {
    return server.listening && !closing && (!bus || bus.ready);
  }

  /** @type {Promise<void> | undefined} */
  let closing;
  function close() {
    closing ??= new Promise((resolve) => {
      clearInterval(heartbeat);
      const force = setTimeout(() => {
        for (const ws of connections.keys()) ws.terminate();
        server.closeAllConnections(); // HTTP requests still in flight
      }, SHUTDOWN_GRACE_MS);
      force.unref();
      server.close(async () => {
        clearTimeout(force);
        wss.close();
        await bus?.close();
        log('info', { event: 'stop' });
        resolve();
      });
      for (const ws of connections.keys()) ws.close(CloseCode.GOING_AWAY, 'relay shutting down');
    });
    return closing;
  }

  return new Promise((resolve, reject) => {
    /** @param {Error} err */
    const onListenError = (err) => {
      clearInterval(heartbeat);
      bus?.close();
      reject(err);
    };
    server.once('error', onListenError);
    server.listen(port, host, () => {
      server.off('error', onListenError);
      server.on('error', (err) => log('error', { event: 'error', error: String(err) }));
      const address = /** @type {import('node:net').AddressInfo} */ (server.address());
      const url = `ws://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
      if (secret && Buffer.byteLength(secret) < MIN_SECRET_BYTES) {
        log('warn', { event: 'config', message: `the secret is shorter than ${MIN_SECRET_BYTES} bytes; use a long random one` });
      }
      // Running open is worth a warning: it shows even at --log-level warn.
      log(secret ? 'info' : 'warn', {
        event: 'start',
        url,
        auth: secret ? 'jwt' : 'none',
        origins: origins.size ? [...origins] : 'any',
        redis: Boolean(bus),
        turn: Boolean(turnSecret && turnUrls.length),
        ...(bus && { node: bus.nodeId }),
        message: secret
          ? `relay listening on ${url}; authentication ON: every connection needs a token (?token=) for its rooms`
          : `relay listening on ${url}; running OPEN (no authentication): anyone who can reach it may use any topic`,
      });
      resolve({
        server,
        port: address.port,
        url,
        close,
        ready,
        stats: () => ({ connections: connections.size, topics: topics.size }),
      });
    });
  });
}

/** A socket error before or during the upgrade just drops that socket. @this {import('node:stream').Duplex} */
function destroySocket() {
  this.destroy();
}

/** "HTTPS://Example.com/" and "https://example.com" are the same origin. @param {string} origin */
function normalizeOrigin(origin) {
  return origin.trim().toLowerCase().replace(/\/+$/, '');
}
