// @ts-check
// The relay's write path writes encoded frames straight to the TCP socket `ws` owns
// (`ws._socket`), a private field. `ws` is pinned to one version in package.json; these
// tests run against that version and fail loudly if a bump moves or changes what wire.js
// relies on: the field, that it is the connection's net.Socket, and that frames written
// there and frames `ws` writes itself arrive whole and in order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { WebSocket, WebSocketServer } from 'ws';
import { textFrame, writeFrame } from '../src/wire.js';

const require = createRequire(import.meta.url);

test('ws is the exact version wire.js was checked against', () => {
  const pinned = require('../../package.json').dependencies.ws;
  const installed = require('ws/package.json').version;
  assert.match(pinned, /^\d+\.\d+\.\d+$/, 'ws must stay pinned to one version: wire.js writes to its private _socket');
  assert.equal(installed, pinned, `installed ws ${installed} is not the pinned ${pinned}: re-run this file against the new version before changing the pin`);
});

test('frames written to ws._socket and by ws itself arrive whole and in order', async (t) => {
  const server = new WebSocketServer({ port: 0, perMessageDeflate: false });
  t.after(() => server.close());
  await once(server, 'listening');
  const address = /** @type {import('node:net').AddressInfo} */ (server.address());
  const accepted = once(server, 'connection');
  const client = new WebSocket(`ws://127.0.0.1:${address.port}`);
  t.after(() => client.terminate());
  const [socket] = /** @type {[WebSocket]} */ (await accepted);
  await once(client, 'open');

  const underlying = /** @type {any} */ (socket)._socket;
  assert.ok(underlying instanceof net.Socket, 'ws._socket is the connection\'s net.Socket');

  const received = /** @type {string[]} */ ([]);
  client.on('message', (data) => received.push(data.toString()));
  const sent = [];
  for (let i = 0; i < 200; i++) {
    // Small, 16-bit and 64-bit length headers, alternating with ws's own sends.
    const text = `${i}:` + 'x'.repeat([10, 300, 70_000][i % 3]);
    sent.push(text);
    if (i % 2) socket.send(text);
    else writeFrame(/** @type {any} */ (socket), textFrame(text));
  }
  const done = new Promise((resolve) => client.on('message', () => received.length === sent.length && resolve(undefined)));
  await done;
  assert.deepEqual(
    received.map((text) => text.length),
    sent.map((text) => text.length),
  );
  assert.deepEqual(received, sent);
});
