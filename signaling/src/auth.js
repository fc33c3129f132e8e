// @ts-check
/**
 * Who may use which topics. With a secret, every connection presents a JWT (HS256) in the
 * `?token=` query parameter — the only place a browser WebSocket or a y-webrtc client can
 * put one — and its `rooms` claim lists the topics it may subscribe and publish to, or is
 * "*" for all. Its `sub` and `name` claims are who the person is, as the host app vouches:
 * the relay stamps them on everything that connection publishes (protocol.js). The token is
 * checked once, at upgrade; an open connection keeps its rooms and identity until it closes
 * (the browser client cannot refresh a token mid-connection).
 */
import { SignJWT, jwtVerify } from 'jose';

/** The only algorithm accepted: a shared secret, so the relay and the host app agree without PKI. */
export const JWT_ALGORITHM = 'HS256';
/** The `rooms` claim value that grants every topic. */
export const ALL_ROOMS = '*';
/** Seconds of clock skew tolerated between the token minter and the relay. */
export const CLOCK_TOLERANCE_S = 5;
/** Shortest secret we accept without a warning: HS256 wants at least its 256-bit output. */
export const MIN_SECRET_BYTES = 32;
/** Longest `name` a grant carries, in characters (code points); a longer one is cut. It is
 * stamped on every message its connection publishes, so it is kept to what a label shows. */
export const MAX_NAME_LENGTH = 64;

/**
 * What a connection may do, and who it is: `rooms` null means every topic; `subject` and
 * `name` are the token's `sub` and `name` claims, when they are strings.
 * @typedef {{ rooms: Set<string> | null, subject?: string, name?: string }} Grant
 */

/** The grant of a relay running without a secret. @type {Grant} */
export const OPEN_GRANT = Object.freeze({ rooms: null });

/** @param {string} secret */
function keyOf(secret) {
  return new TextEncoder().encode(secret);
}

/**
 * Parses a lifetime such as "90s", "30m", "1h", "7d" or a bare number of seconds.
 * @param {string} text @returns {number} seconds, or NaN when it does not parse
 */
export function parseDuration(text) {
  const match = /^(\d+)\s*(s|m|h|d)?$/.exec(String(text).trim());
  if (!match) return NaN;
  const unit = { s: 1, m: 60, h: 3600, d: 86400 }[match[2] ?? 's'] ?? 1;
  return Number(match[1]) * unit;
}

/**
 * Mints a token for `rooms` (topic names, or "*" for all) valid for `ttlSeconds`, for the
 * person `subject` (the `sub` claim) shown as `name`.
 * @param {{ secret: string, rooms: string[] | '*', ttlSeconds: number, subject?: string, name?: string }} options
 * @returns {Promise<string>}
 */
export function mintToken({ secret, rooms, ttlSeconds, subject, name }) {
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT(name === undefined ? { rooms } : { rooms, name }).setProtectedHeader({ alg: JWT_ALGORITHM, typ: 'JWT' }).setIssuedAt(now).setExpirationTime(now + ttlSeconds);
  if (subject) jwt.setSubject(subject);
  return jwt.sign(keyOf(secret));
}

/**
 * Returns a function that checks a token and resolves with its grant, or with null when it
 * is missing, malformed, badly signed, expired, lives longer than `maxLifetimeSeconds`, or
 * its `rooms` claim is not "*" or a list of topic names. It never rejects.
 * @param {string} secret
 * @param {{ maxLifetimeSeconds?: number }} [options] `maxLifetimeSeconds`: refuse a token
 *   whose `exp` is further than this from its `iat`, or from now; absent: any lifetime.
 * @returns {(token: string | null | undefined) => Promise<Grant | null>}
 */
export function createVerifier(secret, { maxLifetimeSeconds } = {}) {
  const key = keyOf(secret);
  return async (token) => {
    if (!token) return null;
    try {
      const { payload } = await jwtVerify(token, key, {
        algorithms: [JWT_ALGORITHM],
        requiredClaims: ['exp'],
        clockTolerance: CLOCK_TOLERANCE_S,
      });
      const { rooms, sub, exp, iat } = payload;
      if (maxLifetimeSeconds !== undefined && tooLong(/** @type {number} */ (exp), iat, maxLifetimeSeconds)) return null;
      const subject = typeof sub === 'string' && sub.length > 0 ? sub : undefined;
      const name = typeof payload.name === 'string' ? cut(payload.name, MAX_NAME_LENGTH) : undefined;
      if (rooms === ALL_ROOMS) return { rooms: null, subject, name };
      if (Array.isArray(rooms) && rooms.every((r) => typeof r === 'string' && r.length > 0)) {
        return { rooms: new Set(rooms), subject, name };
      }
      return null;
    } catch {
      return null;
    }
  };
}

/**
 * Whether a token outlives the longest lifetime allowed: counted from its `iat`, and in any
 * case from now (an `iat` in the future must not stretch it), with the clock skew tolerated.
 * @param {number} exp @param {number | undefined} iat @param {number} max seconds
 */
function tooLong(exp, iat, max) {
  const now = Math.floor(Date.now() / 1000);
  return (iat !== undefined && exp - iat > max) || exp - now > max + CLOCK_TOLERANCE_S;
}

/** The first `max` code points of `text` (never half a surrogate pair). @param {string} text @param {number} max */
function cut(text, max) {
  return text.length <= max ? text : Array.from(text).slice(0, max).join('');
}

/**
 * Reads `?token=` from a request URL without ever throwing on a malformed one.
 * @param {string | undefined} url @returns {string | null}
 */
export function tokenFromUrl(url) {
  return queryParam(url, 'token');
}

/**
 * Reads one query parameter from a request URL without ever throwing on a malformed one.
 * @param {string | undefined} url @param {string} name @returns {string | null}
 */
export function queryParam(url, name) {
  const q = url?.indexOf('?') ?? -1;
  if (q < 0) return null;
  try {
    return new URLSearchParams(/** @type {string} */ (url).slice(q + 1)).get(name);
  } catch {
    return null;
  }
}
