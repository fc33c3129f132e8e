// @ts-check
/**
 * Where a room's media goes when it leaves the mesh, and the tokens that let a member in:
 * the relay never talks to Janus. Janus runs with `token_auth_secret` (signed-token mode),
 * the relay holds the same secret and signs, per request, two HMAC-SHA1 tokens in Janus's
 * own format `<unix expiry>,<realm>,<descriptor>…:<base64 signature of what precedes ':'>`:
 *   token      realm "janus", descriptor "janus.plugin.videoroom": every Janus API request
 *              (session, attach, keepalive) carries it;
 *   roomToken  realm "janus.plugin.videoroom", descriptor "room=<id>": the VideoRoom `join`
 *              carries it, and a room created with `signed_tokens` admits no one without it.
 * So a token is good for one room only, and dies on its own; nothing is stored anywhere.
 *
 * A room lives on one Janus, chosen by rendezvous hashing of the room name over the URLs:
 * every relay node given the same URLs (in any order) picks the same one, and adding a Janus
 * moves only the rooms that now hash highest to it.
 */
import { createHash, createHmac } from 'node:crypto';

/** Lifetime of Janus tokens. Janus checks the core token on every request, keepalives
 * included, so a client fetches fresh ones before they expire (at half their life). */
export const JANUS_TOKEN_TTL_S = 3600;
/** The VideoRoom plugin's package name: the core token's descriptor, the room token's realm. */
export const VIDEOROOM = 'janus.plugin.videoroom';
/** Prefix of Parley's VideoRoom ids (string ids), followed by a hash of the room name. */
export const ROOM_ID_PREFIX = 'parley-';

/** Whether `url` can name a Janus WebSocket. @param {string} url */
export const isJanusUrl = (url) => /^wss?:\/\/\S+$/.test(url);

/** @param {string} text */
const sha256 = (text) => createHash('sha256').update(text).digest();

/**
 * The VideoRoom id of a Parley room: the room name is not shown to Janus, only its hash.
 * @param {string} room @returns {string}
 */
export function janusRoomId(room) {
  return ROOM_ID_PREFIX + sha256(`parley-room\n${room}`).subarray(0, 16).toString('hex');
}

/**
 * The Janus (one of `urls`) that hosts `room`: the URL whose hash with the room is highest.
 * @param {readonly string[]} urls @param {string} room @returns {string | undefined}
 */
export function janusFor(urls, room) {
  let best;
  let bestScore = -1n;
  for (const url of urls) {
    const score = sha256(`${url}\n${room}`).readBigUInt64BE(0);
    if (score > bestScore || (score === bestScore && best !== undefined && url < best)) {
      best = url;
      bestScore = score;
    }
  }
  return best;
}

/**
 * One signed Janus token. @param {string} secret @param {number} expiry unix seconds
 * @param {string} realm @param {string[]} descriptors
 */
export function signJanusToken(secret, expiry, realm, descriptors) {
  const data = [String(expiry), realm, ...descriptors].join(',');
  return `${data}:${createHmac('sha1', secret).update(data).digest('base64')}`;
}

/**
 * What a member of `room` needs to take its media to Janus.
 * @param {{ urls: readonly string[], secret: string, room: string, ttlSeconds?: number, now?: number }} options
 *   `now` in milliseconds, for tests.
 * @returns {{ url: string, room: string, token: string, roomToken: string, expires: number } | null}
 *   null without any URL. `expires` is in unix seconds.
 */
export function janusGrant({ urls, secret, room, ttlSeconds = JANUS_TOKEN_TTL_S, now = Date.now() }) {
  const url = janusFor(urls, room);
  if (!url) return null;
  const id = janusRoomId(room);
  const expires = Math.floor(now / 1000) + ttlSeconds;
  return {
    url,
    room: id,
    token: signJanusToken(secret, expires, 'janus', [VIDEOROOM]),
    roomToken: signJanusToken(secret, expires, VIDEOROOM, [`room=${id}`]),
    expires,
  };
}
