// @ts-check
/**
 * Which address a connection comes from, for the per-address connection limit and the logs.
 * It is the socket's remote address, unless that is a trusted proxy: then it is read from
 * `X-Forwarded-For`, whose entries each proxy appends. Anyone can put anything on the left of
 * that header, so it is read from the right, and the first entry that is not itself a trusted
 * proxy is the client, as the last trusted proxy saw it. From an untrusted socket the header is
 * ignored: believing it would let a client name any address it likes.
 */
import net from 'node:net';

/**
 * Checks a trusted-proxy entry: an address (`10.0.0.2`, `::1`) or a CIDR range (`10.0.0.0/8`).
 * @param {string} entry @returns {boolean}
 */
export function isProxyEntry(entry) {
  const [address, prefix, ...rest] = entry.split('/');
  const family = net.isIP(address);
  if (!family || rest.length) return false;
  if (prefix === undefined) return true;
  return /^\d+$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

/**
 * Returns `clientAddress(req)` for a list of trusted proxies (see {@link isProxyEntry}).
 * @param {string[]} trustedProxies
 * @returns {(req: import('node:http').IncomingMessage) => string}
 */
export function createAddressResolver(trustedProxies) {
  const trusted = new net.BlockList();
  for (const entry of trustedProxies) {
    if (!isProxyEntry(entry)) throw new TypeError(`not an address or CIDR range: ${entry}`);
    const [address, prefix] = entry.split('/');
    const type = net.isIPv6(address) ? 'ipv6' : 'ipv4';
    if (prefix === undefined) trusted.addAddress(normalize(address), type);
    else trusted.addSubnet(address, Number(prefix), type);
  }
  /** @param {string} address */
  const isTrusted = (address) => trusted.check(address, net.isIPv6(address) ? 'ipv6' : 'ipv4');

  return function clientAddress(req) {
    const remote = normalize(req.socket.remoteAddress ?? '');
    const header = req.headers['x-forwarded-for'];
    if (trustedProxies.length === 0 || typeof header !== 'string' || !net.isIP(remote) || !isTrusted(remote)) return remote;
    const hops = header.split(',');
    let client = remote;
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = normalize(withoutPort(hops[i].trim()));
      if (!net.isIP(hop)) break; // not an address: the proxy that appended it is the client we know
      client = hop;
      if (!isTrusted(hop)) break;
    }
    return client;
  };
}

/** "::ffff:10.0.0.1" (an IPv4 client on a dual-stack socket) is "10.0.0.1". @param {string} address */
function normalize(address) {
  return address.startsWith('::ffff:') && net.isIPv4(address.slice(7)) ? address.slice(7) : address;
}

/** Some proxies append the client's port: "10.0.0.1:5123", "[2001:db8::1]:5123". @param {string} hop */
function withoutPort(hop) {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(hop);
  if (bracketed) return bracketed[1];
  const v4 = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(hop);
  return v4 ? v4[1] : hop;
}
