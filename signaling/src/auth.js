// @ts-check
/**
 * Who may use which topics. With a secret, every connection presents a JWT (HS256) in the
 * `?token=` query parameter — the only place a browser WebSocket or a y-webrtc client can
 * put one — and its `rooms` claim lists the topics it may subscribe and publish to, or is
 * "*" for all. The token is checked once, at upgrade; an open connection keeps its rooms
 * until it closes (the browser client cannot refresh a token mid-connection).
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

/**
 * What a connection may do: `rooms` null means every topic.
 * @typedef {{ rooms: Set<string> | null, subject?: string }} Grant
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
 * Mints a token for `rooms` (topic names, or "*" for all) valid for `ttlSeconds`.
 * @param {{ secret: string, rooms: string[] | '*', ttlSeconds: number, subject?: string }} options
 * @returns {Promise<string>}
 */
export function mintToken({ secret, rooms, ttlSeconds, subject }) {
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT({ rooms }).setProtectedHeader({ alg: JWT_ALGORITHM, typ: 'JWT' }).setIssuedAt(now).setExpirationTime(now + ttlSeconds);
  if (subject) jwt.setSubject(subject);
  return jwt.sign(keyOf(secret));
}

/**
 * Returns a function that checks a token and resolves with its grant, or with null when it
 * is missing, malformed, badly signed, expired, or its `rooms` claim is not "*" or a list
 * of topic names. It never rejects.
 * @param {string} secret
 * @returns {(token: string | null | undefined) => Promise<Grant | null>}
 */
export function createVerifier(secret) {
  const key = keyOf(secret);
  return async (token) => {
    if (!token) return null;
    try {
      const { payload } = await jwtVerify(token, key, {
        algorithms: [JWT_ALGORITHM],
        requiredClaims: ['exp'],
        clockTolerance: CLOCK_TOLERANCE_S,
      });
      const { rooms, sub } = payload;
      const subject = typeof sub === 'string' ? sub : undefined;
      if (rooms === ALL_ROOMS) return { rooms: null, subject };
      if (Array.isArray(rooms) && rooms.every((r) => typeof r === 'string' && r.length > 0)) {
        return { rooms: new Set(rooms), subject };
      }
      return null;
    } catch {
      return null;
    }
  };
}

/**
 * Reads `?token=` from a request URL without ever throwing on a malformed one.
 * @param {string | undefined} url @returns {string | null}
 */
export function tokenFromUrl(url) {
  const q = url?.indexOf('?') ?? -1;
  if (q < 0) return null;
  try {
    return new URLSearchParams(/** @type {string} */ (url).slice(q + 1)).get('token');
  } catch {
    return null;
  }
}
