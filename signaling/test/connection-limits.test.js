// Limits on what one client, one address or one identity may hold: connections per address
// (X-Forwarded-For only from trusted proxies), connections per token identity, topics on the
// whole relay, and sockets that never join a topic.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createAddressResolver, isProxyEntry } from '../src/address.js';
import { mintToken } from '../src/auth.js';
import { createRelay, MAX_CONNECTIONS_PER_IDENTITY, MAX_CONNECTIONS_PER_IP, MAX_TOPICS, TOPICLESS_TIMEOUT_MS } from '../src/relay.js';
import { setup, refusedStatus, httpGet, isError, waitFor, spawnRelay, connectTo } from '../testing/harness.js';

const SECRET = 'limits-secret-limits-secret-0123456789ab';
const xff = (/** @type {string} */ value) => ({ headers: { 'x-forwarded-for': value } });
const metric = async (/** @type {number} */ port, /** @type {string} */ reason) => {
  const { body } = await httpGet(`http://127.0.0.1:${port}/metrics`);
  return Number(new RegExp(`parley_relay_refusals_total\\{reason="${reason}"\\} (\\d+)`).exec(body)?.[1] ?? 0);
};

describe('defaults', () => {
  test('the documented defaults', () => {
    assert.deepEqual(
      [MAX_CONNECTIONS_PER_IP, MAX_CONNECTIONS_PER_IDENTITY, MAX_TOPICS, TOPICLESS_TIMEOUT_MS],
      [64, 16, 10_000, 30_000],
    );
  });
});

describe('client address', () => {
  /** @param {string} remoteAddress @param {string} [forwarded] */
  const req = (remoteAddress, forwarded) =>
    /** @type {import('node:http').IncomingMessage} */ (/** @type {unknown} */ ({ socket: { remoteAddress }, headers: forwarded === undefined ? {} : { 'x-forwarded-for': forwarded } }));

  test('X-Forwarded-For counts only from a trusted proxy, read from the right', () => {
    const addressOf = createAddressResolver(['10.0.0.2', '10.1.0.0/16', '::1']);
    assert.equal(addressOf(req('203.0.113.9', '198.51.100.1')), '203.0.113.9', 'untrusted socket: header ignored');
    assert.equal(addressOf(req('10.0.0.2', '198.51.100.1')), '198.51.100.1');
    assert.equal(addressOf(req('::ffff:10.0.0.2', '6.6.6.6, 198.51.100.1')), '198.51.100.1', 'what the client wrote on the left is not believed');
    assert.equal(addressOf(req('10.0.0.2', '198.51.100.1, 10.1.4.4')), '198.51.100.1', 'a chain of trusted proxies is skipped');
    assert.equal(addressOf(req('10.0.0.2', '10.1.0.7, 10.1.4.4')), '10.1.0.7', 'all trusted: the first hop');
    assert.equal(addressOf(req('10.0.0.2', 'garbage, 198.51.100.1:5123')), '198.51.100.1', 'a port is dropped');
    assert.equal(addressOf(req('10.0.0.2', '198.51.100.1, not-an-ip')), '10.0.0.2', 'a hop that is no address stops the walk');
    assert.equal(addressOf(req('::1', '[2001:db8::7]:443')), '2001:db8::7');
    assert.equal(addressOf(req('10.0.0.2')), '10.0.0.2', 'no header: the proxy itself');
    assert.equal(createAddressResolver([])(req('10.0.0.2', '198.51.100.1')), '10.0.0.2');
    assert.deepEqual(['10.0.0.1', '10.0.0.0/8', '::1', 'fd00::/8', 'proxy', '10.0.0.0/33', '1.2.3.4/8/1'].map(isProxyEntry), [true, true, true, true, false, false, false]);
  });

  test('createRelay refuses a trusted proxy that is not an address or range', async () => {
    await assert.rejects(createRelay({ port: 0, log: () => {}, trustedProxies: ['proxy.example'] }), /trustedProxies/);
  });
});

describe('connections per address', () => {
  test('beyond the limit an upgrade is refused with 429, counted and logged; a closed one frees its slot', async (t) => {
    const { relay, connect, logs } = await setup(t, { maxConnectionsPerIp: 2 });
    const [a] = await Promise.all([connect(), connect()]);
    assert.equal(await refusedStatus(relay.url), 429);
    assert.equal(await metric(relay.port, 'max_connections_per_ip'), 1);
    assert.ok(logs.some((e) => e.event === 'refused' && e.status === 429 && e.reason === 'max_connections_per_ip'));
    a.ws.close();
    await waitFor(() => relay.stats().connections === 1, 'a to close');
    await connect();
  });

  test('behind a trusted proxy each forwarded client has its own limit, and the log names it', async (t) => {
    const { relay, connect, logs } = await setup(t, { maxConnectionsPerIp: 2, trustedProxies: ['127.0.0.1'] });
    await Promise.all([connect('/', xff('203.0.113.5')), connect('/', xff('203.0.113.5'))]);
    assert.equal(await refusedStatus(relay.url, xff('203.0.113.5')), 429);
    assert.equal(await refusedStatus(relay.url, xff('198.51.100.77, 203.0.113.5')), 429, 'a forged left entry changes nothing');
    await connect('/', xff('203.0.113.6'));
    assert.ok(logs.some((e) => e.event === 'open' && e.remote === '203.0.113.6'));
  });

  test('from an untrusted socket X-Forwarded-For is ignored', async (t) => {
    const { relay, connect } = await setup(t, { maxConnectionsPerIp: 2, trustedProxies: ['10.9.9.9'] });
    await Promise.all([connect('/', xff('203.0.113.1')), connect('/', xff('203.0.113.2'))]);
    assert.equal(await refusedStatus(relay.url, xff('203.0.113.3')), 429);
  });
});

describe('connections per identity', () => {
  test('one token, or one sub across tokens, holds at most maxConnectionsPerIdentity', async (t) => {
    const { relay, connect } = await setup(t, { secret: SECRET, maxConnectionsPerIdentity: 2 });
    const anonymous = await mintToken({ secret: SECRET, rooms: '*', ttlSeconds: 60 });
    const [a] = await Promise.all([connect(`/?token=${anonymous}`), connect(`/?token=${anonymous}`)]);
    assert.equal(await refusedStatus(`${relay.url}/?token=${anonymous}`), 429, 'the same token');
    await connect(`/?token=${await mintToken({ secret: SECRET, rooms: '*', ttlSeconds: 61 })}`); // another token, no sub: its own
    let ttl = 100;
    const ada = () => mintToken({ secret: SECRET, rooms: ['r'], ttlSeconds: ttl++, subject: 'ada' });
    await Promise.all([connect(`/?token=${await ada()}`), connect(`/?token=${await ada()}`)]);
    assert.equal(await refusedStatus(`${relay.url}/?token=${await ada()}`), 429, 'another token for the same sub');
    await connect(`/?token=${await mintToken({ secret: SECRET, rooms: ['r'], ttlSeconds: 60, subject: 'bob' })}`);
    assert.equal(await metric(relay.port, 'max_connections_per_identity'), 2);
    a.ws.close();
    await waitFor(async () => (await refusedStatus(`${relay.url}/?token=${anonymous}`)) === 101, 'the slot to be free again');
  });
});

describe('topics on the relay', () => {
  test('a subscribe that would create a topic beyond maxTopics is refused; existing topics can still be joined', async (t) => {
    const { relay, connect } = await setup(t, { maxTopics: 3 });
    const [a, b] = await Promise.all([connect(), connect()]);
    await a.subscribe('t1', 't2');
    b.send({ type: 'subscribe', topics: ['t1', 't3', 't4'] }); // two new: one too many
    assert.deepEqual(await b.next(isError), { type: 'error', reason: 'too many topics on this relay' });
    assert.equal(relay.stats().topics, 2);
    await b.subscribe('t1', 't3');
    assert.equal(relay.stats().topics, 3);
    await b.subscribe('t2');
    assert.equal(b.drain().filter(isError).length, 0, 'joining existing topics at the cap is fine');
    assert.equal(await metric(relay.port, 'max_topics'), 1);
  });
});

describe('sockets in no topic', () => {
  test('a socket that joins no topic in time is closed with 4008; one that joined stays', async (t) => {
    const { relay, connect, logs } = await setup(t, { topiclessTimeoutMs: 300 });
    const [idle, member, late] = await Promise.all([connect(), connect(), connect()]);
    await member.subscribe('room');
    const started = Date.now();
    const { code, reason } = await idle.closed;
    assert.deepEqual({ code, reason }, { code: 4008, reason: 'no topic subscribed in time' });
    assert.ok(Date.now() - started >= 200, 'not before its time');
    assert.equal((await late.closed).code, 4008);
    await member.sync();
    assert.equal(relay.stats().connections, 1);
    assert.equal(await metric(relay.port, 'topicless'), 2);
    await waitFor(() => logs.some((e) => e.event === 'close' && e.code === 4008 && e.error === 'no topic subscribed'), 'close log line');
  });
});

describe('parley-relay flags', () => {
  test('--max-connections-per-ip and --trusted-proxy reach the relay', async (t) => {
    const relay = await spawnRelay(t, ['--max-connections-per-ip', '1', '--trusted-proxy', '10.0.0.0/8,127.0.0.1']);
    await connectTo(t, relay.url, xff('203.0.113.5'));
    assert.equal(await refusedStatus(relay.url, xff('203.0.113.5')), 429);
    assert.equal(await refusedStatus(relay.url, xff('203.0.113.6')), 101);
  });
});
