// Verified identity: the token's `sub` and `name`, stamped by the relay on every publish it
// delivers (locally and through Redis), never taken from the client; and the longest token
// lifetime a relay accepts.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { WebSocket } from 'ws';
import { SignJWT, decodeJwt } from 'jose';
import { createVerifier, mintToken, MAX_NAME_LENGTH } from '../src/auth.js';
import { createRelay } from '../src/relay.js';
import { BIN, Client, setup, refusedStatus, within, waitFor, freePort, spawnReady, isPublish } from '../testing/harness.js';

const SECRET = 'identity-secret-identity-secret-0123456789';
const key = new TextEncoder().encode(SECRET);
const REDIS_SERVER = '/usr/bin/redis-server';

/** @param {Record<string, unknown>} claims @param {{ iat?: number, exp?: number }} [times] seconds from now */
function sign(claims, { iat, exp = 600 } = {}) {
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setExpirationTime(now + exp);
  if (iat !== undefined) jwt.setIssuedAt(now + iat);
  return jwt.sign(key);
}

/** The raw text of the next frame a socket receives. @param {WebSocket} ws */
const nextText = (ws) => within(once(ws, 'message').then(([data]) => data.toString()), 'a frame');

describe('verified identity', () => {
  test('the verifier returns sub and name; a name is cut to 64 characters, a non-string one dropped', async () => {
    const verify = createVerifier(SECRET);
    assert.deepEqual(await verify(await mintToken({ secret: SECRET, rooms: ['r'], ttlSeconds: 60, subject: '42', name: 'Ada Lovelace' })), {
      rooms: new Set(['r']),
      subject: '42',
      name: 'Ada Lovelace',
    });
    const long = '👩‍🔬'.repeat(40); // 3 code points, 5 UTF-16 units each
    const cut = await verify(await sign({ rooms: '*', sub: 'x', name: long }));
    assert.equal(MAX_NAME_LENGTH, 64);
    assert.equal(Array.from(cut?.name ?? '').length, 64);
    assert.ok(long.startsWith(cut?.name ?? '?'));
    assert.doesNotMatch(JSON.stringify(cut?.name), /\\ud/i, 'no half surrogate pair');
    assert.equal((await verify(await sign({ rooms: '*', sub: 'x', name: 42 })))?.name, undefined);
    assert.equal((await verify(await sign({ rooms: '*', sub: 7, name: 'Bob' })))?.subject, undefined);
  });

  test('every publish carries the sender’s identity from its token; a forged one is replaced or removed', async (t) => {
    const { connect } = await setup(t, { secret: SECRET });
    const ada = await connect(`/?token=${await sign({ rooms: '*', sub: '42', name: 'Ada Lovelace' })}`);
    const bob = await connect(`/?token=${await sign({ rooms: '*', sub: 'bob' })}`);
    const anon = await connect(`/?token=${await sign({ rooms: '*', name: 'Not Verified' })}`);
    await Promise.all([ada.subscribe('room'), bob.subscribe('room'), anon.subscribe('room')]);

    ada.send({ type: 'publish', topic: 'room', identity: { sub: 'admin', name: 'Admin' }, data: 1 });
    assert.deepEqual(await bob.next(isPublish), {
      type: 'publish', topic: 'room', identity: { sub: '42', name: 'Ada Lovelace' }, data: 1, clients: 3,
    });
    bob.send({ type: 'publish', topic: 'room', data: 2 });
    assert.deepEqual((await ada.next((m) => isPublish(m) && m.data === 2)).identity, { sub: 'bob' });
    anon.send({ type: 'publish', topic: 'room', identity: { sub: '42', name: 'Ada Lovelace' }, data: 3 });
    const forged = await ada.next((m) => isPublish(m) && m.data === 3);
    assert.equal('identity' in forged, false, 'a connection without a verified sub carries no identity');
  });

  test('the stamp on the wire is {"sub":…,"name":…} at the top level of the published object', async (t) => {
    const { relay } = await setup(t, { secret: SECRET });
    const token = await mintToken({ secret: SECRET, rooms: ['room'], ttlSeconds: 60, subject: '42', name: 'Ada "the" Countess' });
    const ws = new WebSocket(`${relay.url}/?token=${token}`);
    t.after(() => ws.terminate());
    await within(once(ws, 'open'), 'open');
    ws.send('{"type":"subscribe","topics":["room"]}');
    ws.send('{"type":"publish","topic":"room","identity":"me","x":[1]}');
    assert.equal(
      await nextText(ws),
      '{"type":"publish","topic":"room","identity":{"sub":"42","name":"Ada \\"the\\" Countess"},"x":[1],"clients":1}',
    );
  });

  test('a publish goes out as the sender’s own bytes with the stamp appended; a claimed stamp, even escaped, never', async (t) => {
    const { relay } = await setup(t, { secret: SECRET });
    const ada = await mintToken({ secret: SECRET, rooms: ['room'], ttlSeconds: 60, subject: '42', name: 'Ada' });
    const open = async (/** @type {string} */ query) => {
      const ws = new WebSocket(`${relay.url}/${query}`);
      t.after(() => ws.terminate());
      await within(once(ws, 'open'), 'open');
      ws.send('{"type":"subscribe","topics":["room"]}');
      return ws;
    };
    const ws = await open(`?token=${ada}`);
    // Spacing, key order, escapes and a trailing newline are the sender's; only the closing
    // brace moves to after the relay's fields.
    ws.send('{ "type" : "publish", "topic":"room", "s":"\\u00e9 é 😀", "n":[1.50, {}] }\n');
    assert.equal(await nextText(ws), '{ "type" : "publish", "topic":"room", "s":"\\u00e9 é 😀", "n":[1.50, {}] ,"identity":{"sub":"42","name":"Ada"},"clients":1}');
    // Keys spelled with escapes are the same keys: re-serialized, the sender's values gone.
    ws.send('{"type":"publish","topic":"room","\\u0063lients":99,"\\u0069dentity":{"sub":"admin"},"k":1}');
    assert.deepEqual(JSON.parse(await nextText(ws)), {
      type: 'publish', topic: 'room', identity: { sub: '42', name: 'Ada' }, k: 1, clients: 1,
    });
    // A token without `sub`: nothing is appended, and a claimed identity is removed.
    const anon = await open(`?token=${await sign({ rooms: '*' })}`);
    anon.send('{"type":"publish","topic":"room","x":1}');
    assert.equal(await nextText(anon), '{"type":"publish","topic":"room","x":1,"clients":2}');
    anon.send('{"type":"publish","topic":"room","identity":{"sub":"42"},"x":2}');
    assert.equal(await nextText(anon), '{"type":"publish","topic":"room","x":2,"clients":2}');
  });

  test('an open relay removes any identity a client sends', async (t) => {
    const { connect } = await setup(t);
    const [a, b] = await Promise.all([connect(), connect()]);
    await Promise.all([a.subscribe('room'), b.subscribe('room')]);
    a.send({ type: 'publish', topic: 'room', identity: { sub: '42', name: 'Ada Lovelace' }, n: 1 });
    assert.deepEqual(await b.next(isPublish), { type: 'publish', topic: 'room', n: 1, clients: 2 });
  });

  test('through Redis the other relay delivers the stamped identity, not the client’s', async (t) => {
    const port = await freePort();
    const cleanups = /** @type {(() => unknown)[]} */ ([]);
    t.after(async () => {
      for (const fn of cleanups.reverse()) await fn();
    });
    await spawnReady({ after: (fn) => cleanups.push(fn) }, REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], /Ready to accept connections/);
    const redis = `redis://127.0.0.1:${port}`;
    const relays = await Promise.all([0, 1].map(() => createRelay({ port: 0, log: () => {}, secret: SECRET, redis })));
    cleanups.push(() => Promise.all(relays.map((r) => r.close())));
    await waitFor(() => relays.every((r) => r.ready()), 'both relays on Redis');
    const connectAt = async (/** @type {import('../src/relay.js').Relay} */ relay, /** @type {string} */ token) => {
      const ws = new WebSocket(`${relay.url}/?token=${token}`);
      cleanups.push(() => ws.terminate());
      await within(once(ws, 'open'), 'open');
      return new Client(ws);
    };
    const ada = await connectAt(relays[0], await sign({ rooms: ['room'], sub: '42', name: 'Ada' }));
    const bob = await connectAt(relays[1], await sign({ rooms: ['room'], sub: 'bob' }));
    await Promise.all([ada.subscribe('room'), bob.subscribe('room')]);
    await waitFor(async () => {
      ada.send({ type: 'publish', topic: 'room', identity: { sub: 'bob' }, probe: true });
      const got = await bob.next((m) => isPublish(m) && m.probe).catch(() => null);
      if (got) assert.deepEqual(got.identity, { sub: '42', name: 'Ada' });
      return got !== null;
    }, 'a publish across relays', 10_000);
  });
});

describe('token lifetime', () => {
  test('with maxTokenLifetimeSeconds a longer-lived token is refused like an invalid one', async (t) => {
    const { relay, logs } = await setup(t, { secret: SECRET, maxTokenLifetimeSeconds: 3600, refusalLogWindowMs: 60_000 });
    const at = (/** @type {string} */ token) => `${relay.url}/?token=${token}`;
    assert.equal(await refusedStatus(at(await sign({ rooms: '*' }, { iat: 0, exp: 3601 }))), 401, 'exp − iat over the limit');
    assert.equal(await refusedStatus(at(await sign({ rooms: '*' }, { exp: 7200 }))), 401, 'no iat: exp − now over the limit');
    assert.equal(await refusedStatus(at(await sign({ rooms: '*' }, { iat: 86_400, exp: 86_400 + 60 }))), 401, 'an iat in the future does not stretch it');
    assert.equal(await refusedStatus(at(await sign({ rooms: '*' }, { iat: 0, exp: 3600 }))), 101, 'exactly the limit');
    assert.equal(await refusedStatus(at(await sign({ rooms: '*' }, { iat: -3000, exp: 500 }))), 101, 'issued earlier, within the limit');
    assert.ok(logs.some((e) => e.event === 'refused' && e.reason === 'unauthorized'));
  });

  test('without it any lifetime is accepted', async (t) => {
    const { relay } = await setup(t, { secret: SECRET });
    assert.equal(await refusedStatus(`${relay.url}/?token=${await sign({ rooms: '*' }, { iat: 0, exp: 86_400 * 365 })}`), 101);
  });
});

describe('parley-relay token with identity', () => {
  test('--name and --sub become the name and sub claims the relay stamps', async (t) => {
    const child = spawn(process.execPath, [BIN, 'token', '--room', 'R', '--name', 'Ada Lovelace', '--sub', '42', '--ttl', '1h'], {
      env: { ...process.env, PARLEY_RELAY_SECRET: SECRET },
    });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    const [code] = await within(once(child, 'exit'), 'token to be printed');
    assert.equal(code, 0);
    const token = stdout.trim().split('\n').at(-1) ?? '';
    const claims = decodeJwt(token);
    assert.deepEqual([claims.rooms, claims.sub, claims.name], [['R'], '42', 'Ada Lovelace']);
    assert.equal(Number(claims.exp) - Number(claims.iat), 3600);

    const { connect } = await setup(t, { secret: SECRET, maxTokenLifetimeSeconds: 3600 });
    const [a, b] = await Promise.all([connect(`/?token=${token}`), connect(`/?token=${token}`)]);
    await Promise.all([a.subscribe('R'), b.subscribe('R')]);
    a.send({ type: 'publish', topic: 'R' });
    assert.deepEqual((await b.next(isPublish)).identity, { sub: '42', name: 'Ada Lovelace' });
  });
});
