// Relay tests: real relays on ephemeral ports, real `ws` clients, real HTTP.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { WebSocket } from 'ws';
import { createRelay, MAX_FRAME_BYTES } from '../src/relay.js';
import { BIN, WAIT_MS, Client, within, setup, httpRequest, waitFor, isPublish, isError, spawnRelay } from '../testing/harness.js';
describe('protocol', () => {
  test('publish reaches every subscriber of the topic, sender included, with the subscriber count', async (t) => {
    const { connect } = await setup(t);
    const [a, b, c, outsider] = await Promise.all([connect(), connect(), connect(), connect()]);
    await Promise.all([a.subscribe('room', 'other'), b.subscribe('room'), c.subscribe('room'), outsider.subscribe('other')]);

    const sent = { type: 'publish', topic: 'room', data: { to: 'x', sdp: 'v=0', n: [1, 2] } };
    a.send(sent);
    for (const client of [a, b, c]) {
      assert.deepEqual(await client.next(isPublish, 'publish'), { ...sent, clients: 3 });
    }
    await outsider.sync();
    assert.deepEqual(outsider.drain(), []);
  });

  test('a publisher need not be subscribed; it then receives nothing back', async (t) => {
    const { connect } = await setup(t);
    const [sub, pub] = await Promise.all([connect(), connect()]);
    await sub.subscribe('room');
    pub.send({ type: 'publish', topic: 'room', x: 1, clients: 99 });
    assert.deepEqual(await sub.next(isPublish), { type: 'publish', topic: 'room', x: 1, clients: 1 });
    await pub.sync();
    assert.deepEqual(pub.drain(), []);
  });

  test('unsubscribe stops delivery and forgets the topic', async (t) => {
    const { connect, relay } = await setup(t);
    const [a, b] = await Promise.all([connect(), connect()]);
    await Promise.all([a.subscribe('room'), b.subscribe('room')]);
    assert.equal(relay.stats().topics, 1);

    b.send({ type: 'unsubscribe', topics: ['room', 'never-joined'] });
    await b.sync();
    a.send({ type: 'publish', topic: 'room', n: 1 });
    assert.equal((await a.next(isPublish)).clients, 1);
    await b.sync();
    assert.deepEqual(b.drain(), []);

    a.send({ type: 'unsubscribe', topics: ['room'] });
    await a.sync();
    assert.deepEqual(relay.stats(), { connections: 2, topics: 0 });
  });

  test('ping is answered with pong on that socket only', async (t) => {
    const { connect } = await setup(t);
    const [a, b] = await Promise.all([connect(), connect()]);
    a.send({ type: 'ping' });
    assert.deepEqual(await a.next(), { type: 'pong' });
    await b.subscribe(); // b's own ping: exactly one pong, consumed by sync
    assert.deepEqual([...a.drain(), ...b.drain()], []);
  });

  test('publish to a topic nobody subscribed to is a harmless no-op', async (t) => {
    const { connect, relay } = await setup(t);
    const a = await connect();
    a.send({ type: 'publish', topic: 'empty', x: 1 });
    await a.sync();
    assert.deepEqual(a.drain(), []);
    assert.deepEqual(relay.stats(), { connections: 1, topics: 0 });
  });

  test('topics named like Object.prototype members are ordinary topics', async (t) => {
    const { connect, relay } = await setup(t);
    const [a, b] = await Promise.all([connect(), connect()]);
    const names = ['__proto__', 'constructor', 'hasOwnProperty', 'toString', 'prototype'];
    await Promise.all([a.subscribe(...names), b.subscribe(...names)]);
    assert.equal(relay.stats().topics, names.length);
    for (const topic of names) {
      a.send({ type: 'publish', topic, x: topic });
      assert.deepEqual(await b.next(isPublish), { type: 'publish', topic, x: topic, clients: 2 });
    }
    await a.sync();
    a.drain(); // a's own copies of the publishes above
    b.send('{"type":"publish","topic":"__proto__","__proto__":{"polluted":true}}');
    const got = await a.next(isPublish);
    assert.deepEqual(Object.keys(got), ['type', 'topic', '__proto__', 'clients']);
    assert.equal(/** @type {any} */ ({}).polluted, undefined);
  });

  test('relayed frames of every WebSocket length class arrive intact (7-bit, 16-bit, 64-bit lengths)', async (t) => {
    const { connect } = await setup(t);
    const [a, b] = await Promise.all([connect(), connect()]);
    await b.subscribe('room');
    const skeleton = JSON.stringify({ type: 'publish', topic: 'room', pad: '' });
    // Relayed size = sent size + ',"clients":1' (12 bytes): just under and over each boundary.
    for (const relayed of [60, 125, 126, 127, 65_535, 65_536, MAX_FRAME_BYTES + 12]) {
      const pad = 'é'.repeat(Math.floor((relayed - 12 - skeleton.length) / 2)) + 'x'.repeat((relayed - 12 - skeleton.length) % 2);
      const sent = { type: 'publish', topic: 'room', pad };
      assert.equal(Buffer.byteLength(JSON.stringify(sent)) + 12, relayed);
      a.send(sent);
      assert.deepEqual(await b.next(isPublish), { ...sent, clients: 1 }, `${relayed} bytes`);
    }
  });

  test('topic length limit is inclusive', async (t) => {
    const { connect, relay } = await setup(t, { maxTopicLength: 8 });
    const a = await connect();
    await a.subscribe('x'.repeat(8));
    assert.equal(relay.stats().topics, 1);
    a.send({ type: 'subscribe', topics: ['y'.repeat(9)] });
    assert.equal((await a.next(isError)).reason, 'topics must be an array of topic names');
    a.send({ type: 'publish', topic: 'x'.repeat(9) });
    assert.equal((await a.next(isError)).reason, 'invalid topic');
    assert.equal(relay.stats().topics, 1);
  });

  test('a subscribe that would exceed the per-connection topic limit is refused whole', async (t) => {
    const { connect, relay } = await setup(t, { maxTopicsPerConnection: 3 });
    const a = await connect();
    await a.subscribe('t1', 't2');
    a.send({ type: 'subscribe', topics: ['t3', 't4'] });
    assert.equal((await a.next(isError)).reason, 'too many topics');
    assert.equal(relay.stats().topics, 2);
    await a.subscribe('t3', 't1', 't3'); // repeats count once
    assert.equal(relay.stats().topics, 3);
  });
});

describe('hostile input', () => {
  test('malformed frames are answered and dropped; others keep working and memory stays bounded', async (t) => {
    // The rate limit (tested on its own) would cut the flood below short.
    const { connect, relay } = await setup(t, { rateLimitBurst: 100_000 });
    const rssBefore = process.memoryUsage().rss;
    const [victimA, victimB, attacker] = await Promise.all([connect(), connect(), connect()]);
    await Promise.all([victimA.subscribe('room'), victimB.subscribe('room'), attacker.subscribe('nest')]);

    const deep = (/** @type {number} */ n) => '['.repeat(n) + ']'.repeat(n);
    /** @type {[string, string][]} frame → the error reason it must produce */
    const battery = [
      ['not json', 'invalid JSON'],
      ['{"type":"publish",', 'invalid JSON'],
      ['', 'invalid JSON'],
      ['null', 'message must be a JSON object'],
      ['42', 'message must be a JSON object'],
      ['"subscribe"', 'message must be a JSON object'],
      ['[{"type":"subscribe","topics":["room"]}]', 'message must be a JSON object'],
      ['{}', 'unknown message type'],
      ['{"type":"nope"}', 'unknown message type'],
      ['{"type":["subscribe"]}', 'unknown message type'],
      ['{"type":"subscribe"}', 'topics must be an array of topic names'],
      ['{"type":"subscribe","topics":"room"}', 'topics must be an array of topic names'],
      ['{"type":"subscribe","topics":{"0":"room","length":1}}', 'topics must be an array of topic names'],
      ['{"type":"subscribe","topics":["ok",1]}', 'topics must be an array of topic names'],
      ['{"type":"subscribe","topics":[null]}', 'topics must be an array of topic names'],
      ['{"type":"subscribe","topics":[""]}', 'topics must be an array of topic names'],
      ['{"type":"subscribe","topics":[["room"]]}', 'topics must be an array of topic names'],
      [`{"type":"subscribe","topics":["${'x'.repeat(257)}"]}`, 'topics must be an array of topic names'],
      [`{"type":"subscribe","topics":${deep(20000)}}`, 'topics must be an array of topic names'],
      ['{"type":"unsubscribe","topics":"room"}', 'topics must be an array of topic names'],
      ['{"type":"publish"}', 'invalid topic'],
      ['{"type":"publish","topic":7}', 'invalid topic'],
      ['{"type":"publish","topic":["room"]}', 'invalid topic'],
      ['{"type":"publish","topic":{"toString":"room"}}', 'invalid topic'],
      ['{"type":"publish","topic":""}', 'invalid topic'],
      ['{"type":"__proto__"}', 'unknown message type'],
      ['{"__proto__":{"type":"subscribe"},"topics":["room"]}', 'unknown message type'],
      ['{"type":"constructor","topics":["room"]}', 'unknown message type'],
      ['{"type":"subscribe","type":"bogus"}', 'unknown message type'],
      ['{"type":"subscribe","topics":[1e999]}', 'topics must be an array of topic names'],
      ['{"type":"PUBLISH","topic":"room"}', 'unknown message type'],
      ['\ufeff{"type":"ping"}', 'invalid JSON'],
      ['{"type":"ping"} trailing', 'invalid JSON'],
      [`{"type":"publish","topic":"${'\u{1F600}'.repeat(129)}"}`, 'invalid topic'],
      [`{${Array.from({ length: 3000 }, (_, i) => `"k${i}":${i}`).join(',')}}`, 'unknown message type'],
      [`{"type":"publish","topic":"nest","x":${deep(30000)}}`, 'message too deeply nested'],
      [deep(30000), 'message must be a JSON object'],
    ];
    for (const [frame, reason] of battery) {
      attacker.send(frame);
      const reply = await attacker.next(isError, `error for ${frame.slice(0, 40)}`);
      assert.deepEqual(reply, { type: 'error', reason }, `frame ${frame.slice(0, 40)}`);
    }

    // A flood of subscriptions: the first 100 topics are kept, every later one refused.
    for (let i = 0; i < 5000; i++) attacker.send({ type: 'subscribe', topics: [`flood-${i}`] });
    await attacker.sync();
    const refusals = attacker.drain().filter((m) => isError(m) && m.reason === 'too many topics');
    assert.equal(refusals.length, 5000 - 99); // 'nest' already took one of the 100 slots
    assert.deepEqual(relay.stats(), { connections: 3, topics: 1 + 100 });

    // Frames that end the offending socket, each with its close code.
    attacker.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    assert.equal((await attacker.closed).code, 1003);

    const badUtf8 = await connect();
    badUtf8.ws.send(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]), { binary: false });
    assert.equal((await badUtf8.closed).code, 1007);

    const huge = await connect();
    huge.send(JSON.stringify({ type: 'publish', topic: 'room', pad: 'x'.repeat(1024 * 1024) }));
    assert.equal((await huge.closed).code, 1009);

    const justOver = await connect();
    justOver.send('x'.repeat(MAX_FRAME_BYTES + 1));
    assert.equal((await justOver.closed).code, 1009);

    // Garbage on a raw TCP socket is answered with 400 by the HTTP layer.
    const raw = net.connect(relay.port, '127.0.0.1');
    raw.end('\x00\x01 not http at all\r\n\r\n');
    let answer = '';
    raw.on('data', (d) => (answer += d));
    await within(once(raw, 'close'), 'raw socket to close');
    assert.match(answer, /^HTTP\/1\.1 400/);

    // The relay is alive: health check, the victims, and two fresh clients.
    assert.deepEqual(await httpRequest(`http://127.0.0.1:${relay.port}/healthz`), { status: 200, body: 'ok' });
    victimA.send({ type: 'publish', topic: 'room', hello: 'b' });
    assert.equal((await victimB.next(isPublish)).hello, 'b');
    const [fresh1, fresh2] = await Promise.all([connect(), connect()]);
    await Promise.all([fresh1.subscribe('after'), fresh2.subscribe('after')]);
    fresh1.send({ type: 'publish', topic: 'after', hello: 'fresh' });
    assert.deepEqual(await fresh2.next(isPublish), { type: 'publish', topic: 'after', hello: 'fresh', clients: 2 });

    await waitFor(() => relay.stats().connections === 4, 'attackers to be gone');
    assert.deepEqual(relay.stats(), { connections: 4, topics: 2 }); // 'room' and 'after'
    const grownMb = (process.memoryUsage().rss - rssBefore) / 2 ** 20;
    assert.ok(grownMb < 200, `rss grew ${grownMb.toFixed(1)} MB`);
  });

  test('a client that stops reading is dropped instead of buffered without bound', async (t) => {
    const { connect, relay } = await setup(t, { maxBufferedBytes: 64 * 1024 });
    const [stalled, publisher] = await Promise.all([connect(), connect()]);
    await stalled.subscribe('room');
    stalled.ws.pause();
    const pad = 'x'.repeat(60 * 1024);
    for (let i = 0; i < 400 && relay.stats().connections === 2; i++) {
      publisher.send({ type: 'publish', topic: 'room', pad });
      if (i % 20 === 19) await publisher.sync();
    }
    await waitFor(() => relay.stats().connections === 1, 'stalled client to be dropped');
    assert.deepEqual(relay.stats(), { connections: 1, topics: 0 });
    await publisher.sync();
  });

  test('connections beyond maxConnections are refused with HTTP 503', async (t) => {
    const { connect, relay } = await setup(t, { maxConnections: 2 });
    await Promise.all([connect(), connect()]);
    const refused = new WebSocket(relay.url);
    refused.on('error', () => {}); // terminate() mid-handshake reports an error
    const [, res] = await within(once(refused, 'unexpected-response'), 'HTTP refusal');
    assert.equal(res.statusCode, 503);
    refused.terminate();
    assert.equal(relay.stats().connections, 2);
  });

  test('heartbeat drops a socket that does not answer pings and keeps one that does', async (t) => {
    const { connect, relay } = await setup(t, { heartbeatIntervalMs: 40 });
    const silent = await connect('/', { autoPong: false });
    const healthy = await connect();
    const { code } = await silent.closed;
    assert.equal(code, 1006); // terminated, no close frame
    await new Promise((r) => setTimeout(r, 200)); // several more heartbeats
    assert.equal(healthy.ws.readyState, WebSocket.OPEN);
    assert.equal(relay.stats().connections, 1);
  });
});

describe('server', () => {
  test('HTTP: /healthz answers ok, unknown paths and methods are 404', async (t) => {
    const { relay } = await setup(t);
    const base = `http://127.0.0.1:${relay.port}`;
    assert.deepEqual(await httpRequest(`${base}/healthz`), { status: 200, body: 'ok' });
    assert.deepEqual(await httpRequest(`${base}/healthz?probe=1`), { status: 200, body: 'ok' });
    assert.equal((await httpRequest(`${base}/`)).status, 404);
    assert.equal((await httpRequest(`${base}/nope`)).status, 404);
    assert.equal((await httpRequest(`${base}/healthz`, 'POST')).status, 404);
  });

  test('WebSocket upgrades are accepted on any path', async (t) => {
    const { connect } = await setup(t);
    const [a, b] = await Promise.all([connect('/'), connect('/some/room?x=1')]);
    await Promise.all([a.subscribe('r'), b.subscribe('r')]);
    a.send({ type: 'publish', topic: 'r' });
    assert.equal((await b.next(isPublish)).clients, 2);
  });

  test('logs: start line says the relay is open, one line per open and close, no query strings', async (t) => {
    const { connect, logs, relay } = await setup(t);
    const start = logs.find((e) => e.event === 'start');
    assert.equal(start?.url, relay.url);
    assert.equal(start?.auth, 'none');
    assert.match(String(start?.message), /no authentication/);

    const client = await connect('/?token=s3cret-value');
    client.ws.close(4000, 'bye');
    await client.closed;
    await waitFor(() => logs.some((e) => e.event === 'close'), 'close log line');
    assert.equal(logs.filter((e) => e.event === 'open').length, 1);
    assert.equal(logs.find((e) => e.event === 'close')?.code, 4000);
    assert.doesNotMatch(JSON.stringify(logs), /s3cret|token/);
  });

  test('closing sockets removes them from every topic', async (t) => {
    const { connect, relay } = await setup(t);
    const clients = await Promise.all([connect(), connect(), connect()]);
    await Promise.all(clients.map((c, i) => c.subscribe('shared', `own-${i}`)));
    assert.deepEqual(relay.stats(), { connections: 3, topics: 4 });
    clients[0].ws.close();
    clients[1].ws.terminate();
    await waitFor(() => relay.stats().connections === 1, 'two sockets to close');
    assert.deepEqual(relay.stats(), { connections: 1, topics: 2 });
    clients[2].ws.close();
    await waitFor(() => relay.stats().connections === 0, 'last socket to close');
    assert.deepEqual(relay.stats(), { connections: 0, topics: 0 });
  });

  test('close() says 1001 to clients, resolves, and stops listening', async (t) => {
    const { connect, relay } = await setup(t);
    const client = await connect();
    await client.subscribe('room');
    await relay.close();
    assert.equal((await client.closed).code, 1001);
    assert.equal(relay.server.listening, false);
    await assert.rejects(httpRequest(`http://127.0.0.1:${relay.port}/healthz`), { code: 'ECONNREFUSED' });
  });

  test('a port already in use rejects createRelay', async (t) => {
    const { relay } = await setup(t);
    await assert.rejects(createRelay({ port: relay.port, log: () => {} }), { code: 'EADDRINUSE' });
  });
});

describe('bin/parley-relay.js', () => {
  test('--help prints usage and exits 0', async () => {
    const child = spawn(process.execPath, [BIN, '--help']);
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const [code] = await within(once(child, 'exit'), 'exit');
    assert.equal(code, 0);
    assert.match(out, /Usage: parley-relay.*--port.*--host/s);
  });

  test('started without the memory flags it runs the relay as a child with them; exit codes and a vanished parent pass through', async (t) => {
    const relay = await spawnRelay(t);
    const children = () => readFileSync(`/proc/${relay.child.pid}/task/${relay.child.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
    const [pid] = children();
    assert.ok(pid, 'a child process runs the relay');
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    assert.ok(argv.includes('--max-semi-space-size=1') && argv.includes('--optimize-for-size'), argv.join(' '));
    assert.deepEqual((await httpRequest(`${relay.http}/healthz`)).status, 200);

    // The child's exit code is the command's: here it cannot listen on a port in use.
    const busy = spawn(process.execPath, [BIN, '--port', new URL(relay.url).port], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    busy.stderr.on('data', (d) => (stderr += d));
    const [code] = await within(once(busy, 'exit'), 'the second relay to give up');
    assert.equal(code, 1);
    assert.match(stderr, /cannot listen.*EADDRINUSE/);

    // Killed outright, the parent passes no signal on: the relay notices and stops anyway.
    relay.child.kill('SIGKILL');
    await waitFor(() => !existsSync(`/proc/${pid}`) || readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].startsWith('Z'), 'the relay to stop', 5000);
  });

  test('started with the memory flags (or its own values of them) it runs the relay itself', async (t) => {
    const child = spawn(process.execPath, ['--max-semi-space-size=2', '--no-optimize-for-size', BIN, '--port', '0'], { stdio: ['ignore', 'pipe', 'ignore'] });
    t.after(() => child.kill('SIGKILL'));
    await within(once(child.stdout, 'data'), 'the start line');
    assert.equal(readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim(), '');
  });

  test('starts, answers /healthz, and exits 0 on SIGTERM after closing sockets with 1001', async (t) => {
    const child = spawn(process.execPath, [BIN, '--port', '0'], { env: { ...process.env, PORT: '1' } });
    t.after(() => child.kill('SIGKILL'));
    const exited = once(child, 'exit');
    let out = '';
    child.stdout.setEncoding('utf8');
    const start = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no start line in ${out}`)), WAIT_MS);
      child.stdout.on('data', (chunk) => {
        out += chunk;
        const line = out.split('\n').find((l) => l.includes('"start"'));
        if (line) { clearTimeout(timer); resolve(JSON.parse(line)); }
      });
    });
    const url = new URL(start.url);
    assert.equal(url.hostname, '127.0.0.1');
    assert.notEqual(url.port, '1'); // --port wins over PORT

    assert.deepEqual(await httpRequest(`http://127.0.0.1:${url.port}/healthz`), { status: 200, body: 'ok' });
    const ws = new WebSocket(start.url);
    const client = new Client(ws);
    await within(once(ws, 'open'), 'connection to open');
    child.kill('SIGTERM');
    assert.equal((await client.closed).code, 1001);
    const [code, signal] = await within(exited, 'exit');
    assert.deepEqual({ code, signal }, { code: 0, signal: null });
  });
});
