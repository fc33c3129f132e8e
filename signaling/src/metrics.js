// @ts-check
/**
 * Prometheus metrics for `GET /metrics`. The hot path (every frame) only bumps plain
 * numbers in `counts`; prom-client reads them when scraped, so observability costs nothing
 * per message beyond an addition. Refusals are rare and counted directly, by reason.
 */
import client from 'prom-client';

/** Fan-out latency buckets, seconds: one publish copied to a room's local subscribers
 * normally takes microseconds; the tail shows a saturated event loop. */
export const FANOUT_BUCKETS = [0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025];

/** The fan-out histogram times one publish in this many: reading the clock twice costs
 * about as much as copying a small room's frame, and a 1-in-16 sample shows the same
 * distribution at the loads where it matters. */
export const FANOUT_SAMPLE_EVERY = 16;

/**
 * Why a connection, an upgrade or a frame was refused (the `reason` label).
 * @typedef {'unauthorized' | 'origin' | 'max_connections' | 'max_connections_per_ip'
 *   | 'max_connections_per_identity' | 'shutting_down' | 'rate_limited' | 'rate_limit_closed'
 *   | 'topic_not_allowed' | 'too_many_topics' | 'topic_full' | 'max_topics' | 'topicless'
 *   | 'invalid_frame' | 'binary_frame' | 'frame_too_big' | 'invalid_utf8' | 'stalled' | 'heartbeat'} RefusalReason
 */

/**
 * @param {{ connections: () => number, topics: () => number }} gauges
 */
export function createMetrics(gauges) {
  const registry = new client.Registry();
  const counts = { framesIn: 0, framesOut: 0, bytesIn: 0, bytesOut: 0 };

  /** A counter mirrored from `counts[key]` at scrape time. @param {string} name @param {string} help @param {keyof typeof counts} key */
  const mirrored = (name, help, key) => {
    let reported = 0;
    return new client.Counter({
      name,
      help,
      registers: [registry],
      collect() {
        this.inc(counts[key] - reported);
        reported = counts[key];
      },
    });
  };

  new client.Gauge({ name: 'parley_relay_connections', help: 'Open WebSocket connections', registers: [registry], collect() { this.set(gauges.connections()); } });
  new client.Gauge({ name: 'parley_relay_topics', help: 'Topics with at least one local subscriber', registers: [registry], collect() { this.set(gauges.topics()); } });
  mirrored('parley_relay_frames_received_total', 'Frames received from clients', 'framesIn');
  mirrored('parley_relay_frames_sent_total', 'Frames sent to clients', 'framesOut');
  mirrored('parley_relay_bytes_received_total', 'Payload bytes received from clients', 'bytesIn');
  mirrored('parley_relay_bytes_sent_total', 'Bytes written to clients, WebSocket frame headers included', 'bytesOut');
  const refusals = new client.Counter({
    name: 'parley_relay_refusals_total',
    help: 'Upgrades, frames and connections refused, by reason',
    labelNames: ['reason'],
    registers: [registry],
  });
  const fanout = new client.Histogram({
    name: 'parley_relay_fanout_seconds',
    help: 'Time to copy one publish to every local subscriber of its topic',
    buckets: FANOUT_BUCKETS,
    registers: [registry],
  });
  client.collectDefaultMetrics({ register: registry });

  return {
    counts,
    /** @param {RefusalReason} reason */
    refused(reason) {
      refusals.inc({ reason });
    },
    /** @param {number} seconds */
    fanout(seconds) {
      fanout.observe(seconds);
    },
    contentType: registry.contentType,
    /** @returns {Promise<string>} */
    render: () => registry.metrics(),
  };
}

/** @typedef {ReturnType<typeof createMetrics>} Metrics */
