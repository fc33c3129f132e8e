// @ts-check
/**
 * The signaling protocol, y-webrtc's, so a stock y-webrtc client can use the relay too.
 * Clients send JSON text frames:
 *   {"type":"subscribe","topics":["a","b"]}    join topics
 *   {"type":"unsubscribe","topics":["a"]}      leave topics
 *   {"type":"publish","topic":"a", ...}        relayed, plus `clients`, to every subscriber of "a"
 *                                              (the sender too, if subscribed), with `identity`
 *                                              set to the sender's verified {"sub","name"}, or
 *                                              removed when it has none
 *   {"type":"ping"}                            answered with {"type":"pong"}
 *
 * A frame that does not parse, or that a limit or the token refuses, is dropped and answered
 * with {"type":"error","reason":...}; it never affects other sockets. Frames arrive here
 * after the connection's own checks (rate limit, binary) in connection.js.
 */
import { errorFrame, textFrame } from './wire.js';

/**
 * Publishes up to this size are relayed as the sender's own bytes (after JSON.parse has
 * checked them), larger ones re-serialized. Re-serializing is what refuses a message nested
 * deeper than JSON.stringify can go (about 4,000 levels); each level takes two bytes, so no
 * frame this small can be that deep.
 */
const SPLICE_MAX_BYTES = 4096;

/** The relay's one fixed answer, encoded once. */
const PONG = textFrame('{"type":"pong"}');

/**
 * @typedef {object} ProtocolOptions
 * @property {import('./topics.js').TopicRegistry} registry
 * @property {(ws: import('ws').WebSocket, frame: Buffer) => void} send from wire.js's createSender
 * @property {import('./metrics.js').Metrics} metrics
 * @property {number} maxTopicsPerConnection
 * @property {number} maxTopics topics on this process
 * @property {number} maxSubscribersPerTopic
 * @property {number} maxTopicLength
 */

/**
 * Returns the function that reads one client text frame and does what it says.
 * @param {ProtocolOptions} options
 * @returns {(ws: import('ws').WebSocket, conn: import('./connection.js').Connection, data: Buffer) => void}
 */
export function createProtocol({ registry, send, metrics, maxTopicsPerConnection, maxTopics, maxSubscribersPerTopic, maxTopicLength }) {
  const { topics, bus, join, leave, fanOut } = registry;

  return function handleFrame(ws, conn, data) {
    let msg;
    try {
      msg = JSON.parse(data.toString('utf8'));
    } catch {
      return refuseFrame(ws, 'invalid_frame', 'invalid JSON');
    }
    if (msg === null || typeof msg !== 'object' || Array.isArray(msg)) {
      return refuseFrame(ws, 'invalid_frame', 'message must be a JSON object');
    }
    switch (msg.type) {
      case 'subscribe': {
        const requested = msg.topics;
        if (!isTopicList(requested)) return refuseFrame(ws, 'invalid_frame', 'topics must be an array of topic names');
        if (!requested.every((topic) => allowed(conn, topic))) return refuseFrame(ws, 'topic_not_allowed', 'topic not allowed');
        const added = [...new Set(requested.filter((topic) => !conn.topics.has(topic)))];
        if (added.length + conn.topics.size > maxTopicsPerConnection) return refuseFrame(ws, 'too_many_topics', 'too many topics');
        if (added.some((topic) => (topics.get(topic)?.size ?? 0) >= maxSubscribersPerTopic)) {
          return refuseFrame(ws, 'topic_full', 'topic full');
        }
        const created = added.reduce((n, topic) => (topics.has(topic) ? n : n + 1), 0);
        if (created > 0 && topics.size + created > maxTopics) return refuseFrame(ws, 'max_topics', 'too many topics on this relay');
        for (const topic of added) join(ws, conn, topic);
        return;
      }
      case 'unsubscribe': {
        if (!isTopicList(msg.topics)) return refuseFrame(ws, 'invalid_frame', 'topics must be an array of topic names');
        for (const topic of msg.topics) {
          if (conn.topics.delete(topic)) leave(ws, topic);
        }
        return;
      }
      case 'publish': {
        const topic = msg.topic;
        if (!isTopic(topic)) return refuseFrame(ws, 'invalid_frame', 'invalid topic');
        if (!allowed(conn, topic)) return refuseFrame(ws, 'topic_not_allowed', 'topic not allowed');
        const receivers = topics.get(topic);
        if (!receivers && !bus) return;
        // `clients` and `identity` are ours to set. Usually the sender wrote neither, and the
        // frame goes out as its own bytes with ours appended; otherwise it is re-serialized
        // without the sender's (no identity: removed, so nobody can claim one).
        /** the publish as JSON without `clients` and without its closing brace */
        let head;
        /** what follows it: the identity, when `head` is the sender's bytes */
        let stamp = '';
        if (data.length <= SPLICE_MAX_BYTES && !('clients' in msg) && !('identity' in msg)) {
          head = data.subarray(0, data.lastIndexOf(0x7d /* } */));
          stamp = conn.stamp;
        } else {
          msg.clients = undefined;
          msg.identity = conn.identity;
          try {
            head = JSON.stringify(msg).slice(0, -1);
          } catch {
            return refuseFrame(ws, 'invalid_frame', 'message too deeply nested');
          }
        }
        bus?.publish(topic, `${head}${stamp}}`);
        if (receivers) fanOut(topic, receivers, head, stamp);
        return;
      }
      case 'ping':
        return send(ws, PONG);
      default:
        return refuseFrame(ws, 'invalid_frame', 'unknown message type');
    }
  };

  /**
   * @param {import('ws').WebSocket} ws
   * @param {import('./metrics.js').RefusalReason} reason
   * @param {string} message
   */
  function refuseFrame(ws, reason, message) {
    metrics.refused(reason);
    send(ws, errorFrame(message));
  }

  /** @param {import('./connection.js').Connection} conn @param {string} topic */
  function allowed(conn, topic) {
    return conn.rooms === null || conn.rooms.has(topic);
  }

  /** @param {unknown} topic @returns {topic is string} */
  function isTopic(topic) {
    return typeof topic === 'string' && topic.length > 0 && topic.length <= maxTopicLength;
  }

  /** @param {unknown} list @returns {list is string[]} */
  function isTopicList(list) {
    return Array.isArray(list) && list.every(isTopic);
  }
}
