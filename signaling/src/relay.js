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
 * A frame that does not parse is dropped and answered with {"type":"error","reason":...};
 * it never affects other sockets. Each limit below is a named constant that an option overrides.
 */
import http from 'node:http';
import { WebSocketServer, WebSocket } from 'ws';

/** Largest frame accepted, in bytes. A bigger one closes that socket with 1009. */
export const MAX_FRAME_BYTES = 64 * 1024;
/** Topics one connection may be subscribed to at once (a topic is a room). */
export const MAX_TOPICS_PER_CONNECTION = 100;
/** Longest topic name, in characters. */
export const MAX_TOPIC_LENGTH = 256;
/** Open connections per process; an upgrade beyond this is refused with HTTP 503. */
export const MAX_CONNECTIONS = 10_000;
/** Unsent bytes queued for one socket before it counts as stalled and is dropped, so a
 * client that stops reading cannot make the relay buffer without bound. */
export const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
/** How often every socket is pinged; one that has not answered the previous ping is dropped. */
export const HEARTBEAT_INTERVAL_MS = 30_000;
/** How long close() waits for clients to finish the close handshake before cutting them off. */
export const SHUTDOWN_GRACE_MS = 2_000;

/** WebSocket close codes the relay sends (RFC 6455 §7.4.1). */
export const CloseCode = Object.freeze({
  GOING_AWAY: 1001, // relay shutting down
  UNSUPPORTED_DATA: 1003, // binary frame
  INVALID_PAYLOAD: 1007, // text frame that is not UTF-8 (sent by ws)
  MESSAGE_TOO_BIG: 1009, // frame over maxFrameBytes (sent by ws)
});

/**
 * @typedef {object} RelayOptions
 * @property {number} [port] TCP port; 0 picks a free one. Default 4444.
 * @property {string} [host] Interface to listen on. Default '127.0.0.1'.
 * @property {(entry: Record<string, unknown>) => void} [log] Receives one object per log event.
 *   Default: one JSON line on stdout.
 * @property {number} [maxFrameBytes] Default {@link MAX_FRAME_BYTES}.
 * @property {number} [maxTopicsPerConnection] Default {@link MAX_TOPICS_PER_CONNECTION}.
 * @property {number} [maxTopicLength] Default {@link MAX_TOPIC_LENGTH}.
 * @property {number} [maxConnections] Default {@link MAX_CONNECTIONS}.
 * @property {number} [maxBufferedBytes] Default {@link MAX_BUFFERED_BYTES}.
 * @property {number} [heartbeatIntervalMs] Default {@link HEARTBEAT_INTERVAL_MS}.
 */

/**
 * @typedef {object} Relay
 * @property {http.Server} server
 * @property {number} port The port actually bound.
 * @property {string} url ws://host:port
 * @property {() => Promise<void>} close Stops accepting, closes sockets with 1001,
 *   resolves once the server is closed.
 * @property {() => {connections: number, topics: number}} stats
 */

/** @typedef {{ id: number, topics: Set<string>, alive: boolean, error?: string }} Connection */

/** @param {Record<string, unknown>} entry */
function logJsonLine(entry) {
  process.stdout.write(JSON.stringify({ time: new Date().toISOString(), ...entry }) + '\n');
}

/**
 * Starts a relay.
 * @param {RelayOptions} [options]
 * @returns {Promise<Relay>}
 */
export function createRelay(options = {}) {
  const {
    port = 4444,
    host = '127.0.0.1',
    log = logJsonLine,
    maxFrameBytes = MAX_FRAME_BYTES,
    maxTopicsPerConnection = MAX_TOPICS_PER_CONNECTION,
    maxTopicLength = MAX_TOPIC_LENGTH,
    maxConnections = MAX_CONNECTIONS,
    maxBufferedBytes = MAX_BUFFERED_BYTES,
    heartbeatIntervalMs = HEARTBEAT_INTERVAL_MS,
  } = options;

  /** topic → its subscribers */
  const topics = /** @type {Map<string, Set<WebSocket>>} */ (new Map());
  /** every open socket → its state */
  const connections = /** @type {Map<WebSocket, Connection>} */ (new Map());
  let nextId = 1;

  // Compression stays off: inflating attacker-chosen frames costs memory and CPU.
  const wss = new WebSocketServer({ noServer: true, maxPayload: maxFrameBytes, perMessageDeflate: false });

  const server = http.createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    const ok = (req.method === 'GET' || req.method === 'HEAD') && path === '/healthz';
    res.writeHead(ok ? 200 : 404, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(ok ? 'ok' : 'not found');
  });

  // A malformed HTTP request must not take anything down; answer it and drop the socket.
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });

  // Upgrades are accepted on any path: y-webrtc clients connect to the root URL.
  server.on('upgrade', (req, socket, head) => {
    socket.on('error', () => socket.destroy());
    if (closing || connections.size >= maxConnections) {
      log({ event: 'refused', reason: closing ? 'shutting down' : 'max connections', connections: connections.size });
      socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws, req));
  });

  /**
   * @param {WebSocket} ws
   * @param {http.IncomingMessage} req
   */
  function onConnection(ws, req) {
    /** @type {Connection} */
    const conn = { id: nextId++, topics: new Set(), alive: true };
    connections.set(ws, conn);
    // The request line is never logged: it may carry a token in its query string.
    log({ event: 'open', id: conn.id, remote: req.socket.remoteAddress, connections: connections.size });

    ws.on('pong', () => { conn.alive = true; });
    ws.on('error', (err) => { conn.error = /** @type {NodeJS.ErrnoException} */ (err).code ?? err.message; });
    ws.on('message', (data, isBinary) => {
      try {
        onMessage(ws, conn, /** @type {Buffer} */ (data), isBinary);
      } catch (err) {
        log({ event: 'error', id: conn.id, error: String(err) });
        sendError(ws, 'internal error');
      }
    });
    ws.on('close', (code) => {
      for (const topic of conn.topics) leave(ws, topic);
      conn.topics.clear();
      connections.delete(ws);
      log({ event: 'close', id: conn.id, code, ...(conn.error && { error: conn.error }), connections: connections.size });
    });
  }

  /**
   * @param {WebSocket} ws
   * @param {Connection} conn
   * @param {Buffer} data
   * @param {boolean} isBinary
   */
  function onMessage(ws, conn, data, isBinary) {
    if (isBinary) {
      ws.close(CloseCode.UNSUPPORTED_DATA, 'binary frames are not supported');
      return;
    }
    let msg;
    try {
      msg = JSON.parse(data.toString('utf8'));
    } catch {
      return sendError(ws, 'invalid JSON');
    }
    if (msg === null || typeof msg !== 'object' || Array.isArray(msg)) {
      return sendError(ws, 'message must be a JSON object');
    }
    switch (msg.type) {
      case 'subscribe': {
        const requested = msg.topics;
        if (!isTopicList(requested)) return sendError(ws, 'topics must be an array of topic names');
        const added = requested.filter((topic) => !conn.topics.has(topic));
        if (new Set(added).size + conn.topics.size > maxTopicsPerConnection) {
          return sendError(ws, 'too many topics');
        }
        for (const topic of added) join(ws, conn, topic);
        return;
      }
      case 'unsubscribe': {
        if (!isTopicList(msg.topics)) return sendError(ws, 'topics must be an array of topic names');
        for (const topic of msg.topics) {
          if (conn.topics.delete(topic)) leave(ws, topic);
        }
        return;
      }
      case 'publish': {
        if (!isTopic(msg.topic)) return sendError(ws, 'invalid topic');
        const receivers = topics.get(msg.topic);
        if (!receivers) return;
        msg.clients = receivers.size;
        let frame;
        try {
          frame = JSON.stringify(msg); // once, however many receivers
        } catch {
          return sendError(ws, 'message too deeply nested');
        }
        for (const receiver of receivers) send(receiver, frame);
        return;
      }
      case 'ping':
        return send(ws, '{"type":"pong"}');
      default:
        return sendError(ws, 'unknown message type');
    }
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
  }

  /** @param {WebSocket} ws @param {string} topic */
  function leave(ws, topic) {
    const subscribers = topics.get(topic);
    if (!subscribers) return;
    subscribers.delete(ws);
    if (subscribers.size === 0) topics.delete(topic);
  }

  /** @param {WebSocket} ws @param {string} frame */
  function send(ws, frame) {
    if (ws.readyState !== WebSocket.OPEN) return;
    if (ws.bufferedAmount > maxBufferedBytes) {
      const conn = connections.get(ws);
      if (conn) conn.error = 'stalled: send buffer full';
      ws.terminate();
      return;
    }
    try {
      ws.send(frame);
    } catch {
      ws.terminate();
    }
  }

  /** @param {WebSocket} ws @param {string} reason */
  function sendError(ws, reason) {
    send(ws, JSON.stringify({ type: 'error', reason }));
  }

  const heartbeat = setInterval(() => {
    for (const [ws, conn] of connections) {
      if (!conn.alive) {
        conn.error = 'heartbeat: no pong';
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
      server.close(() => {
        clearTimeout(force);
        wss.close();
        log({ event: 'stop' });
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
      reject(err);
    };
    server.once('error', onListenError);
    server.listen(port, host, () => {
      server.off('error', onListenError);
      server.on('error', (err) => log({ event: 'error', error: String(err) }));
      const address = /** @type {import('node:net').AddressInfo} */ (server.address());
      const url = `ws://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
      log({
        event: 'start',
        url,
        auth: 'none',
        message: `relay listening on ${url}; running OPEN (no authentication yet): anyone who can reach it may use any topic`,
      });
      resolve({
        server,
        port: address.port,
        url,
        close,
        stats: () => ({ connections: connections.size, topics: topics.size }),
      });
    });
  });
}
