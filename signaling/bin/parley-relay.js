#!/usr/bin/env node
// @ts-check
/**
 * Command line for Parley's signaling relay: parse flags (each with an environment variable
 * for secrets and deployment settings), start it, stop it on a signal; or, with the `token`
 * subcommand, mint a JWT for host apps that have no JWT library at hand.
 *
 * The relay needs Node flags that only take effect at start-up (MEMORY_FLAGS), and Node
 * refuses `--optimize-for-size` in NODE_OPTIONS; so when this process was started without
 * them, it starts the relay as a child process with them and stands in for it: signals go
 * to the child, its exit code becomes ours. The relay's modules are imported only in the
 * process that runs it.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { isProxyEntry } from '../src/address.js';
import { ALL_ROOMS, mintToken, parseDuration } from '../src/auth.js';
import { TURN_CREDENTIAL_TTL_S } from '../src/ice.js';
import { JANUS_TOKEN_TTL_S, isJanusUrl } from '../src/janus.js';
import * as limits from '../src/limits.js';

/** Node flags the relay runs with: its garbage is small and short-lived, so a 1 MB young
 * generation costs no CPU, and V8 optimizing for size reserves no heap it does not use;
 * together they halve idle memory per connection. Flags given to node (either value, or
 * `--no-optimize-for-size`) win. */
const MEMORY_FLAGS = ['--max-semi-space-size=1', '--optimize-for-size'];
/** Set in the environment of the relaunched relay, so it never relaunches itself again. */
const RELAUNCHED = 'PARLEY_RELAY_RELAUNCHED';

const USAGE = `Usage: parley-relay [options]
       parley-relay token --room <room> [--room <room>…] [--ttl 1h] [--sub <id>] [--name <name>] [--secret <s>]

Parley's signaling relay (y-webrtc signaling protocol over WebSocket).

Options:
  --port <port>            TCP port, 0 for any free port (env PORT, default 4444)
  --host <host>            interface to listen on (env HOST, default 127.0.0.1)
  --secret <secret>        JWT secret (HS256); connections then need ?token=
                           (env PARLEY_RELAY_SECRET; without it the relay runs OPEN)
  --max-token-ttl <d>      refuse tokens that live longer than this (exp − iat), e.g. 1h
                           (env PARLEY_RELAY_MAX_TOKEN_TTL; default: any lifetime)
  --allow-origin <origin>  browser origin allowed to connect; repeat or comma-separate
                           (env PARLEY_RELAY_ALLOW_ORIGIN; default: any origin)
  --trusted-proxy <addr>   reverse proxy (address or CIDR) whose X-Forwarded-For names the
                           client; repeat or comma-separate (env PARLEY_RELAY_TRUSTED_PROXY)
  --redis <url>            redis://… share topics with every relay on that Redis
                           (env PARLEY_RELAY_REDIS)
  --turn-url <url>         turn:/turns: URL handed out by GET /ice; repeat or comma-separate
                           (env PARLEY_RELAY_TURN_URL)
  --turn-secret <secret>   coturn static-auth-secret (env PARLEY_RELAY_TURN_SECRET)
  --turn-ttl <duration>    TURN credential lifetime (default ${TURN_CREDENTIAL_TTL_S / 3600}h)
  --stun-url <url>         stun: URL handed out by GET /ice; repeat or comma-separate
                           (env PARLEY_RELAY_STUN_URL)
  --janus <url>            ws:// or wss:// URL of a Janus for rooms' media (GET /sfu); repeat
                           or comma-separate for several: each room lives on one, chosen by
                           a hash of its name (env PARLEY_RELAY_JANUS; default: mesh only)
  --janus-secret <secret>  Janus token_auth_secret, the same as \`npm run sfu --secret\`
                           (env PARLEY_JANUS_SECRET)
  --janus-ttl <duration>   Janus token lifetime (default ${JANUS_TOKEN_TTL_S / 3600}h)
  --max-connections <n>    open connections per process (default ${limits.MAX_CONNECTIONS})
  --max-connections-per-ip <n>
                           open connections per client address (default ${limits.MAX_CONNECTIONS_PER_IP})
  --max-connections-per-identity <n>
                           open connections per token sub, or token (default ${limits.MAX_CONNECTIONS_PER_IDENTITY})
  --max-frame-bytes <n>    largest frame (default ${limits.MAX_FRAME_BYTES})
  --max-topics <n>         topics per connection (default ${limits.MAX_TOPICS_PER_CONNECTION})
  --max-topics-total <n>   topics on this process (default ${limits.MAX_TOPICS})
  --max-subscribers <n>    subscribers per topic (default ${limits.MAX_SUBSCRIBERS_PER_TOPIC})
  --rate <n>               frames per second per connection (default ${limits.RATE_LIMIT_PER_SECOND})
  --burst <n>              frames in a burst per connection (default ${limits.RATE_LIMIT_BURST})
  --log-level <level>      info, warn or error (env PARLEY_RELAY_LOG_LEVEL, default info)
  -h, --help               show this help

token: prints a JWT for the rooms (--room '*' for all) as the last line of stdout.
  --ttl accepts 90s, 30m, 1h, 7d or seconds (default 1h). --sub (or --subject) and
  --name say who it is: the relay stamps them on every message the holder publishes.

HTTP: GET /healthz, /readyz, /metrics (Prometheus), /ice (TURN/STUN servers) and
/sfu?room= (the room's Janus and tokens for it); /ice and /sfu need ?token= when a secret
is set. Logs are JSON lines on stdout.
SIGTERM or SIGINT closes all sockets (code 1001) and exits 0.
`;

/** @param {string} message @returns {never} */
function fail(message) {
  process.stderr.write(`parley-relay: ${message}\n\n${USAGE}`);
  process.exit(2);
}

const list = { type: /** @type {const} */ ('string'), multiple: true };
const one = { type: /** @type {const} */ ('string') };
/** @type {ReturnType<typeof parseArgs>} */
let parsed;
try {
  parsed = parseArgs({
    options: {
      port: one, host: one, secret: one, 'allow-origin': list, redis: one,
      'turn-url': list, 'turn-secret': one, 'turn-ttl': one, 'stun-url': list,
      janus: list, 'janus-secret': one, 'janus-ttl': one,
      'max-connections': one, 'max-frame-bytes': one, 'max-topics': one, 'max-subscribers': one,
      'max-connections-per-ip': one, 'max-connections-per-identity': one, 'max-topics-total': one, 'trusted-proxy': list,
      rate: one, burst: one, 'log-level': one,
      'max-token-ttl': one,
      room: list, ttl: one, subject: one, sub: one, name: one,
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: true,
  });
} catch (err) {
  fail(/** @type {Error} */ (err).message);
}
const { values, positionals } = parsed;

if (values.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}

/** A flag's values, else its env var's, split on commas. @param {unknown} flag @param {string} env */
function listOf(flag, env) {
  const raw = /** @type {string[] | undefined} */ (flag) ?? (process.env[env] ? [process.env[env]] : []);
  return raw.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
}

/** @param {string} name @returns {number | undefined} */
function count(name) {
  const text = /** @type {string | undefined} */ (values[name]);
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) < 1) fail(`--${name} must be a positive integer, not ${text}`);
  return Number(text);
}

const secret = /** @type {string | undefined} */ (values.secret) ?? process.env.PARLEY_RELAY_SECRET ?? undefined;

if (positionals[0] === 'token') {
  if (!secret) fail('token needs --secret or PARLEY_RELAY_SECRET');
  const rooms = listOf(values.room, '');
  if (!rooms.length) fail("token needs --room <room> (or --room '*' for all rooms)");
  const ttlSeconds = parseDuration(String(values.ttl ?? '1h'));
  if (!(ttlSeconds > 0)) fail(`invalid --ttl: ${values.ttl}`);
  const token = await mintToken({
    secret,
    rooms: rooms.includes(ALL_ROOMS) ? ALL_ROOMS : rooms,
    ttlSeconds,
    subject: /** @type {string | undefined} */ (values.sub ?? values.subject),
    name: /** @type {string | undefined} */ (values.name),
  });
  process.stdout.write(`${token}\n`);
  process.exit(0);
}
if (positionals.length) fail(`unknown command: ${positionals[0]}`);

const portText = String(values.port ?? process.env.PORT ?? '4444');
const port = Number(portText);
if (!/^\d+$/.test(portText) || port > 65535) fail(`invalid port: ${portText}`);
const host = String(values.host ?? process.env.HOST ?? '127.0.0.1');
const turnTtl = values['turn-ttl'] === undefined ? undefined : parseDuration(String(values['turn-ttl']));
if (turnTtl !== undefined && !(turnTtl > 0)) fail(`invalid --turn-ttl: ${values['turn-ttl']}`);
const maxTokenTtlText = /** @type {string | undefined} */ (values['max-token-ttl']) ?? process.env.PARLEY_RELAY_MAX_TOKEN_TTL ?? undefined;
const maxTokenTtl = maxTokenTtlText === undefined ? undefined : parseDuration(maxTokenTtlText);
if (maxTokenTtl !== undefined && !(maxTokenTtl > 0)) fail(`invalid --max-token-ttl: ${maxTokenTtlText}`);
const turnUrls = listOf(values['turn-url'], 'PARLEY_RELAY_TURN_URL');
const turnSecret = /** @type {string | undefined} */ (values['turn-secret']) ?? process.env.PARLEY_RELAY_TURN_SECRET ?? undefined;
if (turnUrls.length && !turnSecret) fail('--turn-url needs --turn-secret (coturn static-auth-secret)');
const janusUrls = listOf(values.janus, 'PARLEY_RELAY_JANUS');
const notJanus = janusUrls.find((url) => !isJanusUrl(url));
if (notJanus !== undefined) fail(`invalid --janus (a ws:// or wss:// URL): ${notJanus}`);
const janusSecret = /** @type {string | undefined} */ (values['janus-secret']) ?? process.env.PARLEY_JANUS_SECRET ?? undefined;
if (janusUrls.length && !janusSecret) fail('--janus needs --janus-secret (the token_auth_secret Janus runs with)');
const janusTtl = values['janus-ttl'] === undefined ? undefined : parseDuration(String(values['janus-ttl']));
if (janusTtl !== undefined && !(janusTtl > 0)) fail(`invalid --janus-ttl: ${values['janus-ttl']}`);
const trustedProxies = listOf(values['trusted-proxy'], 'PARLEY_RELAY_TRUSTED_PROXY');
const notProxy = trustedProxies.find((entry) => !isProxyEntry(entry));
if (notProxy !== undefined) fail(`invalid --trusted-proxy (an address or CIDR range): ${notProxy}`);
const logLevel = String(values['log-level'] ?? process.env.PARLEY_RELAY_LOG_LEVEL ?? 'info');
if (!['info', 'warn', 'error'].includes(logLevel)) fail(`invalid --log-level: ${logLevel}`);

const missingFlags = MEMORY_FLAGS.filter((flag) => !nodeHas(flag));
if (missingFlags.length && !process.env[RELAUNCHED]) relaunch(missingFlags);
else await serve();

/**
 * Whether node was started with a flag (any value; `--no-` form too; `_` or `-`), in its
 * arguments or in NODE_OPTIONS.
 * @param {string} flag
 */
function nodeHas(flag) {
  const name = flag.split('=')[0].slice(2).replaceAll('_', '-');
  const given = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
  return given.some((arg) => {
    const argName = arg.split('=')[0].replaceAll('_', '-');
    return argName === `--${name}` || argName === `--no-${name}`;
  });
}

/**
 * Runs this command again as a child with the missing Node flags and stays its stand-in.
 * The child gets its own process group, so a terminal's Ctrl-C reaches it once (through
 * us), not twice (a second signal means "stop now"); it watches our IPC channel and shuts
 * down if we die without passing a signal on.
 * @param {string[]} flags
 */
function relaunch(flags) {
  const args = [...process.execArgv, ...flags, fileURLToPath(import.meta.url), ...process.argv.slice(2)];
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    detached: true,
    env: { ...process.env, [RELAUNCHED]: '1' },
  });
  /** @param {NodeJS.Signals} signal */
  const forward = (signal) => child.kill(signal);
  process.on('SIGTERM', forward);
  process.on('SIGINT', forward);
  child.on('error', (err) => {
    process.stderr.write(`parley-relay: cannot start the relay: ${err.message}\n`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => {
    if (code !== null) process.exit(code);
    // Killed by a signal: end the same way, so whoever started us sees it.
    process.off('SIGTERM', forward);
    process.off('SIGINT', forward);
    process.kill(process.pid, signal ?? 'SIGTERM');
  });
}

async function serve() {
  const [{ createRelay }, { defaultLogger }] = await Promise.all([import('../src/relay.js'), import('../src/log.js')]);
  /** @type {import('../src/relay.js').Relay} */
  let relay;
  try {
    relay = await createRelay({
      port,
      host,
      log: defaultLogger(logLevel),
      secret,
      maxTokenLifetimeSeconds: maxTokenTtl,
      allowOrigins: listOf(values['allow-origin'], 'PARLEY_RELAY_ALLOW_ORIGIN'),
      trustedProxies,
      redis: /** @type {string | undefined} */ (values.redis) ?? process.env.PARLEY_RELAY_REDIS ?? undefined,
      turnUrls,
      turnSecret,
      turnTtlSeconds: turnTtl,
      stunUrls: listOf(values['stun-url'], 'PARLEY_RELAY_STUN_URL'),
      janusUrls,
      janusSecret,
      janusTtlSeconds: janusTtl,
      maxConnections: count('max-connections'),
      maxConnectionsPerIp: count('max-connections-per-ip'),
      maxConnectionsPerIdentity: count('max-connections-per-identity'),
      maxTopics: count('max-topics-total'),
      maxFrameBytes: count('max-frame-bytes'),
      maxTopicsPerConnection: count('max-topics'),
      maxSubscribersPerTopic: count('max-subscribers'),
      rateLimitPerSecond: count('rate'),
      rateLimitBurst: count('burst'),
    });
  } catch (err) {
    process.stderr.write(`parley-relay: cannot listen on ${host}:${port}: ${/** @type {Error} */ (err).message}\n`);
    process.exit(1);
  }

  /** @param {NodeJS.Signals} signal */
  const shutdown = async (signal) => {
    // A second signal while closing means "now".
    process.once(signal, () => process.exit(1));
    await relay.close();
    process.exit(0);
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
  // Relaunched: the stand-in that started us is gone (killed outright), so stop as on SIGTERM.
  if (process.env[RELAUNCHED] && process.channel) {
    process.once('disconnect', () => shutdown('SIGTERM'));
    process.channel.unref();
  }
}
