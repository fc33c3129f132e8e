// @ts-check
/**
 * Which WebSocket upgrades become connections. In order: none while shutting down, none
 * beyond maxConnections (upgrades still waiting for their token check count too), only from
 * allowed origins, none beyond maxConnectionsPerIp from one client address (address.js),
 * with a secret only with a valid token (auth.js), and none beyond
 * maxConnectionsPerIdentity per token subject (or token). A refused upgrade gets a bare HTTP
 * status (a browser only sees a 1006 close) and is counted by reason.
 * Anyone can cause refusals as fast as they can open sockets, so their log lines are
 * rate-limited: per reason, the first in a window in full, then one line with the count.
 */
import http from 'node:http';
import { OPEN_GRANT, tokenFromUrl } from './auth.js';

/**
 * Where a connection comes from and whose it is, for the per-address and per-identity
 * limits: `identity` is "sub:<sub>", or "token:<its signature>" for a token without `sub`;
 * undefined without a secret.
 * @typedef {{ address: string, identity: string | undefined }} Source
 */

/**
 * @typedef {object} AdmissionOptions
 * @property {import('ws').WebSocketServer} wss completes the upgrades admitted
 * @property {((token: string | null) => Promise<import('./auth.js').Grant | null>) | null} verify null: no secret, all admitted
 * @property {string[]} allowOrigins empty: any origin
 * @property {number} maxConnections
 * @property {number} maxConnectionsPerIp
 * @property {number} maxConnectionsPerIdentity
 * @property {(req: http.IncomingMessage) => string} clientAddress from address.js
 * @property {() => number} openConnections
 * @property {() => boolean} closing
 * @property {(ws: import('ws').WebSocket, grant: import('./auth.js').Grant, source: Source) => void} onConnection
 *   give the source back to {@link createAdmission}'s `release` when the connection closes
 * @property {import('./metrics.js').Metrics} metrics
 * @property {import('./log.js').Logger} log
 * @property {number} refusalLogWindowMs
 */

/** @param {AdmissionOptions} options */
export function createAdmission(options) {
  const { wss, verify, maxConnections, maxConnectionsPerIp, maxConnectionsPerIdentity, clientAddress, openConnections, closing, onConnection, metrics, log } = options;
  const origins = new Set(options.allowOrigins.map(normalizeOrigin));
  const refusalLog = createRefusalLog(log, options.refusalLogWindowMs, openConnections);
  /** upgrades waiting for their token check, counted against maxConnections */
  let pending = 0;
  /** open connections per client address, and per identity; keys at zero are deleted */
  const perAddress = /** @type {Map<string, number>} */ (new Map());
  const perIdentity = /** @type {Map<string, number>} */ (new Map());

  /**
   * The server's 'upgrade' listener. Upgrades are accepted on any path: y-webrtc clients
   * connect to the root URL.
   * @param {http.IncomingMessage} req @param {import('node:stream').Duplex} socket @param {Buffer} head
   */
  function onUpgrade(req, socket, head) {
    socket.on('error', destroySocket);
    if (closing()) return refuse(socket, 503, 'shutting_down');
    if (openConnections() + pending >= maxConnections) return refuse(socket, 503, 'max_connections');
    if (!originAllowed(req.headers.origin)) return refuse(socket, 403, 'origin');
    const address = clientAddress(req);
    if ((perAddress.get(address) ?? 0) >= maxConnectionsPerIp) return refuse(socket, 429, 'max_connections_per_ip');
    if (!verify) return accept(req, socket, head, OPEN_GRANT, { address, identity: undefined });
    pending++;
    const token = tokenFromUrl(req.url);
    verify(token).then((grant) => {
      pending--;
      if (socket.destroyed) return;
      if (!grant || !token) return refuse(socket, 401, 'unauthorized');
      if (closing()) return refuse(socket, 503, 'shutting_down');
      // Checked again: other upgrades from this address may have opened while this one waited.
      if ((perAddress.get(address) ?? 0) >= maxConnectionsPerIp) return refuse(socket, 429, 'max_connections_per_ip');
      const identity = grant.subject !== undefined ? `sub:${grant.subject}` : `token:${token.slice(token.lastIndexOf('.') + 1)}`;
      if ((perIdentity.get(identity) ?? 0) >= maxConnectionsPerIdentity) return refuse(socket, 429, 'max_connections_per_identity');
      accept(req, socket, head, grant, { address, identity });
    });
  }

  /**
   * Completes the upgrade and counts the connection; `ws` calls back in this same turn, so no
   * other upgrade can pass the limits in between.
   * @param {http.IncomingMessage} req @param {import('node:stream').Duplex} socket @param {Buffer} head
   * @param {import('./auth.js').Grant} grant @param {Source} source
   */
  function accept(req, socket, head, grant, source) {
    wss.handleUpgrade(req, socket, head, (ws) => {
      req.socket.removeListener('error', destroySocket); // ws handles the socket's errors now
      increment(perAddress, source.address, 1);
      if (source.identity !== undefined) increment(perIdentity, source.identity, 1);
      onConnection(ws, grant, source);
    });
  }

  /** A connection admitted from this source has closed. @param {Source} source */
  function release(source) {
    increment(perAddress, source.address, -1);
    if (source.identity !== undefined) increment(perIdentity, source.identity, -1);
  }

  /**
   * @param {import('node:stream').Duplex} socket
   * @param {401 | 403 | 429 | 503} status
   * @param {import('./metrics.js').RefusalReason} reason
   */
  function refuse(socket, status, reason) {
    metrics.refused(reason);
    refusalLog.refused(status, reason);
    socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  }

  /** Browsers always send Origin; other clients may omit it (and could forge it anyway). @param {string | undefined} origin */
  function originAllowed(origin) {
    return origins.size === 0 || origin === undefined || origins.has(normalizeOrigin(origin));
  }

  return {
    onUpgrade,
    release,
    originAllowed,
    /** the allowlist, normalized; empty: any origin */
    origins,
    /** Logs the count of every refusal not yet summarized (when the relay stops). */
    flushLog: refusalLog.flush,
  };
}

/**
 * @typedef {object} RefusalWindow
 * @property {number} status
 * @property {number} started Date.now() of the refusal logged in full
 * @property {number} suppressed refusals since then, not logged yet
 * @property {NodeJS.Timeout} timer ends the window
 */

/**
 * Log lines for refused upgrades, at most two per reason per window: the first refusal in
 * full (as before rate-limiting: `event`, `status`, `reason`, `connections`), and when the
 * window ends, if more came, one line with their number in `suppressed`. The next refusal
 * after that opens a new window. Tokens and URLs are never in either.
 * @param {import('./log.js').Logger} log @param {number} windowMs @param {() => number} openConnections
 */
function createRefusalLog(log, windowMs, openConnections) {
  /** reason → its open window */
  const windows = /** @type {Map<import('./metrics.js').RefusalReason, RefusalWindow>} */ (new Map());

  /** @param {number} status @param {import('./metrics.js').RefusalReason} reason */
  function refused(status, reason) {
    const open = windows.get(reason);
    if (open) {
      open.suppressed++;
      return;
    }
    log('info', { event: 'refused', status, reason, connections: openConnections() });
    const timer = setTimeout(end, windowMs, reason);
    timer.unref();
    windows.set(reason, { status, started: Date.now(), suppressed: 0, timer });
  }

  /** @param {import('./metrics.js').RefusalReason} reason */
  function end(reason) {
    const window = windows.get(reason);
    if (!window) return;
    windows.delete(reason);
    clearTimeout(window.timer);
    const { status, suppressed } = window;
    if (suppressed === 0) return;
    // To a tenth of a second, and never "in the last 0 s" when close() ends a window early.
    const seconds = Math.max(0.1, Math.round((Date.now() - window.started) / 100) / 10);
    log('info', {
      event: 'refused',
      status,
      reason,
      suppressed,
      seconds,
      connections: openConnections(),
      message: `refused ${suppressed} more upgrade${suppressed === 1 ? '' : 's'} (${reason}) in the last ${seconds} s`,
    });
  }

  return {
    refused,
    flush() {
      for (const reason of [...windows.keys()]) end(reason);
    },
  };
}

/** @param {Map<string, number>} counts @param {string} key @param {1 | -1} by */
function increment(counts, key, by) {
  const count = (counts.get(key) ?? 0) + by;
  if (count > 0) counts.set(key, count);
  else counts.delete(key);
}

/** A socket error before or during the upgrade just drops that socket. @this {import('node:stream').Duplex} */
function destroySocket() {
  this.destroy();
}

/** "HTTPS://Example.com/" and "https://example.com" are the same origin. @param {string} origin */
function normalizeOrigin(origin) {
  return origin.trim().toLowerCase().replace(/\/+$/, '');
}
