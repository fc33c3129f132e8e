// Floods against a relay process with its default limits: many sockets publishing as fast
// as they can, and piles of topics. Afterwards the process is alive, its resident memory
// stayed within a bound, and it still relays. Memory is read from its own /metrics.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import { RATE_LIMIT_BURST, RATE_LIMIT_PER_SECOND } from '../src/limits.js';
import { once } from 'node:events';
import { spawnRelay, connectTo, httpGet, waitFor, within, isPublish } from '../testing/harness.js';

/** Growth of the relay's resident memory we accept across the whole flood. */
const RSS_GROWTH_BOUND_MB = 64;
const FLOODERS = 20;

/** @param {string} base */
async function relayRssMb(base) {
  const text = (await httpGet(`${base}/metrics`)).body;
  return Number(/^process_resident_memory_bytes (\d+)/m.exec(text)?.[1]) / 2 ** 20;
}

test('publish and subscribe floods from many sockets: throttled, cut off, memory bounded, still relaying', async (t) => {
  const relay = await spawnRelay(t);
  const [a, b, c] = await Promise.all([1, 2, 3].map(() => connectTo(t, relay.url)));
  await Promise.all([a.subscribe('room'), b.subscribe('room'), c.subscribe('room')]);
  const rssBefore = await relayRssMb(relay.http);

  const pad = 'x'.repeat(2 * 1024);
  const started = Date.now();
  const closes = await Promise.all(
    Array.from({ length: FLOODERS }, async (_, i) => {
      const ws = new WebSocket(relay.url);
      ws.on('error', () => {});
      ws.on('message', () => {});
      await within(once(ws, 'open'), 'flooder to open');
      const closed = once(ws, 'close');
      // Half flood publishes of 2 KiB into the busy room, half flood subscriptions.
      for (let n = 0; n < 2000 && ws.readyState === WebSocket.OPEN; n++) {
        ws.send(i % 2 ? JSON.stringify({ type: 'publish', topic: 'room', n, pad }) : JSON.stringify({ type: 'subscribe', topics: [`f${i}-${n}`] }));
        if (n % 200 === 199) await new Promise((r) => setImmediate(r));
      }
      const [code] = await within(closed, 'flooder to be closed');
      return code;
    }),
  );
  assert.deepEqual(new Set(closes), new Set([4029]), 'every flooder was cut off for its rate');

  // The room's members got at most a burst, plus the refill, from each publisher.
  const seconds = (Date.now() - started) / 1000;
  await Promise.all([a.sync(), b.sync(), c.sync()]);
  const received = b.drain().filter(isPublish).length;
  const allowed = (FLOODERS / 2) * (RATE_LIMIT_BURST + RATE_LIMIT_PER_SECOND * seconds + 1);
  assert.ok(received <= allowed, `b received ${received}, more than ${allowed}`);
  a.drain();
  c.drain();
  a.send({ type: 'publish', topic: 'room', after: 'flood' });
  assert.equal((await b.next(isPublish)).after, 'flood');
  assert.equal((await httpGet(`${relay.http}/healthz`)).status, 200);
  await waitFor(async () => (await httpGet(`${relay.http}/metrics`)).body.includes('parley_relay_connections 3'), 'flooders gone');
  const metrics = (await httpGet(`${relay.http}/metrics`)).body;
  assert.match(metrics, /parley_relay_topics 1\n/, 'the flood topics are gone with their sockets');
  assert.match(metrics, /parley_relay_refusals_total\{reason="rate_limit_closed"\} 20\n/);
  const grown = (await relayRssMb(relay.http)) - rssBefore;
  assert.ok(grown < RSS_GROWTH_BOUND_MB, `relay RSS grew ${grown.toFixed(1)} MB`);
});
