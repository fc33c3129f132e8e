// `npm run bench:relay`: Parley's relay against y-webrtc's stock bin/server.js, same load,
// same machine, loopback only, in one invocation. Both servers run as child processes; the
// load generator runs in worker threads (bench/relay-worker.mjs) that own whole rooms.
//
//   load   CLIENTS clients in rooms of ROOM_SIZE, each publishing a PAYLOAD-byte signal
//          RATE times a second. Both servers deliver a publish to every subscriber of the
//          room, the sender included; latency is send → arrival, over every delivery of a
//          publish sent inside the WINDOW seconds after a WARMUP. Server CPU is read from
//          /proc/<pid>/stat over the same window.
//   idle   IDLE_CLIENTS connections, each subscribed to a room, held for a few seconds:
//          server RSS growth per connection (/proc/<pid>/status), and whether all stay open.
//   redis  the load again with two Parley relays over a real redis-server, two clients of
//          each room on each relay: latency of the deliveries that crossed nodes.
//
// Parley runs as deployed: auth ON (every client presents its own JWT for its room, with a
// `sub` and a `name` that the relay stamps on every publish it delivers), behind a "proxy"
// (loopback is trusted, each client names its own address in X-Forwarded-For), with its
// default limits (20 msg/s per connection with bursts of 100, 10,000 connections, 64 per
// address, 16 per identity), started as the plain `parley-relay` command, which runs the
// relay in a child process with its memory flags (CPU is summed over both, RSS is the
// child's).
// Env: CLIENTS=1000 IDLE_CLIENTS=10000 WINDOW=10 WARMUP=2 RATE=20 ROOM_SIZE=4 PAYLOAD=250
//      WORKERS=2 ROUNDS=3 ONLY=load,idle,redis SERVERS=y-webrtc,parley
//      PROFILE=<dir>: each server writes a V8 CPU profile there (--cpu-prof) when it exits
//      RELAY_NODE_FLAGS='--max-semi-space-size=1 --optimize-for-size' (Node flags for Parley's relay, which
//      then runs in one process; default none, as `npx parley-relay` runs. y-webrtc's server always runs
//      with Node's defaults, as it ships)
// The load runs ROUNDS times per server, alternating, and the medians are compared: on a
// shared machine one run alone says more about the neighbours than about the server.
// "sent × room size" is what the generator actually got out in the window (a starved
// machine sends less than the target); delivered is what arrived of it, late frames included
// (each thread waits for the stream to go quiet, at most 10 s, before reporting).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { once } from 'node:events';
import os from 'node:os';
import { freePort } from '../signaling/testing/harness.js';

const env = (name, fallback) => Number(process.env[name] ?? fallback);
const CLIENTS = env('CLIENTS', 1000);
const IDLE_CLIENTS = env('IDLE_CLIENTS', 10_000);
const WINDOW_S = env('WINDOW', 10);
const WARMUP_S = env('WARMUP', 2);
const RATE = env('RATE', 20);
const ROOM_SIZE = env('ROOM_SIZE', 4);
const PAYLOAD = env('PAYLOAD', 250);
const WORKERS = env('WORKERS', 2);
const ROUNDS = env('ROUNDS', 3);
const ONLY = new Set((process.env.ONLY ?? 'load,idle,redis').split(','));
const SERVERS = (process.env.SERVERS ?? 'y-webrtc,parley').split(',');
const PROFILE = process.env.PROFILE ? ['--cpu-prof', '--cpu-prof-dir', process.env.PROFILE] : [];
/** y-webrtc's server has no SIGTERM handler, and a process killed by a signal writes no profile. */
const EXIT_ON_SIGTERM = ['--import', "data:text/javascript,process.once('SIGTERM',()=>process.exit(0))"];
const SECRET = 'bench-secret-bench-secret-bench-secret!';
/** Node flags given to Parley's relay. None by default: the command adds its own memory flags
 * (signaling/README.md) by running the relay as a child process. */
const RELAY_NODE_FLAGS = (process.env.RELAY_NODE_FLAGS ?? '').split(' ').filter(Boolean);
const CLK_TCK = 100; // Linux USER_HZ
const root = fileURLToPath(new URL('..', import.meta.url));
const Y_WEBRTC_SERVER = `${root}node_modules/y-webrtc/bin/server.js`;
const PARLEY_RELAY = `${root}signaling/bin/parley-relay.js`;
const REDIS_SERVER = '/usr/bin/redis-server';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** CPU time of processes, in seconds: `total` (utime + stime) and `kernel` (stime), summed. */
function cpuSeconds(pids) {
  let total = 0;
  let kernel = 0;
  for (const pid of pids) {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    total += (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
    kernel += Number(fields[12]) / CLK_TCK;
  }
  return { total, kernel };
}

function rssBytes(pid) {
  return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) * 1024;
}

/** Starts a child process and waits until its TCP port accepts connections. */
async function startProcess(command, args, port, extraEnv = {}) {
  const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, ...extraEnv } });
  for (let i = 0; i < 100; i++) {
    const up = await new Promise((resolve) => {
      const socket = new net.Socket();
      socket.once('connect', () => { socket.destroy(); resolve(true); });
      socket.once('error', () => resolve(false));
      socket.connect(port, '127.0.0.1');
    });
    if (up) return child;
    if (child.exitCode !== null) break;
    await sleep(50);
  }
  child.kill('SIGKILL');
  throw new Error(`${command} ${args.join(' ')} did not start on port ${port}`);
}

async function stopProcess(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/** The processes a started command runs as: itself, and the children it started. */
function processTree(pid) {
  let children = [];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {}
  return [pid, ...children.flatMap(processTree)];
}

/**
 * Starts one server of `kind`; resolves with its child process, the pids to charge CPU to,
 * the pid whose RSS is the server's, and the URL and token secret clients use.
 */
async function startServer(kind, { redis } = {}) {
  const port = await freePort();
  if (kind === 'y-webrtc') {
    const child = await startProcess(process.execPath, [...PROFILE, ...(PROFILE.length ? EXIT_ON_SIGTERM : []), Y_WEBRTC_SERVER], port, { PORT: String(port) });
    return { child, pids: [child.pid], rssPid: child.pid, url: `ws://127.0.0.1:${port}`, secret: null };
  }
  const args = [...RELAY_NODE_FLAGS, ...PROFILE, PARLEY_RELAY, '--port', String(port), '--secret', SECRET, '--trusted-proxy', '127.0.0.1',
    ...(redis ? ['--redis', redis] : [])];
  const child = await startProcess(process.execPath, args, port);
  const pids = processTree(child.pid);
  return { child, pids, rssPid: pids.at(-1), url: `ws://127.0.0.1:${port}`, secret: SECRET };
}

/** Spawns the worker threads, dealing whole rooms out to them, and connects every client. */
async function startLoad(urls, clients, secret) {
  const roomCount = Math.ceil(clients / ROOM_SIZE);
  const workers = [];
  for (let w = 0; w < WORKERS; w++) {
    const rooms = [];
    for (let r = w; r < roomCount; r += WORKERS) rooms.push(r);
    workers.push(new Worker(new URL('./relay-worker.mjs', import.meta.url), {
      workerData: { urls, rooms, roomSize: ROOM_SIZE, rate: RATE, payloadBytes: PAYLOAD, connectConcurrency: 50, secret, index: w },
    }));
  }
  const ask = (worker, msg, reply) => {
    const answer = new Promise((resolve) => worker.on('message', function on(m) {
      if (m.cmd === reply) { worker.off('message', on); resolve(m); }
    }));
    worker.postMessage(msg);
    return answer;
  };
  const connected = await Promise.all(workers.map((w) => ask(w, { cmd: 'connect' }, 'connected')));
  return {
    open: connected.reduce((n, c) => n + c.open, 0),
    failed: connected.reduce((n, c) => n + c.failed, 0),
    go: (timing) => Promise.all(workers.map((w) => ask(w, { cmd: 'go', ...timing }, 'result'))),
    async close() {
      await Promise.all(workers.map((w) => ask(w, { cmd: 'close' }, 'closed')));
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}

function percentile(sorted, p) {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN;
}

function merge(results, key) {
  const all = new Float64Array(results.reduce((n, r) => n + r[key].length, 0));
  let at = 0;
  for (const r of results) { all.set(r[key], at); at += r[key].length; }
  return all.sort();
}

/** Runs the load against already started servers; CPU is summed over `pids`. */
async function runLoad(urls, pids, clients, secret) {
  const load = await startLoad(urls, clients, secret);
  await sleep(1000);
  const startAt = Date.now() + WARMUP_S * 1000;
  const endAt = startAt + WINDOW_S * 1000;
  const cpu = {};
  setTimeout(() => {
    cpu.start = cpuSeconds(pids);
    cpu.generatorStart = cpuSeconds([process.pid]).total;
  }, startAt - Date.now());
  setTimeout(() => {
    cpu.end = cpuSeconds(pids);
    cpu.generatorEnd = cpuSeconds([process.pid]).total;
  }, endAt - Date.now());
  const results = await load.go({ startAt, endAt, stopAt: endAt + 200 });
  await load.close();
  const latencies = merge(results, 'latencies');
  const cross = merge(results, 'crossLatencies');
  const delivered = latencies.length;
  const cpuSpent = cpu.end.total - cpu.start.total;
  return {
    open: load.open,
    failed: load.failed,
    closedDuringRun: results.reduce((n, r) => n + r.closed, 0),
    errors: results.reduce((n, r) => n + r.errors, 0),
    deliveredPerSecond: delivered / WINDOW_S,
    expectedPerSecond: clients * RATE * ROOM_SIZE,
    sentPerSecond: (results.reduce((n, r) => n + r.sentInWindow, 0) * ROOM_SIZE) / WINDOW_S,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    crossP50: percentile(cross, 50),
    crossP99: percentile(cross, 99),
    crossCount: cross.length,
    cpuPer1000: (cpuSpent / delivered) * 1000,
    cpuPercent: (cpuSpent / WINDOW_S) * 100,
    kernelShare: (cpu.end.kernel - cpu.start.kernel) / cpuSpent,
    generatorPercent: ((cpu.generatorEnd - cpu.generatorStart) / WINDOW_S) * 100,
  };
}

async function loadScenario(kind) {
  const server = await startServer(kind);
  try {
    return await runLoad([server.url], server.pids, CLIENTS, server.secret);
  } finally {
    await stopProcess(server.child);
  }
}

async function idleScenario(kind) {
  const server = await startServer(kind);
  try {
    await sleep(1000);
    const before = rssBytes(server.rssPid);
    const load = await startLoad([server.url], IDLE_CLIENTS, server.secret);
    await sleep(3000);
    const after = rssBytes(server.rssPid);
    await sleep(2000);
    const alive = server.child.exitCode === null;
    await load.close();
    return { open: load.open, failed: load.failed, alive, perConnection: (after - before) / load.open };
  } finally {
    await stopProcess(server.child);
  }
}

async function redisScenario() {
  const port = await freePort();
  const redis = await startProcess(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], port);
  const url = `redis://127.0.0.1:${port}`;
  const nodes = [];
  try {
    nodes.push(await startServer('parley', { redis: url }), await startServer('parley', { redis: url }));
    await sleep(500);
    return await runLoad(nodes.map((n) => n.url), [...nodes.flatMap((n) => n.pids), redis.pid], CLIENTS, SECRET);
  } finally {
    for (const node of nodes) await stopProcess(node.child);
    await stopProcess(redis);
  }
}

const ms = (v) => (Number.isFinite(v) ? `${v.toFixed(2)} ms` : 'n/a');
const num = (v) => Math.round(v).toLocaleString('en-US');

console.log(`relay benchmark: ${CLIENTS} clients, rooms of ${ROOM_SIZE}, ${PAYLOAD}-byte signals at ${RATE}/s each, ` +
  `${WINDOW_S} s window after ${WARMUP_S} s warm-up, ${WORKERS} load threads; Node ${process.version}, ` +
  `${os.cpus().length} CPUs, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}; ` +
  `Parley relay: auth on (a token per client, identity stamped), default limits, ` +
  `${RELAY_NODE_FLAGS.length ? `node ${RELAY_NODE_FLAGS.join(' ')}` : 'the plain command (it adds its memory flags)'}\n`);
const median = (values) => {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  return sorted.length ? sorted[Math.floor((sorted.length - 1) / 2)] : NaN;
};
const loadLine = (label, r) =>
  `${label}: ${num(r.deliveredPerSecond)} delivered msgs/s (of ${num(r.sentPerSecond)} sent × room size; target ${num(r.expectedPerSecond)}), ` +
  `p50 ${ms(r.p50)}, p99 ${ms(r.p99)}, server CPU ${r.cpuPer1000.toFixed(4)} s per 1,000 delivered (${r.cpuPercent.toFixed(0)}% of a core, ${(r.kernelShare * 100).toFixed(0)}% of it in the kernel)` +
  (r.generatorPercent !== undefined ? `, load generator ${r.generatorPercent.toFixed(0)}% of a core` : '') +
  (r.failed || r.closedDuringRun || r.errors ? `; ${r.failed} failed to connect, ${r.closedDuringRun} closed, ${r.errors} error frames` : '');
const load = {};
if (ONLY.has('load')) {
  const runs = Object.fromEntries(SERVERS.map((kind) => [kind, []]));
  for (let round = 1; round <= ROUNDS; round++) {
    for (const kind of SERVERS) {
      const r = await loadScenario(kind);
      runs[kind].push(r);
      console.log(loadLine(`${kind.padEnd(9)} load, round ${round}`, r));
    }
  }
  console.log('');
  for (const kind of SERVERS) {
    const pick = (key) => median(runs[kind].map((r) => r[key]));
    load[kind] = {
      deliveredPerSecond: pick('deliveredPerSecond'),
      expectedPerSecond: runs[kind][0].expectedPerSecond,
      sentPerSecond: pick('sentPerSecond'),
      p50: pick('p50'),
      p99: pick('p99'),
      cpuPer1000: pick('cpuPer1000'),
      cpuPercent: pick('cpuPercent'),
      kernelShare: pick('kernelShare'),
    };
    console.log(loadLine(`${kind.padEnd(9)} load, median of ${ROUNDS}`, load[kind]));
  }
  console.log('');
}
const idle = {};
if (ONLY.has('idle')) {
  for (const kind of SERVERS) {
    const r = (idle[kind] = await idleScenario(kind));
    console.log(`${kind.padEnd(9)} idle: ${num(r.open)} of ${num(IDLE_CLIENTS)} connections held${r.alive ? '' : ' (server DIED)'}, ` +
      `${(r.perConnection / 1024).toFixed(2)} KB RSS per idle connection`);
  }
}
if (ONLY.has('redis')) {
  const r = await redisScenario();
  console.log(`parley over redis (2 relays): ${num(r.deliveredPerSecond)} delivered msgs/s (of ${num(r.sentPerSecond)} sent × room size), cross-node p50 ${ms(r.crossP50)}, ` +
    `p99 ${ms(r.crossP99)} (${num(r.crossCount / WINDOW_S)} cross-node deliveries/s); all deliveries p50 ${ms(r.p50)}, p99 ${ms(r.p99)}`);
}

console.log('\ngoals (Parley vs y-webrtc at these loads):');
const verdict = (ok) => (ok ? 'met' : 'NOT met');
if (load.parley && load['y-webrtc']) {
  const cpuRatio = load.parley.cpuPer1000 / load['y-webrtc'].cpuPer1000;
  const p99Ratio = load.parley.p99 / load['y-webrtc'].p99;
  console.log(`  CPU per delivered message: ${cpuRatio.toFixed(2)}× y-webrtc's (goal ≤ 0.60, with auth and identity stamping on): ${verdict(cpuRatio <= 0.6)}`);
  console.log(`  p99 latency: ${p99Ratio.toFixed(2)}× y-webrtc's (goal ≤ 0.50): ${verdict(p99Ratio <= 0.5)}`);
}
if (idle.parley) {
  console.log(`  RSS per idle connection: ${(idle.parley.perConnection / 1024).toFixed(2)} KB (goal ≤ 5 KB): ${verdict(idle.parley.perConnection <= 5 * 1024)}`);
  console.log(`  idle connections held: ${num(idle.parley.open)} (goal 10,000): ${verdict(idle.parley.open >= 10_000 && idle.parley.alive)}`);
}
