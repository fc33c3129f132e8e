// TURN credentials: the coturn REST-API scheme, and GET /ice with and without a secret.
// (That coturn accepts them, through a real browser, is test/e2e/relay-turn.test.mjs.)
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { turnCredentials, TURN_CREDENTIAL_TTL_S } from '../src/ice.js';
import { mintToken } from '../src/auth.js';
import { setup, httpGet } from '../testing/harness.js';

const TURN = { turnUrls: ['turn:turn.example.com:3478?transport=udp', 'turns:turn.example.com:5349'], turnSecret: 'coturn-shared-secret' };

describe('TURN credentials', () => {
  test('username is "<expiry>:<id>", credential is base64 HMAC-SHA1 of it with the TURN secret', () => {
    const now = Date.UTC(2026, 0, 1);
    const { username, credential } = turnCredentials({ secret: 'north', ttlSeconds: 3600, id: 'ada', now });
    assert.equal(username, `${now / 1000 + 3600}:ada`);
    // RFC 2104 HMAC-SHA1, computed independently of the module's code path.
    assert.equal(credential, createHmac('sha1', Buffer.from('north')).update(Buffer.from(username)).digest().toString('base64'));
    assert.match(credential, /^[A-Za-z0-9+/]{27}=$/);
    const other = turnCredentials({ secret: 'south', ttlSeconds: 3600, id: 'ada', now });
    assert.notEqual(other.credential, credential);
  });

  test('ids are sanitised and random when absent; the default lifetime is a day', () => {
    const a = turnCredentials({ secret: 's', id: 'evil:id with spaces/' });
    assert.match(a.username, /^\d+:evilidwithspaces$/);
    const [b, c] = [turnCredentials({ secret: 's' }), turnCredentials({ secret: 's' })];
    assert.match(b.username, /^\d+:[0-9a-f]{12}$/);
    assert.notEqual(b.username.split(':')[1], c.username.split(':')[1]);
    assert.ok(Math.abs(Number(b.username.split(':')[0]) - (Date.now() / 1000 + TURN_CREDENTIAL_TTL_S)) < 5);
  });
});

describe('GET /ice', () => {
  test('open relay: STUN servers, never TURN credentials, and a warning at start; CORS for any origin', async (t) => {
    const { relay, logs } = await setup(t, { ...TURN, stunUrls: ['stun:stun.example.com:3478'], turnTtlSeconds: 600 });
    const res = await httpGet(`http://127.0.0.1:${relay.port}/ice`, { origin: 'https://app.example' });
    assert.equal(res.status, 200);
    assert.equal(res.headers['access-control-allow-origin'], '*');
    assert.equal(res.headers['cache-control'], 'no-store');
    assert.deepEqual(JSON.parse(res.body), { iceServers: [{ urls: ['stun:stun.example.com:3478'] }] });
    assert.doesNotMatch(res.body, /turns?:|credential|username/);
    assert.equal(logs.find((e) => e.event === 'start')?.turn, false);
    assert.match(String(logs.find((e) => e.event === 'config')?.message), /TURN is configured but the relay runs open/);
  });

  test('with a secret it needs a valid token and hands out fresh TURN credentials; the token subject names the TURN user', async (t) => {
    const secret = 'ice-secret-ice-secret-ice-secret-ice';
    const { relay, logs } = await setup(t, { ...TURN, secret, allowOrigins: ['https://app.example'], stunUrls: ['stun:stun.example.com:3478'], turnTtlSeconds: 600 });
    const base = `http://127.0.0.1:${relay.port}/ice`;
    assert.equal((await httpGet(base)).status, 401);
    assert.equal((await httpGet(`${base}?token=forged`)).status, 401);
    const token = await mintToken({ secret, rooms: ['r'], ttlSeconds: 60, subject: 'ada' });
    const ok = await httpGet(`${base}?token=${token}`, { origin: 'https://app.example' });
    assert.equal(ok.status, 200);
    assert.equal(ok.headers['access-control-allow-origin'], 'https://app.example');
    const { iceServers } = JSON.parse(ok.body);
    assert.deepEqual(iceServers[0], { urls: ['stun:stun.example.com:3478'] });
    assert.deepEqual(iceServers[1].urls, TURN.turnUrls);
    const [expiry, user] = iceServers[1].username.split(':');
    assert.ok(Math.abs(Number(expiry) - (Date.now() / 1000 + 600)) < 5);
    assert.equal(user, 'ada');
    assert.equal(iceServers[1].credential, createHmac('sha1', TURN.turnSecret).update(iceServers[1].username).digest('base64'));
    assert.doesNotMatch(ok.body, new RegExp(TURN.turnSecret));
    assert.equal((await httpGet(`${base}?token=${token}`, { origin: 'https://evil.example' })).status, 403);
    assert.equal(logs.find((e) => e.event === 'start')?.turn, true);
    assert.equal(logs.some((e) => e.event === 'config'), false, 'no warning');
  });

  test('without TURN configured it answers an empty list', async (t) => {
    const { relay } = await setup(t);
    const res = await httpGet(`http://127.0.0.1:${relay.port}/ice`);
    assert.deepEqual([res.status, JSON.parse(res.body)], [200, { iceServers: [] }]);
  });
});
