// One load-generator thread for bench/relay.mjs. It owns whole rooms (so a publish's send
// time and its arrival times are read on one clock), opens their sockets, subscribes, and
// on "go" has every client publish a ~250-byte signal at a fixed rate. It reports how many
// frames arrived for publishes sent inside the measured window, and their latencies.
// With a `secret` (Parley's relay), each client connects as its own person: a token for its
// room with its own `sub` and `name`, which the relay stamps on every publish, and its own
// address in X-Forwarded-For (the relay trusts loopback as its proxy), as a deployment
// behind a reverse proxy sees them.
import { parentPort, workerData } from 'node:worker_threads';
import { WebSocket } from 'ws';
import { mintToken } from '../signaling/src/auth.js';

const { urls, rooms, roomSize, rate, payloadBytes, connectConcurrency, secret, index } = workerData;
/** After the last send: report once nothing arrived for this long… */
const DRAIN_QUIET_MS = 500;
/** …or this long after the last send at the latest. */
const DRAIN_MAX_MS = 10_000;

/** @type {{ ws: WebSocket, topic: string, node: number, id: string }[]} */
const clients = [];
let latencies = new Float64Array(1 << 16);
let crossLatencies = new Float64Array(1 << 12);
let count = 0;
let crossCount = 0;
let received = 0;
let sentInWindow = 0;
let errors = 0;

const push = (arr, n, v) => {
  if (n === arr.length) {
    const bigger = new Float64Array(arr.length * 2);
    bigger.set(arr);
    arr = bigger;
  }
  arr[n] = v;
  return arr;
};

const PUBLISH = Buffer.from('{"type":"publish"');
const RECORDED = Buffer.from('"r":1');
const TIME = Buffer.from('"t":');
const NODE = Buffer.from('"n":');
const ERROR = Buffer.from('"error"');

/** Byte-level reading, so the generator's CPU goes to sockets, not to parsing. */
function onMessage(data, client) {
  if (data.indexOf(PUBLISH) !== 0) {
    if (data.indexOf(ERROR) >= 0) errors++;
    return;
  }
  received++;
  if (data.indexOf(RECORDED) < 0) return; // sent outside the measured window
  const at = data.indexOf(TIME) + TIME.length;
  const t = Number(data.toString('latin1', at, data.indexOf(44 /* , */, at)));
  const latency = performance.now() - t;
  latencies = push(latencies, count++, latency);
  const node = data[data.indexOf(NODE) + NODE.length] - 48;
  if (node !== client.node) crossLatencies = push(crossLatencies, crossCount++, latency);
}

async function connectAll() {
  const queue = [];
  rooms.forEach((room, r) => {
    for (let i = 0; i < roomSize; i++) queue.push({ topic: `bench-${room}`, node: i % urls.length, id: `${r}-${i}` });
  });
  let next = 0;
  let failed = 0;
  const open = async () => {
    while (next < queue.length) {
      const n = next;
      const spec = queue[next++];
      const options = { perMessageDeflate: false, skipUTF8Validation: true };
      let url = urls[spec.node];
      if (secret) {
        const token = await mintToken({
          secret, rooms: [spec.topic], ttlSeconds: 3600, subject: `bench-${index}-${spec.id}`, name: `Bench Person ${index}-${spec.id}`,
        });
        url += `/?token=${token}`;
        options.headers = { 'x-forwarded-for': `10.${index}.${(n >> 8) & 255}.${n & 255}` };
      }
      const ws = new WebSocket(url, options);
      const client = { ws, ...spec };
      ws.on('message', (data) => onMessage(data, client));
      ws.on('error', () => {});
      const ok = await new Promise((resolve) => {
        ws.once('open', () => resolve(true));
        ws.once('close', () => resolve(false));
      });
      if (!ok) { failed++; continue; }
      ws.send(JSON.stringify({ type: 'subscribe', topics: [spec.topic] }));
      clients.push(client);
    }
  };
  await Promise.all(Array.from({ length: connectConcurrency }, open));
  return failed;
}

/** A signal as Parley peers send them, padded to `payloadBytes` on the wire. */
function frame(client, t, recorded) {
  const head = `{"type":"publish","topic":"${client.topic}","data":{"type":"signal","from":"${client.id}","n":${client.node},"r":${recorded ? 1 : 0},"t":${t.toFixed(3)},"signal":{"candidate":"`;
  const tail = '"}}}';
  return head + 'x'.repeat(Math.max(0, payloadBytes - head.length - tail.length)) + tail;
}

parentPort.on('message', async (msg) => {
  if (msg.cmd === 'connect') {
    const failed = await connectAll();
    parentPort.postMessage({ cmd: 'connected', open: clients.length, failed });
  } else if (msg.cmd === 'go') {
    const { startAt, endAt, stopAt } = msg; // epoch ms: window start, window end, stop sending
    const interval = 1000 / rate;
    for (const client of clients) {
      // Spread clients evenly over the interval, as independent browsers would be.
      setTimeout(() => {
        const timer = setInterval(() => {
          const now = Date.now();
          if (now >= stopAt) return clearInterval(timer);
          if (client.ws.readyState !== WebSocket.OPEN) return;
          const recorded = now >= startAt && now < endAt;
          if (recorded) sentInWindow++;
          client.ws.send(frame(client, performance.now(), recorded));
        }, interval);
      }, Math.random() * interval);
    }
    // Report once the frames still in flight have landed: nothing new for DRAIN_QUIET_MS,
    // or DRAIN_MAX_MS after the last send (later ones count as lost, not as slow).
    const report = () => {
      parentPort.postMessage({
        cmd: 'result',
        received,
        sentInWindow,
        errors,
        closed: clients.filter((c) => c.ws.readyState !== WebSocket.OPEN).length,
        latencies: latencies.subarray(0, count),
        crossLatencies: crossLatencies.subarray(0, crossCount),
      });
    };
    setTimeout(() => {
      let seen = received;
      let quietSince = Date.now();
      const poll = setInterval(() => {
        if (received !== seen) {
          seen = received;
          quietSince = Date.now();
        }
        if (Date.now() - quietSince >= DRAIN_QUIET_MS || Date.now() - stopAt >= DRAIN_MAX_MS) {
          clearInterval(poll);
          report();
        }
      }, 50);
    }, stopAt - Date.now());
  } else if (msg.cmd === 'close') {
    for (const client of clients) client.ws.terminate();
    parentPort.postMessage({ cmd: 'closed' });
  }
});
