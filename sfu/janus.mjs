// @ts-check
/**
 * Starts and stops a Janus configured for Parley: the configuration is generated from the
 * templates beside this file (janus/*.jcfg) into a temporary folder, with plugin and
 * transport folders that hold only the VideoRoom plugin and the WebSocket transport, so
 * Janus starts fast and listens nowhere else. Every Janus request needs a token signed with
 * `secret` (signaling/src/janus.js signs them; the relay shares the secret). Used by
 * `npm run sfu` (scripts/sfu.mjs), the relay tests and the browser tests.
 */
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';

export const JANUS_BIN = process.env.JANUS_PATH ?? '/usr/bin/janus';
/** Where Debian's janus package puts its plugins and transports. */
export const JANUS_LIB = process.env.JANUS_LIB ?? '/usr/lib/x86_64-linux-gnu/janus';
/** The only modules Parley loads. */
const PLUGIN = 'libjanus_videoroom.so';
const TRANSPORT = 'libjanus_websockets.so';
/** How long Janus may take to answer its first `info` before we give up on it. */
export const JANUS_START_TIMEOUT_MS = 15_000;
/** How long Janus may take to stop after SIGTERM before it is killed. */
export const JANUS_STOP_TIMEOUT_MS = 5_000;
/** The WebSocket subprotocol of the Janus API. */
export const JANUS_PROTOCOL = 'janus-protocol';
/** Lines of Janus's own log kept to explain a failed start. */
const LOG_TAIL_LINES = 40;

const TEMPLATES = fileURLToPath(new URL('./janus/', import.meta.url));

/**
 * @typedef {object} JanusOptions
 * @property {string} secret token_auth_secret: the relay signs Janus tokens with it.
 * @property {number} [port] WebSocket port; 0 (the default) picks a free one.
 * @property {string} [host] Address the WebSocket listens on. Default 127.0.0.1.
 * @property {string} [rtpPorts] UDP range for media, "min-max". Default 20000-40000.
 * @property {number} [debugLevel] Janus log level 0-7. Default 3 (errors and warnings).
 * @property {(line: string) => void} [onLog] Receives Janus's log, line by line.
 *
 * @typedef {object} Janus
 * @property {string} url ws://host:port
 * @property {number} port
 * @property {number} pid
 * @property {Promise<void>} exited settles when the Janus process has ended.
 * @property {() => Promise<void>} close SIGTERM, SIGKILL after JANUS_STOP_TIMEOUT_MS; the
 *   temporary folder is removed.
 */

/** Whether the janus binary is installed. */
export function janusInstalled() {
  return existsSync(JANUS_BIN);
}

/**
 * Starts Janus and resolves once it answers `info` on its WebSocket.
 * @param {JanusOptions} options
 * @returns {Promise<Janus>}
 */
export async function startJanus({ secret, port = 0, host = '127.0.0.1', rtpPorts = '20000-40000', debugLevel = 3, onLog }) {
  if (typeof secret !== 'string' || !secret || /["\\\n\r]/.test(secret)) {
    throw new TypeError('the Janus secret must be a non-empty string without quotes, backslashes or line breaks');
  }
  if (!/^\d+-\d+$/.test(rtpPorts)) throw new TypeError(`rtpPorts must be "min-max", not ${rtpPorts}`);
  if (!janusInstalled()) throw new Error(`janus is not installed at ${JANUS_BIN} (Debian: apt-get install janus)`);
  const wsPort = port || (await freePort(host));
  const dir = writeConfig({ secret, port: wsPort, host, rtpPorts, debugLevel });
  // With setpriv, Janus gets SIGTERM if we die without stopping it: no orphan.
  const [command, args] = withParentDeathSignal(JANUS_BIN, ['--configs-folder', join(dir, 'conf'), '--config', join(dir, 'conf', 'janus.jcfg'), '--disable-colors']);
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  /** @type {string[]} */
  const tail = [];
  const log = (/** @type {Buffer} */ chunk) => {
    for (const line of chunk.toString().split('\n')) {
      if (!line.trim()) continue;
      tail.push(line);
      if (tail.length > LOG_TAIL_LINES) tail.shift();
      onLog?.(line);
    }
  };
  child.stdout.on('data', log);
  child.stderr.on('data', log);
  const exited = new Promise((resolve) => child.once('exit', resolve)).then(() => rmSync(dir, { recursive: true, force: true }));
  const url = `ws://${host.includes(':') ? `[${host}]` : host}:${wsPort}`;

  const close = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), JANUS_STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    }
    await exited;
  };

  const failed = exited.then(() => {
    throw new Error(`janus exited before it was ready:\n${tail.join('\n')}`);
  });
  try {
    await Promise.race([answersInfo(url), failed]);
  } catch (err) {
    await close();
    throw err;
  }
  failed.catch(() => {}); // it exits later, on close(): not an error then
  return { url, port: wsPort, pid: /** @type {number} */ (child.pid), exited, close };
}

/**
 * Fills the templates in a new 0700 temporary folder: conf/ (the .jcfg files), plugins/ and
 * transports/ (a link to the one module each needs), empty/ (no event handlers or loggers).
 * @param {{ secret: string, port: number, host: string, rtpPorts: string, debugLevel: number }} values
 */
function writeConfig(values) {
  const dir = mkdtempSync(join(tmpdir(), 'parley-janus-'));
  try {
    fill(dir, values);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return dir;
}

/** @param {string} dir @param {{ secret: string, port: number, host: string, rtpPorts: string, debugLevel: number }} values */
function fill(dir, { secret, port, host, rtpPorts, debugLevel }) {
  chmodSync(dir, 0o700);
  const paths = { CONFIGS: join(dir, 'conf'), PLUGINS: join(dir, 'plugins'), TRANSPORTS: join(dir, 'transports'), EMPTY: join(dir, 'empty') };
  for (const path of Object.values(paths)) mkdirSync(path);
  symlinkSync(join(JANUS_LIB, 'plugins', PLUGIN), join(paths.PLUGINS, PLUGIN));
  symlinkSync(join(JANUS_LIB, 'transports', TRANSPORT), join(paths.TRANSPORTS, TRANSPORT));
  /** @type {Record<string, string>} */
  const filled = { ...paths, SECRET: secret, PORT: String(port), HOST: host, RTP_PORTS: rtpPorts, DEBUG_LEVEL: String(debugLevel) };
  for (const name of readdirSync(TEMPLATES).filter((n) => n.endsWith('.jcfg'))) {
    const text = readFileSync(join(TEMPLATES, name), 'utf8').replace(/\{\{(\w+)\}\}/g, (_, key) => {
      if (!(key in filled)) throw new Error(`${name}: unknown placeholder {{${key}}}`);
      return filled[key];
    });
    writeFileSync(join(paths.CONFIGS, name), text, { mode: 0o600 });
  }
}

/**
 * Resolves once a Janus at `url` answers `{"janus":"info"}`; until then, each refused
 * connection is retried when the previous attempt has failed (Janus binds its port a moment
 * after it starts).
 * @param {string} url
 */
async function answersInfo(url) {
  const deadline = Date.now() + JANUS_START_TIMEOUT_MS;
  for (;;) {
    try {
      return await infoOnce(url);
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`janus did not answer on ${url}: ${/** @type {Error} */ (err).message}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** @param {string} url @returns {Promise<Record<string, unknown>>} */
async function infoOnce(url) {
  const ws = new WebSocket(url, JANUS_PROTOCOL);
  try {
    await once(ws, 'open');
    ws.send(JSON.stringify({ janus: 'info', transaction: 'ready' }));
    const [data] = await once(ws, 'message');
    const reply = JSON.parse(String(data));
    if (reply.janus !== 'server_info') throw new Error(`unexpected answer: ${String(data).slice(0, 200)}`);
    return reply;
  } finally {
    ws.terminate();
  }
}

/** A free TCP port on `host` (closed again before Janus binds it). @param {string} host */
async function freePort(host) {
  const server = net.createServer();
  server.listen(0, host);
  await once(server, 'listening');
  const { port } = /** @type {net.AddressInfo} */ (server.address());
  server.close();
  await once(server, 'close');
  return port;
}

/** @param {string} command @param {string[]} args @returns {[string, string[]]} */
function withParentDeathSignal(command, args) {
  const setpriv = spawnSync('sh', ['-c', 'command -v setpriv'], { encoding: 'utf8' }).stdout.trim();
  return setpriv ? [setpriv, ['--pdeathsig', 'SIGTERM', command, ...args]] : [command, args];
}
