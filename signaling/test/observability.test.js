// Observability: /readyz, /metrics (Prometheus text), and pino JSON log lines.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import pino from 'pino';
import { createRelay } from '../src/relay.js';
import { setup, httpGet, refusedStatus, waitFor, isPublish, freePort, connectTo } from '../testing/harness.js';

/** Parses Prometheus text into { 'name{labels}': value }. @param {string} text */
function parseMetrics(text) {
  /** @type {Record<string, number>} */
  const values = {};
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    values[line.slice(0, at)] = Number(line.slice(at + 1));
  }
  return values;
}

describe('observability', () => {
  test('/metrics counts connections, topics, frames, bytes, refusals by reason and fan-out latency', async (t) => {
    const { relay, connect } = await setup(t, { secret: 'metrics-secret-metrics-secret-metrics', fanoutSampleEvery: 1 });
    const base = `http://127.0.0.1:${relay.port}`;
    const { mintToken } = await import('../src/auth.js');
    const token = await mintToken({ secret: 'metrics-secret-metrics-secret-metrics', rooms: ['room'], ttlSeconds: 60 });
    assert.equal(await refusedStatus(relay.url), 401);
    const [a, b, c] = await Promise.all([1, 2, 3].map(() => connect(`/?token=${token}`)));
    await Promise.all([a.subscribe('room'), b.subscribe('room'), c.subscribe('room')]); // 3 subscribes + 3 pings
    for (let i = 0; i < 5; i++) a.send({ type: 'publish', topic: 'room', i });
    a.send('not json');
    a.send({ type: 'subscribe', topics: ['elsewhere'] });
    await a.sync();
    for (const client of [b, c]) await client.next((m) => isPublish(m) && m.i === 4);

    const res = await httpGet(`${base}/metrics`);
    assert.equal(res.status, 200);
    assert.match(String(res.headers['content-type']), /text\/plain/);
    const m = parseMetrics(res.body);
    assert.equal(m.parley_relay_connections, 3);
    assert.equal(m.parley_relay_topics, 1);
    assert.equal(m.parley_relay_frames_received_total, 3 + 3 + 5 + 2 + 1);
    assert.equal(m.parley_relay_frames_sent_total, 3 + 5 * 3 + 2 + 1); // pongs, fan-out, errors, pong
    assert.ok(m.parley_relay_bytes_received_total > 5 * 40);
    assert.ok(m.parley_relay_bytes_sent_total > 15 * 40);
    assert.equal(m['parley_relay_refusals_total{reason="unauthorized"}'], 1);
    assert.equal(m['parley_relay_refusals_total{reason="invalid_frame"}'], 1);
    assert.equal(m['parley_relay_refusals_total{reason="topic_not_allowed"}'], 1);
    assert.equal(m.parley_relay_fanout_seconds_count, 5);
    assert.equal(m['parley_relay_fanout_seconds_bucket{le="+Inf"}'], 5);
    assert.ok('process_resident_memory_bytes' in m);

    // Counters only go up between scrapes.
    a.send({ type: 'ping' });
    await a.sync();
    const again = parseMetrics((await httpGet(`${base}/metrics`)).body);
    assert.equal(again.parley_relay_frames_received_total, m.parley_relay_frames_received_total + 2);
  });

  test('by default the fan-out histogram times one publish in 16', async (t) => {
    const { relay, connect } = await setup(t, { rateLimitBurst: 1000 });
    const [a, b] = await Promise.all([connect(), connect()]);
    await Promise.all([a.subscribe('room'), b.subscribe('room')]);
    for (let i = 0; i < 64; i++) a.send({ type: 'publish', topic: 'room', i });
    await b.next((m) => isPublish(m) && m.i === 63);
    const m = parseMetrics((await httpGet(`http://127.0.0.1:${relay.port}/metrics`)).body);
    assert.equal(m.parley_relay_fanout_seconds_count, 4);
  });

  test('/readyz is 200 when serving, 503 while Redis is configured but unreachable', async (t) => {
    const { relay } = await setup(t);
    assert.deepEqual(await httpGet(`http://127.0.0.1:${relay.port}/readyz`).then((r) => [r.status, r.body]), [200, 'ready']);

    const deadPort = await freePort();
    const logs = /** @type {any[]} */ ([]);
    const orphan = await createRelay({ port: 0, log: (e) => logs.push(e), redis: `redis://127.0.0.1:${deadPort}`, heartbeatIntervalMs: 60_000 });
    t.after(() => orphan.close());
    const r = await httpGet(`http://127.0.0.1:${orphan.port}/readyz`);
    assert.deepEqual([r.status, r.body], [503, 'redis not connected']);
    assert.equal((await httpGet(`http://127.0.0.1:${orphan.port}/healthz`)).status, 200, 'alive, though not ready');
    // Still relays between its own clients.
    const [x, y] = await Promise.all([connectTo(t, orphan.url), connectTo(t, orphan.url)]);
    await Promise.all([x.subscribe('local'), y.subscribe('local')]);
    x.send({ type: 'publish', topic: 'local', v: 1 });
    assert.equal((await y.next(isPublish)).v, 1);
    await waitFor(() => logs.some((e) => e.event === 'redis' && e.error), 'a redis error log line');
  });

  test('a flood of refused upgrades logs one line per reason and a count of the rest; metrics count every one', async (t) => {
    const secret = 'flood-secret-flood-secret-flood-secret';
    // A window longer than the test: the summaries come from close(), so the counts are exact.
    const { relay, logs } = await setup(t, { secret, allowOrigins: ['https://app.example'], refusalLogWindowMs: 60_000 });
    const badToken = 'eyJhbGciOiJIUzI1NiJ9.eyJyb29tcyI6IioifQ.not-the-signature-s3cret';
    const UNAUTHORIZED = 300;
    const ORIGIN = 60;
    const attempts = [
      ...Array.from({ length: UNAUTHORIZED }, (_, i) => () => refusedStatus(`${relay.url}/room-${i}?token=${i % 2 ? badToken : ''}`)),
      ...Array.from({ length: ORIGIN }, () => () => refusedStatus(`${relay.url}/?token=${badToken}`, { origin: 'https://evil.example' })),
    ];
    /** @type {number[]} */
    const statuses = [];
    for (let i = 0; i < attempts.length; i += 40) statuses.push(...(await Promise.all(attempts.slice(i, i + 40).map((f) => f()))));
    assert.equal(statuses.filter((s) => s === 401).length, UNAUTHORIZED);
    assert.equal(statuses.filter((s) => s === 403).length, ORIGIN);

    const m = parseMetrics((await httpGet(`http://127.0.0.1:${relay.port}/metrics`)).body);
    assert.equal(m['parley_relay_refusals_total{reason="unauthorized"}'], UNAUTHORIZED);
    assert.equal(m['parley_relay_refusals_total{reason="origin"}'], ORIGIN);
    const refusedLines = () => logs.filter((e) => e.event === 'refused');
    assert.deepEqual(refusedLines().map((e) => [e.reason, e.status, e.suppressed]), [['unauthorized', 401, undefined], ['origin', 403, undefined]]);

    await relay.close();
    const lines = refusedLines();
    assert.equal(lines.length, 4, 'two lines per reason for 360 refusals');
    const summary = (/** @type {string} */ reason) => lines.find((e) => e.reason === reason && e.suppressed);
    assert.equal(summary('unauthorized')?.suppressed, UNAUTHORIZED - 1);
    assert.equal(summary('origin')?.suppressed, ORIGIN - 1);
    assert.match(String(summary('unauthorized')?.message), /^refused 299 more upgrades \(unauthorized\) in the last \d+(\.\d)? s$/);
    assert.equal(summary('origin')?.status, 403);
    assert.ok(lines.indexOf(/** @type {any} */ (summary('origin'))) < logs.findIndex((e) => e.event === 'stop'), 'summaries before stop');
    assert.doesNotMatch(JSON.stringify(logs), /s3cret|eyJ|room-/, 'no token or path in any line');
  });

  test('a refusal log window ends on its own with its count; the next refusal is logged in full again', async (t) => {
    const windowMs = 300;
    const { relay, logs } = await setup(t, { secret: 'window-secret-window-secret-window-secret', refusalLogWindowMs: windowMs });
    const refusedLines = () => logs.filter((e) => e.event === 'refused');
    assert.equal(await refusedStatus(relay.url), 401);
    assert.deepEqual(await Promise.all(Array.from({ length: 20 }, () => refusedStatus(relay.url))), Array(20).fill(401));
    await waitFor(() => refusedLines().some((e) => e.suppressed), 'the summary line', windowMs + 3000);
    const summary = refusedLines().find((e) => e.suppressed);
    assert.ok(summary?.seconds >= windowMs / 1000, `logged when the window ended, not before (${summary?.seconds} s)`);
    assert.match(String(summary?.message), /^refused \d+ more upgrades? \(unauthorized\) in the last \d+(\.\d)? s$/);

    await new Promise((r) => setTimeout(r, windowMs + 50)); // every window those 21 opened has ended
    const before = refusedLines().length;
    assert.equal(await refusedStatus(relay.url), 401);
    assert.deepEqual(refusedLines().slice(before).map((e) => [e.status, e.suppressed]), [[401, undefined]], 'logged in full at once');
    const m = parseMetrics((await httpGet(`http://127.0.0.1:${relay.port}/metrics`)).body);
    assert.equal(m['parley_relay_refusals_total{reason="unauthorized"}'], 22);
    // Every refusal is in the log exactly once: in full, or in a count.
    await relay.close();
    assert.equal(refusedLines().reduce((n, e) => n + (e.suppressed ?? 1), 0), 22);
  });

  test('pino: one JSON line per open and close with its code and reason, never the token or URL', async (t) => {
    const lines = /** @type {any[]} */ ([]);
    const sink = new Writable({
      write(chunk, _enc, done) {
        for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
        done();
      },
    });
    const { connect } = await setup(t, { log: pino(sink) });
    const client = await connect('/secret-path?token=s3cret-value&x=1');
    client.ws.close(4000, 'leaving');
    await client.closed;
    await waitFor(() => lines.some((e) => e.event === 'close'), 'close line');
    const open = lines.filter((e) => e.event === 'open');
    const close = lines.filter((e) => e.event === 'close');
    assert.equal(open.length, 1);
    assert.equal(close.length, 1);
    assert.equal(close[0].code, 4000);
    assert.equal(close[0].reason, 'leaving');
    assert.equal(close[0].level, 30);
    assert.equal(typeof close[0].time, 'number');
    assert.doesNotMatch(JSON.stringify(lines), /s3cret|secret-path|token/);
  });
});
