// @ts-check
/**
 * The topic registry: which local sockets subscribe to each topic (a topic is a room), as
 * y-webrtc's server keeps it, `Map<topic, Set<socket>>`, and the fan-out of a publish to
 * them. With Redis, the first local subscriber of a topic subscribes this node to it on the
 * bus and the last one to leave unsubscribes it; publishes from other nodes are fanned out
 * here like local ones.
 */
import { createRedisBus } from './redis.js';
import { textFrame } from './wire.js';

/**
 * @typedef {object} TopicRegistryOptions
 * @property {string} [redis] redis://… URL: share topics with every relay on that Redis.
 * @property {import('./log.js').Logger} log
 * @property {(ws: import('ws').WebSocket, frame: Buffer) => void} send from wire.js's createSender
 * @property {import('./metrics.js').Metrics} metrics
 * @property {number} fanoutSampleEvery time one publish in this many for the fan-out histogram
 */

/** @param {TopicRegistryOptions} options */
export function createTopicRegistry({ redis, log, send, metrics, fanoutSampleEvery }) {
  /** topic → its subscribers on this process */
  const topics = /** @type {Map<string, Set<import('ws').WebSocket>>} */ (new Map());
  let fanouts = 0;
  const bus = redis
    ? createRedisBus({ url: redis, log, localCount: (topic) => topics.get(topic)?.size ?? 0, deliver: deliverRemote })
    : null;

  /**
   * @param {import('ws').WebSocket} ws
   * @param {import('./connection.js').Connection} conn
   * @param {string} topic
   */
  function join(ws, conn, topic) {
    let subscribers = topics.get(topic);
    if (!subscribers) topics.set(topic, (subscribers = new Set()));
    subscribers.add(ws);
    conn.topics.add(topic);
    if (subscribers.size === 1) bus?.join(topic);
    else bus?.countChanged(topic);
  }

  /** @param {import('ws').WebSocket} ws @param {string} topic */
  function leave(ws, topic) {
    const subscribers = topics.get(topic);
    if (!subscribers) return;
    subscribers.delete(ws);
    if (subscribers.size === 0) {
      topics.delete(topic);
      bus?.leave(topic);
    } else bus?.countChanged(topic);
  }

  /** A closed socket leaves every topic it was in. @param {import('ws').WebSocket} ws @param {import('./connection.js').Connection} conn */
  function leaveAll(ws, conn) {
    for (const topic of conn.topics) leave(ws, topic);
    conn.topics.clear();
  }

  /**
   * Copies one publish to every local subscriber of its topic: the frame is serialized and
   * encoded once, whatever the number of receivers.
   * @param {string} topic @param {Set<import('ws').WebSocket>} receivers
   * @param {string | Buffer} head the publish as JSON without `clients` and without its closing brace
   * @param {string} [stamp] more of it, to go after `head`
   */
  function fanOut(topic, receivers, head, stamp = '') {
    const timed = ++fanouts % fanoutSampleEvery === 0;
    const started = timed ? performance.now() : 0;
    const clients = receivers.size + (bus ? bus.remoteCount(topic) : 0);
    const frame = textFrame(head, `${stamp},"clients":${clients}}`);
    for (const receiver of receivers) send(receiver, frame);
    if (timed) metrics.fanout((performance.now() - started) / 1000);
  }

  /** A publish from another relay node. @param {string} topic @param {string} body */
  function deliverRemote(topic, body) {
    const receivers = topics.get(topic);
    if (receivers) fanOut(topic, receivers, body.slice(0, -1));
  }

  return { topics, bus, join, leave, leaveAll, fanOut };
}

/** @typedef {ReturnType<typeof createTopicRegistry>} TopicRegistry */
