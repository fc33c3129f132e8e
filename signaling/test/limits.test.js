// Limits: the per-connection token bucket, subscribers per topic, and the origin allowlist.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { TokenBucket, RATE_LIMIT_PER_SECOND, RATE_LIMIT_BURST } from '../src/limits.js';
import { setup, refusedStatus, isError, isPublish, waitFor, spawnRelay } from '../testing/harness.js';

describe('rate limit', () => {
  test('the default bucket carries 20 signals/s with jitter and a join burst, forever', () => {
    const bucket = new TokenBucket(RATE_LIMIT_PER_SECOND, RATE_LIMIT_BURST);
    let refused = 0;
    // A join: subscribe plus offer, answer and candidates for three peers, all at once.
    for (let i = 0; i < 60; i++) if (!bucket.take()) refused++;
    // Then ten minutes at 20/s, sent in uneven clumps (0, 1 or 2 per 50 ms slot, mean 1).
    for (let slot = 0; slot < 12_000; slot++) {
      bucket.last -= 50; // 50 ms pass
      const n = [0, 1, 2, 1][slot % 4];
      for (let i = 0; i < n; i++) if (!bucket.take()) refused++;
    }
    assert.equal(refused, 0);
    for (let i = 0; i < RATE_LIMIT_BURST; i++) bucket.take();
    assert.equal(bucket.take(), false, 'an empty bucket refuses');
  });

  test('over its rate a client gets one error and its extra frames are dropped; it recovers', async (t) => {
    const { connect, relay } = await setup(t, { rateLimitPerSecond: 20, rateLimitBurst: 5 });
    const [a, b] = await Promise.all([connect(), connect()]);
    await b.subscribe('room'); // 2 of b's tokens
    a.send({ type: 'subscribe', topics: ['room'] }); // 1 of a's 5 tokens
    for (let i = 0; i < 10; i++) a.send({ type: 'publish', topic: 'room', i });
    assert.deepEqual(await a.next(isError), { type: 'error', reason: 'rate limit exceeded' });
    await new Promise((r) => setTimeout(r, 300)); // ~6 tokens back
    await a.sync();
    const delivered = b.drain().filter(isPublish).map((m) => m.i);
    assert.deepEqual(delivered, [0, 1, 2, 3], 'the frames within the burst, in order');
    assert.equal(a.drain().filter(isError).length, 0, 'exactly one error for the run of refusals');
    assert.equal(relay.stats().connections, 2);
  });

  test('a client that keeps flooding is closed with 4029; the relay and others carry on', async (t) => {
    const { connect, relay, logs } = await setup(t, { rateLimitBurst: 10 });
    const [flooder, a, b] = await Promise.all([connect(), connect(), connect()]);
    await Promise.all([a.subscribe('room'), b.subscribe('room')]);
    for (let i = 0; i < 1000 && flooder.ws.readyState === flooder.ws.OPEN; i++) flooder.send({ type: 'ping' });
    const { code, reason } = await flooder.closed;
    assert.equal(code, 4029);
    assert.equal(reason, 'rate limit exceeded');
    await waitFor(() => relay.stats().connections === 2, 'flooder to be gone');
    a.send({ type: 'publish', topic: 'room', still: 'here' });
    assert.equal((await b.next(isPublish)).still, 'here');
    await waitFor(() => logs.some((e) => e.event === 'close' && e.code === 4029), 'close log line');
    assert.equal(logs.find((e) => e.event === 'close' && e.code === 4029)?.error, 'rate limit exceeded');
  });
});

describe('topic and origin limits', () => {
  test('a subscribe to a full topic is refused', async (t) => {
    const { connect, relay } = await setup(t, { maxSubscribersPerTopic: 2 });
    const [a, b, c] = await Promise.all([connect(), connect(), connect()]);
    await Promise.all([a.subscribe('room'), b.subscribe('room')]);
    c.send({ type: 'subscribe', topics: ['other', 'room'] });
    assert.deepEqual(await c.next(isError), { type: 'error', reason: 'topic full' });
    assert.equal(relay.stats().topics, 1, 'refused as a whole: "other" was not joined either');
    b.send({ type: 'unsubscribe', topics: ['room'] });
    await b.sync();
    await c.subscribe('room');
    a.send({ type: 'publish', topic: 'room' });
    assert.equal((await c.next(isPublish)).clients, 2);
  });

  test('--allow-origin: other origins get 403 at upgrade; listed ones and origin-less clients connect', async (t) => {
    const { relay, logs } = await setup(t, { allowOrigins: ['https://app.example.com', 'http://localhost:8080/'], refusalLogWindowMs: 60_000 });
    assert.equal(await refusedStatus(relay.url, { origin: 'https://evil.example.com' }), 403);
    assert.equal(await refusedStatus(relay.url, { origin: 'https://app.example.com.evil.net' }), 403);
    assert.equal(await refusedStatus(relay.url, { origin: 'null' }), 403);
    assert.equal(await refusedStatus(relay.url, { origin: 'https://APP.example.com' }), 101);
    assert.equal(await refusedStatus(relay.url, { origin: 'http://localhost:8080' }), 101);
    assert.equal(await refusedStatus(relay.url), 101); // no Origin header: not a browser
    await relay.close(); // ends the refusal log window: the two after the first are counted
    const refused = logs.filter((e) => e.event === 'refused' && e.reason === 'origin');
    assert.deepEqual(refused.map((e) => [e.status, e.suppressed]), [[403, undefined], [403, 2]]);
  });

  test('without --allow-origin every origin is accepted', async (t) => {
    const { relay } = await setup(t);
    assert.equal(await refusedStatus(relay.url, { origin: 'https://anything.example' }), 101);
  });

  test('the command line takes origins repeated, comma-separated, or from PARLEY_RELAY_ALLOW_ORIGIN', async (t) => {
    const [flags, fromEnv] = await Promise.all([
      spawnRelay(t, ['--allow-origin', 'https://a.example,https://b.example', '--allow-origin', 'https://c.example']),
      spawnRelay(t, [], { PARLEY_RELAY_ALLOW_ORIGIN: 'https://d.example' }),
    ]);
    assert.deepEqual(flags.start.origins, ['https://a.example', 'https://b.example', 'https://c.example']);
    for (const origin of ['https://a.example', 'https://b.example', 'https://c.example']) {
      assert.equal(await refusedStatus(flags.url, { origin }), 101, origin);
    }
    assert.equal(await refusedStatus(flags.url, { origin: 'https://d.example' }), 403);
    assert.equal(await refusedStatus(fromEnv.url, { origin: 'https://d.example' }), 101);
    assert.equal(await refusedStatus(fromEnv.url, { origin: 'https://a.example' }), 403);
  });
});
