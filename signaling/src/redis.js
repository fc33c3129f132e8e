// @ts-check
/**
 * Scale-out: several relay processes act as one through Redis pub/sub. Each process holds
 * two Redis connections (one in subscriber mode, one to publish) and ONE Redis channel
 * subscription per topic that has local subscribers — not one per socket — so Redis load
 * follows the number of active rooms per node, not the number of clients.
 *
 * Messages on a topic's channel are `<kind><node id> <local count>\n<body>`:
 *   p  a publish; body is the frame as JSON without `clients`, relayed to local subscribers
 *   c  "this node now has <count> subscribers on the topic" (0 when it leaves)
 *   h  a node just subscribed: same as c, and every other node answers with its own c
 * Every message carries its sender's local count, so each node knows every other node's
 * share of a topic and can put a cross-node `clients` total on the frames it delivers.
 * A node that dies without saying goodbye is forgotten after REMOTE_COUNT_TTL_MS, since
 * live nodes repeat their counts every COUNT_REFRESH_MS.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

/** Channel name of a topic. Redis channels are binary safe, so any topic string fits. */
export const CHANNEL_PREFIX = 'parley:topic:';
/** How often a node repeats its subscriber count on each of its topics. */
export const COUNT_REFRESH_MS = 30_000;
/** A remote node's count not heard of for this long no longer counts. */
export const REMOTE_COUNT_TTL_MS = 75_000;

/**
 * @typedef {object} RedisBusOptions
 * @property {string} url redis://…
 * @property {(topic: string, body: string) => void} deliver a publish from another node
 * @property {(topic: string) => number} localCount subscribers of the topic on this node
 * @property {(level: 'info' | 'warn' | 'error', entry: any) => void} log
 */

/** @param {RedisBusOptions} options */
export function createRedisBus({ url, deliver, localCount, log }) {
  const nodeId = randomBytes(6).toString('hex');
  const redisOptions = { lazyConnect: false, maxRetriesPerRequest: 1 };
  const sub = new Redis(url, { ...redisOptions, connectionName: `parley-relay-${nodeId}-sub` });
  // Publishes fail fast while Redis is down instead of queueing without bound; local
  // delivery goes on regardless.
  const pub = new Redis(url, { ...redisOptions, enableOfflineQueue: false, connectionName: `parley-relay-${nodeId}-pub` });
  /** topic → (node id → { count, at }) */
  const remote = /** @type {Map<string, Map<string, { count: number, at: number }>>} */ (new Map());
  /** topics this node is subscribed to on Redis */
  const joined = /** @type {Set<string>} */ (new Set());
  let lastStatus = '';

  for (const [role, client] of /** @type {const} */ ([['sub', sub], ['pub', pub]])) {
    client.on('error', (err) => {
      const status = `${role}:${err.message}`;
      if (status !== lastStatus) log('warn', { event: 'redis', role, error: err.message });
      lastStatus = status;
    });
    client.on('ready', () => {
      lastStatus = '';
      log('info', { event: 'redis', role, status: 'ready' });
    });
  }
  // After an outage, make sure every active topic is subscribed (ioredis only restores the
  // subscriptions that had succeeded) and tell the other nodes our counts again.
  sub.on('ready', () => {
    if (!joined.size) return;
    const topics = [...joined];
    sub.subscribe(...topics.map((topic) => CHANNEL_PREFIX + topic)).then(() => {
      for (const topic of topics) if (joined.has(topic)) send('h', topic, '');
    }, () => {});
  });

  sub.on('message', (channel, message) => {
    if (!channel.startsWith(CHANNEL_PREFIX)) return;
    const topic = channel.slice(CHANNEL_PREFIX.length);
    const space = message.indexOf(' ');
    const newline = message.indexOf('\n', space);
    if (space < 2 || newline < 0) return;
    const sender = message.slice(1, space);
    if (sender === nodeId) return; // our own, already delivered locally
    const kind = message[0];
    const count = Number(message.slice(space + 1, newline));
    if (joined.has(topic)) setRemote(topic, sender, count);
    if (kind === 'p') deliver(topic, message.slice(newline + 1));
    else if (kind === 'h' && joined.has(topic)) send('c', topic, '');
  });

  /** @param {string} topic @param {string} node @param {number} count */
  function setRemote(topic, node, count) {
    let nodes = remote.get(topic);
    if (!nodes) remote.set(topic, (nodes = new Map()));
    if (count > 0) nodes.set(node, { count, at: Date.now() });
    else nodes.delete(node);
  }

  /** @param {'p' | 'c' | 'h'} kind @param {string} topic @param {string} body @param {number} [count] */
  function send(kind, topic, body, count = localCount(topic)) {
    if (pub.status !== 'ready') return;
    pub.publish(CHANNEL_PREFIX + topic, `${kind}${nodeId} ${count}\n${body}`).catch(() => {});
  }

  const refresh = setInterval(() => {
    const stale = Date.now() - REMOTE_COUNT_TTL_MS;
    for (const [topic, nodes] of remote) {
      for (const [node, { at }] of nodes) if (at < stale) nodes.delete(node);
    }
    for (const topic of joined) send('c', topic, '');
  }, COUNT_REFRESH_MS);
  refresh.unref();

  return {
    nodeId,
    /** Both connections are up. */
    get ready() {
      return sub.status === 'ready' && pub.status === 'ready';
    },
    /** The first local subscriber arrived: listen on the topic's channel. @param {string} topic */
    join(topic) {
      joined.add(topic);
      sub.subscribe(CHANNEL_PREFIX + topic).then(() => joined.has(topic) && send('h', topic, ''), () => {});
    },
    /** The last local subscriber left. @param {string} topic */
    leave(topic) {
      send('c', topic, '', 0);
      joined.delete(topic);
      remote.delete(topic);
      sub.unsubscribe(CHANNEL_PREFIX + topic).catch(() => {});
    },
    /** The local count changed (but is not zero). @param {string} topic */
    countChanged(topic) {
      send('c', topic, '');
    },
    /** Hands a local publish to the other nodes. @param {string} topic @param {string} body */
    publish(topic, body) {
      send('p', topic, body);
    },
    /** Subscribers of the topic on other nodes, as last heard. @param {string} topic */
    remoteCount(topic) {
      const nodes = remote.get(topic);
      if (!nodes) return 0;
      let total = 0;
      for (const { count } of nodes.values()) total += count;
      return total;
    },
    /** Says goodbye on every topic, then disconnects. */
    async close() {
      clearInterval(refresh);
      for (const topic of joined) send('c', topic, '', 0);
      joined.clear();
      // quit() lets the goodbyes above go out first; disconnect() if Redis is unreachable.
      await Promise.all([pub, sub].map((c) => (c.status === 'ready' ? c.quit().catch(() => c.disconnect()) : c.disconnect())));
    },
  };
}

/** @typedef {ReturnType<typeof createRedisBus>} RedisBus */
