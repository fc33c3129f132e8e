// Scale-out, end to end: a real redis-server and two relay processes sharing a room over it.
// Ada (Chromium) is on node 1, Bob (Firefox) on node 2, in a call and editing the form.
// Node 2 is killed outright (SIGKILL: no goodbye to Redis, no close frames). The call and
// the form go on peer to peer; Bob's client reconnects once node 2 is back on the same
// port (the client has one relay URL and retries it: it does not move to another node),
// and a newcomer on node 1 then reaches Bob through Redis.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BIN, freePort, spawnReady } from '../../signaling/testing/harness.js';
import { serveStatic } from '../../scripts/serve.mjs';
import {
  closePages,
  connectedPeers,
  fieldValue,
  freshRoom,
  join,
  keepsPlaying as keepsPlayingWithin,
  launchAll,
  openDemo,
  playingRemoteVideos,
  waitUntil,
} from './harness.mjs';

const REDIS_SERVER = '/usr/bin/redis-server';

/** Within 15 s: a relay node dying makes the machine busy for a moment. */
const keepsPlaying = (page) => keepsPlayingWithin(page, 15000);

async function typeAtEnd(page, selector, text) {
  await page.click(selector);
  await page.keyboard.press('End');
  await page.keyboard.type(text, { delay: 10 });
}

describe('a relay node killed while two nodes share a room over Redis', () => {
  const cleanups = [];
  const suite = { after: (fn) => cleanups.push(fn) };
  let redisUrl;
  let web;
  let browsers = [];

  /**
   * One relay process on `port` (the memory flags given, so it is one process and SIGKILL
   * ends the relay itself), resolved once it is connected to Redis both ways.
   */
  async function startNode(port) {
    const node = await spawnReady(
      suite,
      process.execPath,
      ['--max-semi-space-size=1', '--optimize-for-size', BIN, '--port', String(port), '--redis', redisUrl],
      /"event":"start"/,
      process.env,
      60_000,
    );
    await waitUntil(
      () => node.output().includes('"role":"sub","status":"ready"') && node.output().includes('"role":"pub","status":"ready"'),
      'the node to be connected to Redis',
      60_000,
    );
    return { ...node, url: `ws://127.0.0.1:${port}` };
  }

  before(async () => {
    const redisPort = await freePort();
    await spawnReady(suite, REDIS_SERVER, ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], /Ready to accept connections/, process.env, 60_000);
    redisUrl = `redis://127.0.0.1:${redisPort}`;
    web = await serveStatic({ port: 0 });
    browsers = await launchAll(['chromium', 'firefox']);
  });

  after(async () => {
    await Promise.all(browsers.map((browser) => browser.close().catch(() => {})));
    web?.server.close();
    for (const fn of cleanups.reverse()) await fn();
  });

  it('the call and the form go on; Bob reconnects to the restarted node and a newcomer on node 1 reaches him', { timeout: 180_000 }, async (t) => {
    const [port1, port2] = [await freePort(), await freePort()];
    const node1 = await startNode(port1);
    let node2 = await startNode(port2);
    const room = freshRoom('e2e-redis-node');
    const demo = (name, relay) => `${web.url}/demo/?${new URLSearchParams({ room, name, signaling: relay.url })}`;
    const [chromium, firefox] = browsers;
    const [a, b] = await Promise.all([openDemo(chromium, demo('Ada', node1)), openDemo(firefox, demo('Bob', node2))]);
    let carol;
    t.after(() => closePages(a, b, carol));

    // Ada and Bob found each other across the two nodes, and are in a call.
    await waitUntil(async () => (await connectedPeers(a)) === 1 && (await connectedPeers(b)) === 1, 'Ada and Bob to connect across nodes', 30_000);
    await Promise.all([join(a), join(b)]);
    await waitUntil(async () => (await playingRemoteVideos(a)) === 1, 'Bob’s video on Ada’s page', 60_000);
    await waitUntil(async () => (await playingRemoteVideos(b)) === 1, 'Ada’s video on Bob’s page', 60_000);

    // Node 2 dies outright.
    node2.child.kill('SIGKILL');
    await node2.exited;
    assert.equal(node2.child.signalCode, 'SIGKILL');

    // The form keeps syncing both ways, and both videos keep playing, with node 2 down.
    await typeAtEnd(a, '#notes', ' Ada, node 2 down.');
    await typeAtEnd(b, '#number', '-BOB');
    await waitUntil(async () => (await fieldValue(b, '#notes')).endsWith('Ada, node 2 down.'), 'Ada’s edit on Bob’s page', 20_000);
    await waitUntil(async () => (await fieldValue(a, '#number')) === 'INV-2026-0042-BOB', 'Bob’s edit on Ada’s page', 20_000);
    assert.ok(await keepsPlaying(a), 'Bob’s video keeps playing on Ada’s page');
    assert.ok(await keepsPlaying(b), 'Ada’s video keeps playing on Bob’s page');
    assert.equal(await connectedPeers(a), 1);
    assert.equal(await connectedPeers(b), 1);

    // Node 2 comes back on the same port; Bob's client reconnects to it.
    node2 = await startNode(port2);
    await waitUntil(() => /"event":"open"/.test(node2.output()), 'Bob’s client to reconnect to node 2', 30_000);

    // Carol opens the page on node 1: only Redis can carry her hello to Bob, and his to her.
    carol = await openDemo(chromium, demo('Carol', node1));
    await waitUntil(async () => (await connectedPeers(carol)) === 2, 'Carol to connect to Ada and Bob', 30_000);
    await waitUntil(async () => (await connectedPeers(b)) === 2, 'Bob to connect to Carol', 30_000);
    // She gets the edits made while node 2 was down, and Bob's next edit reaches her.
    await waitUntil(async () => (await fieldValue(carol, '#number')) === 'INV-2026-0042-BOB', 'Bob’s edit on Carol’s page', 20_000);
    await typeAtEnd(b, '#notes', ' Bob is back.');
    await waitUntil(async () => (await fieldValue(carol, '#notes')).endsWith('Ada, node 2 down. Bob is back.'), 'Bob’s new edit on Carol’s page', 20_000);
    assert.ok(await keepsPlaying(a), 'the call is still up on Ada’s page');
    assert.ok(await keepsPlaying(b), 'the call is still up on Bob’s page');
    assert.equal(node1.child.exitCode, null, 'node 1 never stopped');
    // Firefox reports each refused WebSocket attempt while node 2 was down as a page error:
    // those are the browser's, expected here; anything else is not.
    const refused = /can’t establish a connection to the server at ws:/;
    assert.deepEqual([...a.parleyErrors, ...b.parleyErrors, ...carol.parleyErrors].filter((e) => !refused.test(e.message)), []);
  });
});
