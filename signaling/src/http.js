// @ts-check
/**
 * The relay's plain-HTTP side, next to the WebSocket upgrades: health and readiness for
 * orchestrators, Prometheus metrics, `/ice` (STUN/TURN servers with fresh TURN
 * credentials for pages about to build RTCPeerConnections) and `/sfu` (where a room's media
 * goes when it leaves the mesh, with Janus tokens for that room). Everything else is 404.
 * `/healthz`, `/readyz` and `/metrics` are unauthenticated (protect them at the proxy);
 * `/ice` and `/sfu` need a token only when the relay has a secret. Without one, `/ice` hands
 * out no TURN credentials: anyone who can reach an open relay could take them and relay
 * their own traffic through the TURN server. `/sfu` does hand out Janus tokens then (an open
 * relay admits anyone to any room anyway; the relay warns at start), each good for one room.
 */
import { OPEN_GRANT, queryParam, tokenFromUrl } from './auth.js';
import { iceServers } from './ice.js';
import { janusGrant } from './janus.js';

/**
 * @typedef {object} HttpContext
 * @property {() => boolean} ready
 * @property {() => string} notReadyReason
 * @property {import('./metrics.js').Metrics} metrics
 * @property {((token: string | null) => Promise<import('./auth.js').Grant | null>) | null} verify
 * @property {(origin: string | undefined) => boolean} originAllowed
 * @property {boolean} echoOrigin with an allowlist, CORS names the origin; without, '*'
 * @property {{ stunUrls: string[], turnUrls: string[], turnSecret?: string, ttlSeconds?: number }} ice
 * @property {{ urls: string[], secret?: string, ttlSeconds?: number }} janus
 * @property {number} maxTopicLength the longest room name `/sfu` answers for
 * @property {import('./log.js').Logger} log
 */

/**
 * @param {HttpContext} context
 * @returns {(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void}
 */
export function createHttpHandler(context) {
  const { ready, notReadyReason, metrics, verify, originAllowed, echoOrigin, ice, janus, maxTopicLength, log } = context;

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
      case '/sfu':
        return answerSfu(req, res);
      default:
        return text(404, 'not found');
    }
  }

  /**
   * The checks `/ice` and `/sfu` share: the origin, then the token. Resolves with the grant
   * and the response headers, or null once it has answered the refusal itself.
   * @param {import('node:http').IncomingMessage} req @param {import('node:http').ServerResponse} res
   */
  async function admit(req, res) {
    const origin = req.headers.origin;
    /** @type {Record<string, string>} */
    const headers = { 'content-type': 'application/json', 'cache-control': 'no-store', vary: 'Origin' };
    if (!originAllowed(origin)) {
      metrics.refused('origin');
      res.writeHead(403, headers).end('{"error":"origin not allowed"}');
      return null;
    }
    // Pages on another origin fetch this; let them read the answer if they may connect.
    if (origin) headers['access-control-allow-origin'] = echoOrigin ? origin : '*';
    const grant = verify ? await verify(tokenFromUrl(req.url)) : OPEN_GRANT;
    if (!grant) {
      metrics.refused('unauthorized');
      res.writeHead(401, headers).end('{"error":"missing, invalid or expired token"}');
      return null;
    }
    return { grant, headers };
  }

  /** @param {import('node:http').IncomingMessage} req @param {import('node:http').ServerResponse} res */
  async function answerIce(req, res) {
    const admitted = await admit(req, res);
    if (!admitted) return;
    const turnSecret = verify ? ice.turnSecret : undefined;
    res.writeHead(200, admitted.headers).end(JSON.stringify({ iceServers: iceServers({ ...ice, turnSecret, id: admitted.grant.subject }) }));
  }

  /**
   * `GET /sfu?room=<room>&token=<jwt>`: the room's Janus and tokens for it, to members only.
   * @param {import('node:http').IncomingMessage} req @param {import('node:http').ServerResponse} res
   */
  async function answerSfu(req, res) {
    const admitted = await admit(req, res);
    if (!admitted) return;
    const { grant, headers } = admitted;
    const room = queryParam(req.url, 'room');
    if (!room || room.length > maxTopicLength) return res.writeHead(400, headers).end('{"error":"?room= names no room"}');
    if (grant.rooms && !grant.rooms.has(room)) {
      metrics.refused('unauthorized');
      return res.writeHead(403, headers).end('{"error":"the token does not grant this room"}');
    }
    const answer = janus.secret ? janusGrant({ urls: janus.urls, secret: janus.secret, room, ttlSeconds: janus.ttlSeconds }) : null;
    if (!answer) return res.writeHead(404, headers).end('{"error":"this relay has no SFU: rooms stay mesh-only"}');
    res.writeHead(200, headers).end(JSON.stringify(answer));
  }

  return (req, res) => {
    route(req, res).catch((err) => {
      log('error', { event: 'error', error: String(err) });
      if (!res.headersSent) res.writeHead(500).end();
    });
  };
}

