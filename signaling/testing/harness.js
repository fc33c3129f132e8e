// The relay tests' harness, kept outside test/ so the test runner does not run it as a test:
// real relays on ephemeral ports, real `ws` clients, real HTTP, and the child processes
// (relay, redis-server, turnserver) some tests start.
import http from 'node:http';
import net from 'node:net';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { once } from 'node:events';
import { WebSocket } from 'ws';
import { createRelay } from '../src/relay.js';
export const BIN = fileURLToPath(new URL('../bin/parley-relay.js', import.meta.url));
export const WAIT_MS = 3000;

/**
 * Rejects if `promise` has not settled within WAIT_MS, so a broken relay fails a test
 * instead of hanging it.
 * @template T @param {Promise<T>} promise @param {string} what @returns {Promise<T>}
 */
export function within(promise, what) {
  /** @type {NodeJS.Timeout | undefined} */
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), WAIT_MS);
  });
  return /** @type {Promise<T>} */ (Promise.race([promise, timeout]).finally(() => clearTimeout(timer)));
}

/** A `ws` client that queues the JSON it receives so tests can await particular frames. */
export class Client {
  /** @param {WebSocket} ws */
  constructor(ws) {
    this.ws = ws;
    /** @type {any[]} */
    this.inbox = [];
    /** @type {{ match: (m: any) => boolean, resolve: (m: any) => void }[]} */
    this.waiters = [];
    ws.on('message', (data) => {
      const msg = JSON.parse(data.toString());
      const i = this.waiters.findIndex((w) => w.match(msg));
      if (i >= 0) this.waiters.splice(i, 1)[0].resolve(msg);
      else this.inbox.push(msg);
    });
    ws.on('error', () => {}); // the close event carries what the tests check
    /** @type {Promise<{ code: number, reason: string }>} */
    this.whenClosed = new Promise((resolve) => {
      ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
    });
  }

  /** Resolves with the close code once the socket has closed. */
  get closed() {
    return within(this.whenClosed, 'socket to close');
  }

  /** @param {unknown} msg */
  send(msg) {
    this.ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg));
  }

  /** Resolves with the first (queued or future) frame that matches. */
  next(match = (/** @type {any} */ _m) => true, what = 'a frame') {
    const i = this.inbox.findIndex(match);
    if (i >= 0) return Promise.resolve(this.inbox.splice(i, 1)[0]);
    return within(new Promise((resolve) => this.waiters.push({ match, resolve })), what);
  }

  /** Round-trips a ping: every frame the relay sent this socket before it has arrived. */
  async sync() {
    this.send({ type: 'ping' });
    await this.next((m) => m.type === 'pong', 'pong');
  }

  /** @param {string[]} topics */
  async subscribe(...topics) {
    this.send({ type: 'subscribe', topics });
    await this.sync();
  }

  /** Removes and returns every queued frame. */
  drain() {
    return this.inbox.splice(0);
  }
}

/**
 * Starts a relay for one test and closes it (and every client) afterwards.
 * @param {import('node:test').TestContext} t
 * @param {import('../src/relay.js').RelayOptions} [options]
 */
export async function setup(t, options = {}) {
  /** @type {Record<string, unknown>[]} */
  const logs = [];
  const relay = await createRelay({ port: 0, log: (e) => logs.push(e), ...options });
  /** @type {WebSocket[]} */
  const sockets = [];
  /** @param {string} [path] @param {import('ws').ClientOptions} [opts] */
  const connect = async (path = '/', opts = {}) => {
    const ws = new WebSocket(relay.url + path, opts);
    sockets.push(ws);
    const client = new Client(ws);
    await within(once(ws, 'open'), 'connection to open');
    return client;
  };
  t.after(async () => {
    for (const ws of sockets) ws.terminate();
    await relay.close();
  });
  return { relay, logs, connect };
}

/** @param {string} url @param {string} [method] @returns {Promise<{ status: number, body: string }>} */
export function httpRequest(url, method = 'GET') {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** @param {() => boolean | Promise<boolean>} condition @param {string} what @param {number} [timeoutMs] */
export async function waitFor(condition, what, timeoutMs = WAIT_MS) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export const isPublish = (/** @type {any} */ m) => m.type === 'publish';
export const isError = (/** @type {any} */ m) => m.type === 'error';


/**
 * A GET with request headers; resolves with status, body and response headers.
 * @param {string} url @param {Record<string, string>} [headers]
 * @returns {Promise<{ status: number, body: string, headers: http.IncomingHttpHeaders }>}
 */
export function httpGet(url, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * Tries a WebSocket upgrade that should be refused; resolves with the HTTP status.
 * @param {string} url @param {import('ws').ClientOptions} [opts] @returns {Promise<number>}
 */
export async function refusedStatus(url, opts = {}) {
  const ws = new WebSocket(url, opts);
  ws.on('error', () => {});
  const opened = once(ws, 'open').then(() => 101);
  const refused = once(ws, 'unexpected-response').then(([, res]) => res.statusCode);
  const status = await within(Promise.race([opened, refused]), 'upgrade answer');
  ws.terminate();
  return status;
}

/** A TCP port that was free a moment ago (for servers that cannot pick their own). */
export async function freePort() {
  const probe = net.createServer();
  await new Promise((resolve) => probe.listen(0, '127.0.0.1', () => resolve(undefined)));
  const { port } = /** @type {import('node:net').AddressInfo} */ (probe.address());
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/**
 * Spawns a process, kills it after the test (or suite), and resolves once a line of its
 * output matches `readyLine`.
 * @param {{ after: (fn: () => unknown) => void }} t
 * @param {string} command @param {string[]} args
 * @param {RegExp} readyLine @param {NodeJS.ProcessEnv} [env] @param {number} [timeoutMs]
 */
export async function spawnReady(t, command, args, readyLine, env = process.env, timeoutMs = WAIT_MS * 3) {
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = once(child, 'exit');
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  });
  let output = '';
  const line = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${command} did not start:\n${output}`)), timeoutMs);
    const onData = (/** @type {Buffer} */ chunk) => {
      output += chunk;
      const found = output.split('\n').find((l) => readyLine.test(l));
      if (found) {
        clearTimeout(timer);
        resolve(found);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${command} exited (${code}):\n${output}`)));
  });
  return { child, line, exited, output: () => output };
}

/**
 * Starts `parley-relay` as a child process; resolves with its URL and start-up log entry.
 * @param {{ after: (fn: () => unknown) => void }} t @param {string[]} [args] @param {NodeJS.ProcessEnv} [env]
 */
export async function spawnRelay(t, args = [], env = {}) {
  const proc = await spawnReady(t, process.execPath, [BIN, '--port', '0', ...args], /"event":"start"/, { ...process.env, ...env });
  const start = JSON.parse(proc.line);
  const url = /** @type {string} */ (start.url);
  return { ...proc, start, url, http: url.replace(/^ws/, 'http') };
}

/**
 * Connects a Client to any relay URL (no setup()); closed when the test ends.
 * @param {{ after: (fn: () => unknown) => void }} t @param {string} url @param {import('ws').ClientOptions} [opts]
 */
export async function connectTo(t, url, opts = {}) {
  const ws = new WebSocket(url, opts);
  t.after(() => ws.terminate());
  const client = new Client(ws);
  await within(once(ws, 'open'), 'connection to open');
  return client;
}
