// @ts-check
/**
 * Parley's signaling relay: introduces peers, never sees their media or documents. It
 * speaks y-webrtc's signaling protocol, so a stock y-webrtc client can use it too.
 *
 * This file wires the parts together and owns the relay's lifecycle: listening, readiness,
 * and a graceful close. Who may connect is in admission.js (tokens in auth.js), one
 * connection's handling and limits in connection.js, what its frames mean in protocol.js,
 * topics and fan-out in topics.js (scale-out in redis.js), the write path in wire.js, every
 * bound in limits.js, the HTTP endpoints in http.js (TURN credentials in ice.js, Janus
 * tokens in janus.js), counters
 * in metrics.js.
 */
import http from 'node:http';
import { WebSocketServer } from 'ws';
import { createAddressResolver, isProxyEntry } from './address.js';
import { createAdmission } from './admission.js';
import { MIN_SECRET_BYTES, createVerifier } from './auth.js';
import { createConnectionHandler } from './connection.js';
import { createHttpHandler } from './http.js';
import { isJanusUrl } from './janus.js';
import {
  CloseCode, HEARTBEAT_INTERVAL_MS, MAX_BUFFERED_BYTES, MAX_CONNECTIONS, MAX_CONNECTIONS_PER_IDENTITY, MAX_CONNECTIONS_PER_IP,
  MAX_FRAME_BYTES, MAX_SUBSCRIBERS_PER_TOPIC, MAX_TOPICS, MAX_TOPICS_PER_CONNECTION, MAX_TOPIC_LENGTH, RATE_LIMIT_BURST,
  RATE_LIMIT_CLOSE_AFTER, RATE_LIMIT_PER_SECOND, REFUSAL_LOG_WINDOW_MS, SHUTDOWN_GRACE_MS, TOPICLESS_TIMEOUT_MS,
} from './limits.js';
import { toLogger } from './log.js';
import { FANOUT_SAMPLE_EVERY, createMetrics } from './metrics.js';
import { createProtocol } from './protocol.js';
import { createTopicRegistry } from './topics.js';
import { createSender } from './wire.js';

export * from './limits.js';

/**
 * @typedef {object} RelayOptions
 * @property {number} [port] TCP port; 0 picks a free one. Default 4444.
 * @property {string} [host] Interface to listen on. Default '127.0.0.1'.
 * @property {((entry: Record<string, unknown>) => void) | import('./log.js').PinoLike} [log]
 *   A function that receives one object per log event, or a pino-compatible logger.
 *   Default: pino, JSON lines on stdout.
 * @property {string} [secret] JWT secret (HS256). Without it the relay runs open.
 * @property {number} [maxTokenLifetimeSeconds] Refuse tokens that live longer than this
 *   (`exp` − `iat`, or `exp` − now). Default: any lifetime.
 * @property {string[]} [allowOrigins] Origins allowed to connect; empty or absent: any.
 * @property {string[]} [trustedProxies] Addresses or CIDR ranges of reverse proxies whose
 *   `X-Forwarded-For` names the client (address.js). Default: none, the header is ignored.
 * @property {string} [redis] redis://… URL: share topics with every relay on that Redis.
 * @property {string[]} [turnUrls] turn:/turns: URLs handed out by GET /ice.
 * @property {string} [turnSecret] coturn `static-auth-secret` for REST-API credentials.
 * @property {number} [turnTtlSeconds] Lifetime of TURN credentials.
 * @property {string[]} [stunUrls] stun: URLs handed out by GET /ice.
 * @property {string[]} [janusUrls] ws:/wss: URLs of Janus instances (janus.js): GET /sfu
 *   tells a room's members which one hosts its media. Absent: rooms stay mesh-only.
 * @property {string} [janusSecret] Janus's `token_auth_secret`: signs the tokens /sfu hands out.
 * @property {number} [janusTtlSeconds] Lifetime of Janus tokens. Default JANUS_TOKEN_TTL_S.
 * @property {number} [maxFrameBytes] Default {@link MAX_FRAME_BYTES}.
 * @property {number} [maxTopicsPerConnection] Default {@link MAX_TOPICS_PER_CONNECTION}.
 * @property {number} [maxTopics] Default {@link MAX_TOPICS}.
 * @property {number} [maxSubscribersPerTopic] Default {@link MAX_SUBSCRIBERS_PER_TOPIC}.
 * @property {number} [maxTopicLength] Default {@link MAX_TOPIC_LENGTH}.
 * @property {number} [maxConnections] Default {@link MAX_CONNECTIONS}.
 * @property {number} [maxConnectionsPerIp] Default {@link MAX_CONNECTIONS_PER_IP}.
 * @property {number} [maxConnectionsPerIdentity] Default {@link MAX_CONNECTIONS_PER_IDENTITY}.
 * @property {number} [maxBufferedBytes] Default {@link MAX_BUFFERED_BYTES}.
 * @property {number} [rateLimitPerSecond] Default {@link RATE_LIMIT_PER_SECOND}.
 * @property {number} [rateLimitBurst] Default {@link RATE_LIMIT_BURST}.
 * @property {number} [rateLimitCloseAfter] Default {@link RATE_LIMIT_CLOSE_AFTER}.
 * @property {number} [heartbeatIntervalMs] Default {@link HEARTBEAT_INTERVAL_MS}.
 * @property {number} [topiclessTimeoutMs] Default {@link TOPICLESS_TIMEOUT_MS}.
 * @property {number} [refusalLogWindowMs] Refused upgrades are logged once per reason per
 *   window, then counted. Default {@link REFUSAL_LOG_WINDOW_MS}.
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
 * Starts a relay.
 * @param {RelayOptions} [options]
 * @returns {Promise<Relay>}
 */
export function createRelay(options = {}) {
  const {
    port = 4444,
    host = '127.0.0.1',
    secret,
    maxTokenLifetimeSeconds,
    allowOrigins = [],
    trustedProxies = [],
    redis,
    turnUrls = [],
    turnSecret,
    turnTtlSeconds,
    stunUrls = [],
    janusUrls = [],
    janusSecret,
    janusTtlSeconds,
    maxFrameBytes = MAX_FRAME_BYTES,
    maxTopicsPerConnection = MAX_TOPICS_PER_CONNECTION,
    maxTopics = MAX_TOPICS,
    maxSubscribersPerTopic = MAX_SUBSCRIBERS_PER_TOPIC,
    maxTopicLength = MAX_TOPIC_LENGTH,
    maxConnections = MAX_CONNECTIONS,
    maxConnectionsPerIp = MAX_CONNECTIONS_PER_IP,
    maxConnectionsPerIdentity = MAX_CONNECTIONS_PER_IDENTITY,
    maxBufferedBytes = MAX_BUFFERED_BYTES,
    rateLimitPerSecond = RATE_LIMIT_PER_SECOND,
    rateLimitBurst = RATE_LIMIT_BURST,
    rateLimitCloseAfter = RATE_LIMIT_CLOSE_AFTER,
    heartbeatIntervalMs = HEARTBEAT_INTERVAL_MS,
    topiclessTimeoutMs = TOPICLESS_TIMEOUT_MS,
    refusalLogWindowMs = REFUSAL_LOG_WINDOW_MS,
    fanoutSampleEvery = FANOUT_SAMPLE_EVERY,
  } = options;
  const notProxy = trustedProxies.find((entry) => !isProxyEntry(entry));
  if (notProxy !== undefined) return Promise.reject(new TypeError(`trustedProxies: not an address or CIDR range: ${notProxy}`));
  const notJanus = janusUrls.find((url) => !isJanusUrl(url));
  if (notJanus !== undefined) return Promise.reject(new TypeError(`janusUrls: not a ws:// or wss:// URL: ${notJanus}`));
  if (janusUrls.length && !janusSecret) return Promise.reject(new TypeError('janusUrls need janusSecret (Janus token_auth_secret)'));
  const log = toLogger(options.log);
  const verify = secret ? createVerifier(secret, { maxLifetimeSeconds: maxTokenLifetimeSeconds }) : null;

  /** every open socket → its state */
  const connections = /** @type {Map<import('ws').WebSocket, import('./connection.js').Connection>} */ (new Map());
  /** @type {Promise<void> | undefined} */
  let closing;

  const metrics = createMetrics({ connections: () => connections.size, topics: () => topics.size });
  const send = createSender({ connections, metrics, maxBufferedBytes });
  const registry = createTopicRegistry({ redis, log, send, metrics, fanoutSampleEvery });
  const { topics, bus } = registry;
  const handleFrame = createProtocol({ registry, send, metrics, maxTopicsPerConnection, maxTopics, maxSubscribersPerTopic, maxTopicLength });
  const connectionHandler = createConnectionHandler({
    connections, handleFrame, registry, send, metrics, log, rateLimitPerSecond, rateLimitBurst, rateLimitCloseAfter, heartbeatIntervalMs,
    topiclessTimeoutMs,
    onClose: (source) => admission.release(source),
  });

  // Compression stays off: inflating attacker-chosen frames costs memory and CPU.
  const wss = new WebSocketServer({ noServer: true, maxPayload: maxFrameBytes, perMessageDeflate: false, clientTracking: false });
  const admission = createAdmission({
    wss,
    verify,
    allowOrigins,
    maxConnections,
    maxConnectionsPerIp,
    maxConnectionsPerIdentity,
    clientAddress: createAddressResolver(trustedProxies),
    openConnections: () => connections.size,
    closing: () => closing !== undefined,
    onConnection: connectionHandler.open,
    metrics,
    log,
    refusalLogWindowMs,
  });
  const { origins } = admission;

  const server = http.createServer(
    createHttpHandler({
      ready: () => ready(),
      notReadyReason: () => (bus && !bus.ready ? 'redis not connected' : 'not ready'),
      metrics,
      verify,
      originAllowed: admission.originAllowed,
      echoOrigin: origins.size > 0,
      ice: { stunUrls, turnUrls, turnSecret, ttlSeconds: turnTtlSeconds },
      janus: { urls: janusUrls, secret: janusSecret, ttlSeconds: janusTtlSeconds },
      maxTopicLength,
      log,
    }),
  );

  // A malformed HTTP request must not take anything down; answer it and drop the socket.
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });
  server.on('upgrade', admission.onUpgrade);

  function ready() {
    return server.listening && !closing && (!bus || bus.ready);
  }

  function close() {
    closing ??= new Promise((resolve) => {
      connectionHandler.stop();
      const force = setTimeout(() => {
        for (const ws of connections.keys()) ws.terminate();
        server.closeAllConnections(); // HTTP requests still in flight
      }, SHUTDOWN_GRACE_MS);
      force.unref();
      server.close(async () => {
        clearTimeout(force);
        wss.close();
        await bus?.close();
        admission.flushLog(); // refusals still in their log window are counted before we go
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
      connectionHandler.stop();
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
      const turnConfigured = Boolean(turnSecret && turnUrls.length);
      if (turnConfigured && !secret) {
        log('warn', { event: 'config', message: 'TURN is configured but the relay runs open: /ice hands out no TURN credentials until it has a secret' });
      }
      if (janusUrls.length && !secret) {
        log('warn', { event: 'config', message: 'Janus is configured but the relay runs open: /sfu hands Janus tokens to anyone who asks' });
      }
      // Running open is worth a warning: it shows even at --log-level warn.
      log(secret ? 'info' : 'warn', {
        event: 'start',
        url,
        auth: secret ? 'jwt' : 'none',
        origins: origins.size ? [...origins] : 'any',
        redis: Boolean(bus),
        turn: Boolean(secret && turnConfigured),
        janus: janusUrls.length,
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
