// GET /sfu: which Janus hosts a room's media (the same answer from every relay node), and
// tokens for it that a real Janus accepts, handed to the room's members only.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { janusFor, janusRoomId, JANUS_TOKEN_TTL_S } from '../src/janus.js';
import { mintToken } from '../src/auth.js';
import { setup, httpGet, spawnRelay } from '../testing/harness.js';
import { JanusClient } from '../testing/janus.js';
import { startJanus } from '../../sfu/janus.mjs';

const URLS = ['ws://janus-a:8188', 'ws://janus-b:8188', 'ws://janus-c:8188'];
const rooms = Array.from({ length: 3000 }, (_, i) => `room-${i}`);

describe('a room lives on one Janus', () => {
  test('chosen by a stable hash of its name: the same for any order of the URLs, and spread over all of them', () => {
    const counts = new Map(URLS.map((url) => [url, 0]));
    for (const room of rooms) {
      const url = /** @type {string} */ (janusFor(URLS, room));
      assert.equal(janusFor([...URLS].reverse(), room), url);
      counts.set(url, /** @type {number} */ (counts.get(url)) + 1);
    }
    for (const [url, count] of counts) assert.ok(count > rooms.length / 3 - 200 && count < rooms.length / 3 + 200, `${url} hosts ${count} of ${rooms.length}`);
    assert.equal(janusFor([], 'r'), undefined);
  });

  test('adding a Janus moves only the rooms it takes over', () => {
    const more = [...URLS, 'ws://janus-d:8188'];
    let moved = 0;
    for (const room of rooms) {
      const before = janusFor(URLS, room);
      const now = janusFor(more, room);
      if (now !== before) {
        assert.equal(now, 'ws://janus-d:8188');
        moved++;
      }
    }
    assert.ok(moved > rooms.length / 4 - 200 && moved < rooms.length / 4 + 200, `${moved} rooms moved`);
  });

  test('two relay nodes, given the URLs in another order, send a room to the same Janus', async (t) => {
    const janusSecret = 'janus-shared-secret';
    const a = await setup(t, { janusUrls: URLS, janusSecret });
    const b = await setup(t, { janusUrls: [...URLS].reverse(), janusSecret });
    for (const room of ['invoice-42', 'ticket-7', 'x']) {
      const [fromA, fromB] = await Promise.all([a, b].map(async ({ relay }) => JSON.parse((await httpGet(`http://127.0.0.1:${relay.port}/sfu?room=${room}`)).body)));
      assert.equal(fromA.url, fromB.url);
      assert.equal(fromA.room, janusRoomId(room));
      assert.equal(fromA.room, fromB.room);
    }
  });
});

describe('GET /sfu with a real Janus', () => {
  const secret = 'relay-secret-relay-secret-relay-secret';
  const janusSecret = 'janus-secret-for-the-relay-tests';
  /** @type {import('../../sfu/janus.mjs').Janus} */
  let janus;
  before(async () => {
    janus = await startJanus({ secret: janusSecret });
  });
  after(() => janus?.close());

  test('a member of the room gets its Janus and tokens that Janus accepts for that room', async (t) => {
    const { relay } = await setup(t, { secret, janusUrls: [janus.url], janusSecret });
    const token = await mintToken({ secret, rooms: ['invoice-42'], ttlSeconds: 60 });
    const res = await httpGet(`http://127.0.0.1:${relay.port}/sfu?room=invoice-42&token=${token}`, { origin: 'https://app.example' });
    assert.equal(res.status, 200);
    assert.equal(res.headers['cache-control'], 'no-store');
    assert.equal(res.headers['access-control-allow-origin'], '*');
    const grant = JSON.parse(res.body);
    assert.equal(grant.url, janus.url);
    assert.ok(Math.abs(grant.expires - (Date.now() / 1000 + JANUS_TOKEN_TTL_S)) < 5);

    const client = await JanusClient.connect(grant.url);
    t.after(() => client.close());
    const videoroom = await client.attachVideoRoom(grant.token);
    assert.equal((await videoroom.message({ request: 'create', room: grant.room, signed_tokens: true })).videoroom, 'created');
    assert.equal((await videoroom.message({ request: 'join', ptype: 'publisher', room: grant.room, token: grant.roomToken })).videoroom, 'joined');
  });

  test('a non-member gets nothing: no token, a forged one, or one for other rooms', async (t) => {
    const { relay } = await setup(t, { secret, janusUrls: [janus.url], janusSecret });
    const base = `http://127.0.0.1:${relay.port}/sfu?room=invoice-42`;
    for (const url of [base, `${base}&token=forged`, `${base}&token=${await mintToken({ secret: 'another-secret-another-secret-another', rooms: '*', ttlSeconds: 60 })}`]) {
      const res = await httpGet(url);
      assert.equal(res.status, 401, url);
      assert.doesNotMatch(res.body, /"url"|roomToken/);
    }
    const other = await mintToken({ secret, rooms: ['ticket-7'], ttlSeconds: 60 });
    const res = await httpGet(`${base}&token=${other}`);
    assert.equal(res.status, 403);
    assert.doesNotMatch(res.body, /"url"|roomToken/);
    assert.equal((await httpGet(`http://127.0.0.1:${relay.port}/sfu?token=${other}`)).status, 400, 'no room named');
  });
});

describe('without --janus', () => {
  test('rooms stay mesh-only, and /sfu says so', async (t) => {
    const { relay } = await setup(t);
    const res = await httpGet(`http://127.0.0.1:${relay.port}/sfu?room=invoice-42`);
    assert.equal(res.status, 404);
    assert.match(JSON.parse(res.body).error, /no SFU: rooms stay mesh-only/);
  });

  test('parley-relay refuses --janus without --janus-secret, and a URL that is not ws:', async (t) => {
    await assert.rejects(spawnRelay(t, ['--janus', 'ws://127.0.0.1:1']), /--janus needs --janus-secret/);
    await assert.rejects(spawnRelay(t, ['--janus', 'http://127.0.0.1:1', '--janus-secret', 's']), /invalid --janus/);
    const { start } = await spawnRelay(t, ['--janus', 'ws://127.0.0.1:1,ws://127.0.0.1:2', '--janus-secret', 's']);
    assert.equal(start.janus, 2);
  });
});
