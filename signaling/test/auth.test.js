// Auth: JWT at upgrade (401 otherwise), the `rooms` claim per frame, and `parley-relay token`.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { SignJWT, decodeJwt } from 'jose';
import { mintToken, parseDuration } from '../src/auth.js';
import { BIN, setup, refusedStatus, within, isPublish, isError, spawnRelay, connectTo, httpGet } from '../testing/harness.js';

const SECRET = 'a-test-secret-that-is-long-enough-0123456789';
const key = new TextEncoder().encode(SECRET);

/** @param {Record<string, unknown>} claims @param {{ exp?: number | null, secret?: Uint8Array, alg?: string }} [o] */
function sign(claims, { exp = Math.floor(Date.now() / 1000) + 600, secret = key, alg = 'HS256' } = {}) {
  const jwt = new SignJWT(claims).setProtectedHeader({ alg });
  if (exp !== null) jwt.setExpirationTime(exp);
  return jwt.sign(secret);
}

/** Runs `parley-relay` with args; resolves with exit code, stdout and stderr. @param {string[]} args @param {NodeJS.ProcessEnv} [env] */
async function cli(args, env = {}) {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, PARLEY_RELAY_SECRET: '', ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const [code] = await within(once(child, 'exit'), 'cli to exit');
  return { code, stdout, stderr };
}

describe('auth', () => {
  test('without a valid token the upgrade is refused with 401', async (t) => {
    const { relay, logs } = await setup(t, { secret: SECRET, refusalLogWindowMs: 60_000 });
    const cases = {
      missing: '',
      empty: '?token=',
      garbage: '?token=not.a.jwt',
      'wrong secret': `?token=${await sign({ rooms: '*' }, { secret: new TextEncoder().encode('another-secret-another-secret-xx') })}`,
      expired: `?token=${await sign({ rooms: '*' }, { exp: Math.floor(Date.now() / 1000) - 60 })}`,
      'no exp': `?token=${await sign({ rooms: '*' }, { exp: null })}`,
      'no rooms': `?token=${await sign({})}`,
      'rooms not a list': `?token=${await sign({ rooms: 'room-a' })}`,
      'rooms with a number': `?token=${await sign({ rooms: ['a', 1] })}`,
      'wrong algorithm': `?token=${await sign({ rooms: '*' }, { alg: 'HS512' })}`,
    };
    for (const [what, query] of Object.entries(cases)) {
      assert.equal(await refusedStatus(relay.url + '/' + query), 401, what);
    }
    assert.equal(relay.stats().connections, 0);
    const start = logs.find((e) => e.event === 'start');
    assert.equal(start?.auth, 'jwt');
    assert.match(String(start?.message), /authentication ON/);
    // The first refusal is logged in full, the others counted in one line (here: at close).
    await relay.close();
    const refused = logs.filter((e) => e.event === 'refused' && e.reason === 'unauthorized');
    assert.deepEqual(refused.map((e) => [e.status, e.suppressed]), [[401, undefined], [401, Object.keys(cases).length - 1]]);
  });

  test('a token for some rooms: other topics are refused per frame and the socket stays', async (t) => {
    const { relay, connect, logs } = await setup(t, { secret: SECRET });
    const token = await sign({ rooms: ['room-a', 'room-b'], sub: 'user-7' });
    const [a, b] = await Promise.all([connect(`/?token=${token}`), connect(`/?token=${token}`)]);
    await Promise.all([a.subscribe('room-a'), b.subscribe('room-a', 'room-b')]);
    assert.equal(relay.stats().topics, 2);

    a.send({ type: 'subscribe', topics: ['room-a', 'room-c'] }); // refused as a whole
    assert.deepEqual(await a.next(isError), { type: 'error', reason: 'topic not allowed' });
    a.send({ type: 'publish', topic: 'room-c', x: 1 });
    assert.deepEqual(await a.next(isError), { type: 'error', reason: 'topic not allowed' });
    assert.equal(relay.stats().topics, 2);

    a.send({ type: 'publish', topic: 'room-a', x: 2 });
    assert.deepEqual(await b.next(isPublish), { type: 'publish', topic: 'room-a', x: 2, identity: { sub: 'user-7' }, clients: 2 });
    assert.equal(logs.find((e) => e.event === 'open')?.subject, 'user-7');
    assert.doesNotMatch(JSON.stringify(logs), new RegExp(token.split('.')[2].slice(0, 20)));
  });

  test('no token, refused or accepted, appears in a log line, an error frame or an HTTP answer', async (t) => {
    const { relay, connect, logs } = await setup(t, { secret: SECRET, maxConnectionsPerIdentity: 1, maxTokenLifetimeSeconds: 3600 });
    const now = Math.floor(Date.now() / 1000);
    const tokens = {
      expired: await sign({ rooms: '*', sub: 'x' }, { exp: now - 60 }),
      forged: await sign({ rooms: '*', sub: 'x' }, { secret: new TextEncoder().encode('another-secret-another-secret-xx') }),
      'too long-lived': await sign({ rooms: '*', sub: 'x' }, { exp: now + 86_400 }),
      valid: await sign({ rooms: ['room-a'], sub: 'user-8' }),
    };
    /** @type {string[]} */
    const answers = [];
    for (const token of [tokens.expired, tokens.forged, tokens['too long-lived']]) {
      assert.equal(await refusedStatus(`${relay.url}/?token=${token}`), 401);
      answers.push((await httpGet(`http://127.0.0.1:${relay.port}/ice?token=${token}`)).body);
    }
    const client = await connect(`/?token=${tokens.valid}`);
    assert.equal(await refusedStatus(`${relay.url}/?token=${tokens.valid}`), 429, 'its one connection is taken');
    client.send({ type: 'subscribe', topics: ['room-b'] });
    client.send({ type: 'publish', topic: 'room-b', token: tokens.valid });
    client.send(`not json ${tokens.valid}`);
    await client.sync();
    answers.push(...client.drain().map((m) => JSON.stringify(m)));
    assert.equal(answers.filter((a) => a.includes('error')).length, 6, 'three 401 bodies, three error frames');
    await relay.close(); // summarizes the refusal windows
    const logged = JSON.stringify(logs);
    for (const [what, token] of Object.entries(tokens)) {
      const signature = token.split('.')[2];
      for (const text of [logged, ...answers]) assert.equal(text.includes(signature), false, `the ${what} token leaked into ${text.slice(0, 80)}`);
    }
    assert.ok(logs.some((e) => e.event === 'refused' && e.reason === 'max_connections_per_identity'));
  });

  test('rooms "*" allows every topic', async (t) => {
    const { connect } = await setup(t, { secret: SECRET });
    const token = await mintToken({ secret: SECRET, rooms: '*', ttlSeconds: 60 });
    const [a, b] = await Promise.all([connect(`/?token=${token}`), connect(`/any/path?x=1&token=${token}`)]);
    await Promise.all([a.subscribe('anything', '__proto__'), b.subscribe('anything')]);
    a.send({ type: 'publish', topic: 'anything', ok: true });
    assert.equal((await b.next(isPublish)).ok, true);
  });
});

describe('parley-relay token', () => {
  test('prints a JWT as the last stdout line that the relay accepts for exactly those rooms', async (t) => {
    const { code, stdout } = await cli(['token', '--room', 'invoice-42', '--ttl', '1h', '--secret', SECRET]);
    assert.equal(code, 0);
    const token = stdout.trim().split('\n').at(-1) ?? '';
    const claims = decodeJwt(token);
    assert.deepEqual(claims.rooms, ['invoice-42']);
    assert.ok(Math.abs(Number(claims.exp) - (Date.now() / 1000 + 3600)) < 60);

    const relay = await spawnRelay(t, [], { PARLEY_RELAY_SECRET: SECRET });
    assert.equal(relay.start.auth, 'jwt');
    assert.equal(await refusedStatus(relay.url), 401);
    const client = await connectTo(t, `${relay.url}/?token=${token}`);
    await client.subscribe('invoice-42');
    client.send({ type: 'subscribe', topics: ['invoice-43'] });
    assert.equal((await client.next(isError)).reason, 'topic not allowed');
    assert.doesNotMatch(relay.output(), new RegExp(token.slice(-20)));
  });

  test("--room '*' mints an all-rooms token; the secret can come from PARLEY_RELAY_SECRET", async () => {
    const { code, stdout } = await cli(['token', '--room', '*', '--ttl', '90s'], { PARLEY_RELAY_SECRET: SECRET });
    assert.equal(code, 0);
    const claims = decodeJwt(stdout.trim().split('\n').at(-1) ?? '');
    assert.equal(claims.rooms, '*');
    assert.ok(Math.abs(Number(claims.exp) - (Date.now() / 1000 + 90)) < 30);
  });

  test('refuses without a secret, a room or a valid ttl', async () => {
    assert.equal((await cli(['token', '--room', 'r'])).code, 2);
    assert.equal((await cli(['token', '--secret', SECRET])).code, 2);
    const bad = await cli(['token', '--room', 'r', '--ttl', 'soon', '--secret', SECRET]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /invalid --ttl/);
  });

  test('durations', () => {
    assert.deepEqual(['90', '90s', '30m', '1h', '7d', 'x', '1y', ''].map(parseDuration), [90, 90, 1800, 3600, 604800, NaN, NaN, NaN]);
  });
});
