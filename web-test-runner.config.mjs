// Browser tests: every *.test.ts under src/ and test/ (not test/e2e, which drives several
// browsers itself) in real Chromium AND Firefox ESR, against a real relay started here.
import { readdirSync, readFileSync } from 'node:fs';
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { chromeLauncher } from '@web/test-runner-chrome';
import puppeteer from 'puppeteer-core';
import { WebSocketServer } from 'ws';
import { createRelay } from './signaling/src/relay.js';
import { mintToken } from './signaling/src/auth.js';
import { RUN_ALONE, chromiumLaunch, firefoxLaunch } from './test/browsers.mjs';
import { janusInstalled, startJanus, JANUS_BIN } from './sfu/janus.mjs';
import { createShapedRelay } from './bench/shaped-link.mjs';
import { startBusyJanus } from './test/busy-janus.mjs';

const relay = await createRelay({ port: 0, log: () => {} });
// A relay that requires a token, and one it accepts for every room.
const authSecret = 'wtr-auth-secret-wtr-auth-secret-0123456789';
// A second relay that hands out TURN credentials on /ice to token holders (no TURN server
// needed to check that the client fetches and uses them; the e2e tests use a real coturn).
const turnRelay = await createRelay({
  port: 0,
  log: () => {},
  secret: authSecret,
  turnUrls: ['turn:127.0.0.1:3478?transport=udp'],
  turnSecret: 'wtr-turn-secret',
});
const authRelay = await createRelay({ port: 0, log: () => {}, secret: authSecret });
const authToken = await mintToken({ secret: authSecret, rooms: '*', ttlSeconds: 3600 });
// Tokens carrying a person, as a host app mints them: the relay vouches for these names.
const people = { ada: ['1', 'Ada Lovelace'], bob: ['2', 'Bob Kahn'], eve: ['3', 'Eve'] };
const identityTokens = Object.fromEntries(
  await Promise.all(
    Object.entries(people).map(async ([key, [subject, name]]) => [key, await mintToken({ secret: authSecret, rooms: '*', ttlSeconds: 3600, subject, name })]),
  ),
);
// A real Janus for the media-server tests, and a relay that sends rooms' media to it. Without
// the janus binary the tests that need it fail with this reason instead of waiting.
const janusSecret = 'wtr-janus-secret';
const janus = janusInstalled() ? await startJanus({ secret: janusSecret }) : null;
const sfuRelay = janus ? await createRelay({ port: 0, log: () => {}, janusUrls: [janus.url], janusSecret }) : null;
const sfu = sfuRelay ? { sfuRelayUrl: sfuRelay.url } : { sfuMissing: `janus is not installed at ${JANUS_BIN} (Debian: apt-get install janus; npm test installs it)` };
// Janus instances a test may kill mid-call (`/__parley/doomed-sfu` starts one with a relay
// that sends rooms' media to it; `/__parley/kill-sfu?id=` kills it with SIGKILL, a crash;
// `/__parley/revive-sfu?id=` starts it again on its port).
const doomed = new Map();
async function startDoomedSfu() {
  const instance = await startJanus({ secret: janusSecret });
  const relay = await createRelay({ port: 0, log: () => {}, janusUrls: [instance.url], janusSecret });
  const id = String(instance.pid);
  doomed.set(id, { instance, relay });
  return { id, url: relay.url };
}
async function killDoomedSfu(id) {
  const entry = doomed.get(id);
  if (!entry) return { killed: false };
  process.kill(entry.instance.pid, 'SIGKILL');
  await entry.instance.exited;
  return { killed: true };
}
/** A killed Janus started again on the same port, as a restart by its supervisor would. */
async function reviveDoomedSfu(id) {
  const entry = doomed.get(id);
  if (!entry) return { revived: false };
  await entry.instance.exited;
  entry.instance = await startJanus({ secret: janusSecret, port: entry.instance.port });
  return { revived: true };
}
// Relays whose two peers reach each other only through a shaped link (bench/shaped-link.mjs):
// `/__parley/shaped-relay` makes one for a test, `/__parley/shape?id=&mbit=&rttMs=&queueMs=&lossEvery=`
// changes its link mid-call.
const shaped = new Map();
async function startShapedRelay() {
  const link = await createShapedRelay({ mbit: 50, rttMs: 10, queueMs: 200 });
  const id = String(shaped.size + 1);
  shaped.set(id, link);
  return { id, url: link.url };
}
function reshape({ id, ...link }) {
  const relay = shaped.get(String(id));
  if (!relay) return { shaped: false };
  relay.shape(Object.fromEntries(Object.entries(link).map(([key, value]) => [key, Number(value)])));
  return { shaped: true, stats: relay.stats };
}
// A stand-in for what sits in front of a relay (a proxy, a restarting server), made on first
// use: `/__parley/closing-server` gives its URL; every WebSocket it accepts is closed at once
// with the code in the URL's `close` parameter.
let closingServer = null;
async function closingServerUrl() {
  if (!closingServer) {
    closingServer = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    closingServer.on('connection', (socket, request) => {
      socket.close(Number(new URL(request.url, 'ws://x').searchParams.get('close')), 'closing server');
    });
  }
  if (!closingServer.address()) await new Promise((resolve) => closingServer.once('listening', resolve));
  return `ws://127.0.0.1:${closingServer.address().port}`;
}
// A stand-in for a busy Janus (test/busy-janus.mjs), made on first use: `/__parley/busy-janus`.
// It answers a plugin message 1.5 s after the client's first timeout (REQUEST_TIMEOUT_MS, 15 s).
let busyJanus = null;
let busyJanusServer = null;
process.on('exit', () => {
  busyJanusServer?.close();
  closingServer?.close();
  for (const { instance, relay } of doomed.values()) {
    relay.server.close();
    try {
      process.kill(instance.pid, 'SIGKILL'); // a test's throwaway Janus: nothing to stop cleanly
    } catch {} // killed by its test already
  }
  relay.server.close();
  turnRelay.server.close();
  authRelay.server.close();
  sfuRelay?.server.close();
  // Janus is our child: stopped with the run (setpriv also sends it SIGTERM if we are killed).
  if (janus) process.kill(janus.pid, 'SIGTERM');
});

const only = process.env.BROWSERS?.split(',');
const browsers = [
  chromeLauncher({ launchOptions: chromiumLaunch }),
  // web-test-runner's puppeteer launcher is this one with puppeteer; we pass puppeteer-core
  // so no browser is ever downloaded.
  chromeLauncher({ launchOptions: firefoxLaunch, puppeteer }),
].filter((b) => !only || only.some((name) => b.name.toLowerCase().includes(name)));

export default {
  // RUN_ALONE's files run in steps of their own (scripts/test.mjs): `--files` names them.
  files: ['src/**/*.test.ts', 'test/**/*.test.ts', '!test/e2e/**', ...RUN_ALONE.map((file) => `!${file}`)],
  nodeResolve: { exportConditions: ['production'] },
  concurrency: 1,
  browsers,
  testFramework: { config: { timeout: 20000 } },
  testsFinishTimeout: 300000,
  browserStartTimeout: 60000,
  plugins: [
    esbuildPlugin({ ts: true, target: 'es2022', tsconfig: 'tsconfig.json' }),
    {
      name: 'parley-relay-url',
      async serve(context) {
        if (context.path === '/__parley/doomed-sfu') {
          return { body: JSON.stringify(janus ? await startDoomedSfu() : { error: sfu.sfuMissing }), type: 'json' };
        }
        if (context.path === '/__parley/busy-janus') {
          busyJanus ??= startBusyJanus({ answerAfterMs: 16_500 });
          busyJanusServer = await busyJanus;
          return { body: JSON.stringify({ url: busyJanusServer.url }), type: 'json' };
        }
        if (context.path === '/__parley/closing-server') {
          return { body: JSON.stringify({ url: await closingServerUrl() }), type: 'json' };
        }
        if (context.path === '/__parley/shaped-relay') return { body: JSON.stringify(await startShapedRelay()), type: 'json' };
        if (context.path === '/__parley/shape') return { body: JSON.stringify(reshape(context.query)), type: 'json' };
        if (context.path === '/__parley/kill-sfu') {
          return { body: JSON.stringify(await killDoomedSfu(String(context.query.id))), type: 'json' };
        }
        if (context.path === '/__parley/revive-sfu') {
          return { body: JSON.stringify(await reviveDoomedSfu(String(context.query.id))), type: 'json' };
        }
        // The source text of src/ (tests aside), for tests that read the code itself (that
        // every string the elements show has a German entry: messages.test.ts).
        if (context.path === '/__parley/sources') {
          const paths = readdirSync('src', { recursive: true }).filter((path) => /\.ts$/.test(path) && !/\.test\.ts$/.test(path));
          return { body: JSON.stringify(Object.fromEntries(paths.map((path) => [`src/${path}`, readFileSync(`src/${path}`, 'utf8')]))), type: 'json' };
        }
        if (context.path === '/__parley/relay') {
          return { body: JSON.stringify({ url: relay.url, turnRelayUrl: turnRelay.url, authRelayUrl: authRelay.url, authToken, identityTokens, ...sfu }), type: 'json' };
        }
      },
    },
  ],
};
