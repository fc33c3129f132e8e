// Scale-out: a real redis-server and two relay processes act as one relay.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { CHANNEL_PREFIX } from '../src/redis.js';
import { freePort, spawnReady, spawnRelay, connectTo, httpGet, waitFor, isPublish, within } from '../testing/harness.js';

const REDIS_SERVER = '/usr/bin/redis-server';

describe('two relays over Redis', () => {
  /** @type {{ after: (fn: () => unknown) => void }} */
  const suite = { after: (fn) => cleanups.push(fn) };
  /** @type {(() => unknown)[]} */
  const cleanups = [];
  /** @type {Awaited<ReturnType<typeof spawnReady>>} */
  let redis;
  let redisUrl = '';
  let redisPort = '';
  /** @type {Redis} */
  let probe;
  /** @type {Awaited<ReturnType<typeof spawnRelay>>[]} */
  let nodes = [];

  before(async () => {
    const port = await freePort();
    redisPort = String(port);
    redis = await spawnReady(suite, REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], /Ready to accept connections/);
    redisUrl = `redis://127.0.0.1:${port}`;
    probe = new Redis(redisUrl);
    nodes = await Promise.all([spawnRelay(suite, ['--redis', redisUrl]), spawnRelay(suite, [], { PARLEY_RELAY_REDIS: redisUrl })]);
    for (const node of nodes) {
      await waitFor(() => node.output().includes('"role":"sub","status":"ready"') && node.output().includes('"role":"pub","status":"ready"'), 'redis ready');
    }
  });

  after(async () => {
    probe?.disconnect();
    for (const fn of cleanups.reverse()) await fn();
  });

  /** Subscribers a topic's channel has in Redis: one per relay node that has local subscribers. @param {string} topic */
  const redisSubscribers = async (topic) => Number((/** @type {any[]} */ (await probe.pubsub('NUMSUB', CHANNEL_PREFIX + topic)))[1]);

  test('both report ready, and say so at start-up', async () => {
    for (const node of nodes) {
      assert.equal(node.start.redis, true);
      assert.deepEqual(await httpGet(`${node.http}/readyz`).then((r) => [r.status, r.body]), [200, 'ready']);
    }
  });

  test('a publish on node 1 reaches subscribers on node 2, and back, with a cross-node clients count', async (t) => {
    const [a1, a2] = await Promise.all([connectTo(t, nodes[0].url), connectTo(t, nodes[0].url)]);
    const [b1] = await Promise.all([connectTo(t, nodes[1].url)]);
    await Promise.all([a1.subscribe('room'), a2.subscribe('room'), b1.subscribe('room')]);
    await waitFor(async () => (await redisSubscribers('room')) === 2, 'both nodes on the channel');

    // Node 2 learns node 1's count from its hello; then every frame carries all three.
    await waitFor(async () => {
      a1.send({ type: 'publish', topic: 'room', probe: true });
      const got = await b1.next((m) => isPublish(m) && m.probe).catch(() => null);
      return got?.clients === 3;
    }, 'a cross-node publish counting 3 clients');
    await Promise.all([a1.sync(), a2.sync(), b1.sync()]);
    a1.drain(); a2.drain(); b1.drain();

    a1.send({ type: 'publish', topic: 'room', data: { n: 1 } });
    assert.deepEqual(await b1.next(isPublish), { type: 'publish', topic: 'room', data: { n: 1 }, clients: 3 });
    assert.deepEqual(await a2.next(isPublish), { type: 'publish', topic: 'room', data: { n: 1 }, clients: 3 });
    assert.deepEqual(await a1.next(isPublish), { type: 'publish', topic: 'room', data: { n: 1 }, clients: 3 }, 'the sender once, not again via Redis');

    b1.send({ type: 'publish', topic: 'room', data: { n: 2 } });
    for (const client of [a1, a2, b1]) assert.equal((await client.next(isPublish)).data.n, 2);
    for (const client of [a1, a2, b1]) {
      await client.sync();
      assert.deepEqual(client.drain().filter(isPublish), [], 'exactly one copy each');
    }

    // A subscriber leaving node 1 lowers the count node 2 puts on its frames.
    a2.send({ type: 'unsubscribe', topics: ['room'] });
    await waitFor(async () => {
      b1.send({ type: 'publish', topic: 'room', probe: 2 });
      const got = await b1.next((m) => isPublish(m) && m.probe === 2);
      return got.clients === 2;
    }, 'the count to drop to 2');
  });

  test('one Redis subscription per active topic per node, not per socket', async (t) => {
    const clients = await Promise.all([0, 0, 0, 0, 1, 1, 1].map((i) => connectTo(t, nodes[i].url)));
    await Promise.all(clients.map((c) => c.subscribe('busy', 'busy-too')));
    await waitFor(async () => (await redisSubscribers('busy')) === 2, 'two channel subscribers');
    assert.equal(await redisSubscribers('busy-too'), 2);
    const channels = /** @type {string[]} */ (await probe.pubsub('CHANNELS', `${CHANNEL_PREFIX}busy*`));
    assert.deepEqual(channels.sort(), [`${CHANNEL_PREFIX}busy`, `${CHANNEL_PREFIX}busy-too`]);

    // Node 2's last socket leaves: node 2 drops the channel; node 1 keeps it.
    for (const c of clients.slice(4)) c.ws.close();
    await waitFor(async () => (await redisSubscribers('busy')) === 1, 'node 2 to unsubscribe');
    for (const c of clients.slice(0, 4)) c.send({ type: 'unsubscribe', topics: ['busy', 'busy-too'] });
    await waitFor(async () => (await redisSubscribers('busy')) + (await redisSubscribers('busy-too')) === 0, 'no channel left');
  });

  test('when Redis goes away the nodes keep relaying locally and are not ready; when it returns, they are one again', async (t) => {
    const [x, y] = await Promise.all([connectTo(t, nodes[0].url), connectTo(t, nodes[0].url)]);
    await Promise.all([x.subscribe('local'), y.subscribe('local')]);
    redis.child.kill('SIGKILL');
    await within(redis.exited, 'redis to exit');
    await waitFor(async () => (await httpGet(`${nodes[0].http}/readyz`)).status === 503, 'node 1 unready');
    x.send({ type: 'publish', topic: 'local', v: 'still' });
    assert.equal((await y.next(isPublish)).v, 'still');
    assert.equal((await httpGet(`${nodes[1].http}/healthz`)).status, 200);

    const remote = await connectTo(t, nodes[1].url);
    await remote.subscribe('local');
    redis = await spawnReady(suite, REDIS_SERVER, ['--port', redisPort, '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], /Ready to accept connections/);
    for (const node of nodes) await waitFor(async () => (await httpGet(`${node.http}/readyz`)).status === 200, 'ready again', 15_000);
    await waitFor(async () => {
      x.send({ type: 'publish', topic: 'local', v: 'across' });
      const got = await remote.next((m) => isPublish(m) && m.v === 'across').catch(() => null);
      return got?.clients === 3;
    }, 'cross-node delivery after the outage');
  });
});
