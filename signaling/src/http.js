// @ts-check
/**
 * The relay's plain-HTTP side, next to the WebSocket upgrades: health and readiness for
 * orchestrators, Prometheus metrics, and `/ice` (STUN/TURN servers with fresh TURN
 * credentials for pages about to build RTCPeerConnections). Everything else is 404.
 * `/healthz`, `/readyz` and `/metrics` are unauthenticated (protect them at the proxy);
 * `/ice` needs a token only when the relay has a secret, and without one it hands out no
 * TURN credentials: anyone who can reach an open relay could take them and relay their own
 * traffic through the TURN server.
 */
import { OPEN_GRANT, tokenFromUrl } from './auth.js';
import { iceServers } from './ice.js';

/**
 * @typedef {object} HttpContext
 * @property {() => boolean} ready
 * @property {() => string} notReadyReason
 * @property {import('./metrics.js').Metrics} metrics
 * @property {((token: string | null) => Promise<import('./auth.js').Grant | null>) | null} verify
 * @property {(origin: string | undefined) => boolean} originAllowed
 * @property {boolean} echoOrigin with an allowlist, CORS names the origin; without, '*'
 * @property {{ stunUrls: string[], turnUrls: string[], turnSecret?: string, ttlSeconds?: number }} ice
 * @property {import('./log.js').Logger} log
 */

/**
 * @param {HttpContext} context
 * @returns {(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void}
 */
export function createHttpHandler(context) {
  const { ready, notReadyReason, metrics, verify, originAllowed, echoOrigin, ice, log } = context;

  /** @param {import('node:http').IncomingMessage} req @param {import('node:http').ServerResponse} res */
  async function route(req, res) {
    const path = (req.url ?? '').split('?')[0];
    const text = (/** @type {number} */ status, /** @type {string} */ body) =>
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(body);
    if (req.method !== 'GET' && req.method !== 'HEAD') return text(404, 'not found');
    switch (path) {
      case '/healthz':
        return text(200, 'ok');
      case '/readyz':
        return ready() ? text(200, 'ready') : text(503, notReadyReason());
      case '/metrics':
        return res.writeHead(200, { 'content-type': metrics.contentType }).end(await metrics.render());
      case '/ice':
        return answerIce(req, res);
      default:
        return text(404, 'not found');
    }
  }

  /** @param {import('node:http').IncomingMessage} req @param {import('node:http').ServerResponse} res */
  async function answerIce(req, res) {
    const origin = req.headers.origin;
    /** @type {Record<string, string>} */
    const headers = { 'content-type': 'application/json', 'cache-control': 'no-store', vary: 'Origin' };
    if (!originAllowed(origin)) {
      metrics.refused('origin');
      return res.writeHead(403, headers).end('{"error":"origin not allowed"}');
    }
    // Pages on another origin fetch this; let them read the answer if they may connect.
    if (origin) headers['access-control-allow-origin'] = echoOrigin ? origin : '*';
    const grant = verify ? await verify(tokenFromUrl(req.url)) : OPEN_GRANT;
    if (!grant) {
      metrics.refused('unauthorized');
      return res.writeHead(401, headers).end('{"error":"missing, invalid or expired token"}');
    }
    const turnSecret = verify ? ice.turnSecret : undefined;
    res.writeHead(200, headers).end(JSON.stringify({ iceServers: iceServers({ ...ice, turnSecret, id: grant.subject }) }));
  }

  return (req, res) => {
    route(req, res).catch((err) => {
      log('error', { event: 'error', error: String(err) });
      if (!res.headersSent) res.writeHead(500).end();
    });
  };
}
