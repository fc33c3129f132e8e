// @ts-check
/**
 * ICE servers for clients, served at `GET /ice`: STUN URLs as configured, and TURN URLs with
 * time-limited credentials in coturn's REST-API scheme (`use-auth-secret`). The relay and
 * coturn share one secret; the relay never talks to coturn. A credential is
 *   username   = "<unix expiry>:<id>"
 *   credential = base64(HMAC-SHA1(turn secret, username))
 * and coturn recomputes it, refusing it after the expiry. Minting them here means the TURN
 * secret never reaches a browser and a leaked credential dies on its own.
 */
import { createHmac, randomBytes } from 'node:crypto';

/** Lifetime of a TURN credential. coturn checks it on every allocation refresh, so it must
 * outlast the longest call; a day is the REST-API draft's own example. */
export const TURN_CREDENTIAL_TTL_S = 86_400;

/**
 * @param {{ secret: string, ttlSeconds?: number, id?: string, now?: number }} options
 *   `id` names the user in coturn's logs (the token's subject); random when absent.
 *   `now` in milliseconds, for tests.
 * @returns {{ username: string, credential: string }}
 */
export function turnCredentials({ secret, ttlSeconds = TURN_CREDENTIAL_TTL_S, id, now = Date.now() }) {
  const expiry = Math.floor(now / 1000) + ttlSeconds;
  // ':' separates the expiry; keep the id to characters no TURN client mangles.
  const safeId = id?.replace(/[^A-Za-z0-9._@-]/g, '').slice(0, 64) || randomBytes(6).toString('hex');
  const username = `${expiry}:${safeId}`;
  const credential = createHmac('sha1', secret).update(username).digest('base64');
  return { username, credential };
}

/**
 * The `RTCIceServer[]` for one client.
 * @param {{ stunUrls?: string[], turnUrls?: string[], turnSecret?: string, ttlSeconds?: number, id?: string }} config
 * @returns {RTCIceServerLike[]}
 */
export function iceServers({ stunUrls = [], turnUrls = [], turnSecret, ttlSeconds, id }) {
  /** @type {RTCIceServerLike[]} */
  const servers = [];
  if (stunUrls.length) servers.push({ urls: stunUrls });
  if (turnUrls.length && turnSecret) servers.push({ urls: turnUrls, ...turnCredentials({ secret: turnSecret, ttlSeconds, id }) });
  return servers;
}

/** @typedef {{ urls: string[], username?: string, credential?: string }} RTCIceServerLike */
