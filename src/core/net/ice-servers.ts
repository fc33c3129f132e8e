// ICE server lists (STUN/TURN) from outside Parley — the page's `ice-servers` attribute, or
// a relay's `/ice` answer — checked before they reach RTCPeerConnection, which would throw.

const ICE_URL = /^(stun|stuns|turn|turns):/i;

/** Parses and checks a JSON list of RTCIceServer; null when it is not one. */
export function parseIceServers(json: string): RTCIceServer[] | null {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return null;
  }
  return isIceServerList(value) ? value : null;
}

export function isIceServerList(value: unknown): value is RTCIceServer[] {
  return Array.isArray(value) && value.every(isIceServer);
}

function isIceServer(value: unknown): value is RTCIceServer {
  if (typeof value !== 'object' || value === null) return false;
  const { urls, username, credential } = value as Record<string, unknown>;
  const list = typeof urls === 'string' ? [urls] : urls;
  if (!Array.isArray(list) || !list.length || !list.every((u) => typeof u === 'string' && ICE_URL.test(u))) return false;
  return (username === undefined || typeof username === 'string') && (credential === undefined || typeof credential === 'string');
}

/** How long to wait for the relay's `/ice` answer before connecting without it. */
export const ICE_FETCH_TIMEOUT_MS = 2000;

/**
 * Asks the relay for ICE servers (its `/ice` endpoint: STUN, and TURN with time-limited
 * credentials when it is configured for it). Null when the relay has none or does not answer;
 * 'unauthorized' when it refused our token, as it would refuse the WebSocket (where a
 * browser only sees a bare close, and would retry forever).
 */
export async function fetchRelayIceServers(signalingUrl: string, token?: string): Promise<RTCIceServer[] | null | 'unauthorized'> {
  try {
    const response = await fetch(relayEndpoint(signalingUrl, 'ice', { token }), { signal: AbortSignal.timeout(ICE_FETCH_TIMEOUT_MS) });
    if (response.status === 401) return 'unauthorized';
    if (!response.ok) return null;
    const body: unknown = await response.json();
    const list = (body as { iceServers?: unknown } | null)?.iceServers;
    return isIceServerList(list) ? list : null;
  } catch {
    return null; // no /ice (another relay, or none configured): connect without TURN
  }
}

/** The URL of one of the relay's HTTP endpoints (`ice`, `sfu`), beside its WebSocket. */
export function relayEndpoint(signalingUrl: string, path: string, query: Record<string, string | undefined>): URL {
  const url = new URL(signalingUrl, globalThis.location?.href);
  url.protocol = url.protocol === 'wss:' ? 'https:' : 'http:';
  url.pathname = `${url.pathname.replace(/\/$/, '')}/${path}`;
  url.search = new URLSearchParams(Object.entries(query).filter((e): e is [string, string] => !!e[1])).toString();
  return url;
}
