// TURN through the relay's GET /ice: a real coturn (Debian's `turnserver`, REST-API auth
// with a shared secret) on loopback, credentials minted by Parley's relay, and two
// RTCPeerConnections in real Chromium allowed to use relay candidates only. Data crosses
// only if coturn accepted the relay's credentials.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRelay } from '../../signaling/src/relay.js';
import { mintToken } from '../../signaling/src/auth.js';
import { freePort } from '../../signaling/testing/harness.js';
import { launch } from './harness.mjs';

const TURNSERVER = '/usr/bin/turnserver';
const TURN_SECRET = 'coturn-and-relay-share-this-secret';
const RELAY_SECRET = 'relay-jwt-secret-relay-jwt-secret-0123';

/** Starts coturn on loopback; resolves once it is serving. */
async function startCoturn(port, dir) {
  const child = spawn(TURNSERVER, [
    '-n', // no config file
    '--listening-ip', '127.0.0.1', '--relay-ip', '127.0.0.1', '--listening-port', String(port),
    '--use-auth-secret', '--static-auth-secret', TURN_SECRET, '--realm', 'parley.test',
    '--no-tls', '--no-dtls', '--allow-loopback-peers', '--no-cli', '--fingerprint',
    '--min-port', '49200', '--max-port', '49400',
    '--userdb', join(dir, 'turndb'), '--pidfile', join(dir, 'turnserver.pid'),
    '--log-file', 'stdout', '--simple-log',
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`coturn did not start:\n${output}`)), 10_000);
    const onData = (chunk) => {
      output += chunk;
      if (/Total General servers/.test(output)) { clearTimeout(timer); resolve(); }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`coturn exited (${code}):\n${output}`)));
  });
  return { child, output: () => output };
}

/** In the page: two relay-only peer connections, a data channel message, and the selected pair. */
function connectThroughTurn(iceUrl, tamper) {
  return (async () => {
    const { iceServers } = await (await fetch(iceUrl)).json();
    // A different first character (a credential that already starts with 'x' stays wrong too).
    const wrong = (c) => (c[0] === 'x' ? 'y' : 'x') + c.slice(1);
    if (tamper) for (const server of iceServers) if (server.credential) server.credential = wrong(server.credential);
    const config = { iceServers, iceTransportPolicy: 'relay' };
    const a = new RTCPeerConnection(config);
    const b = new RTCPeerConnection(config);
    const gathered = [];
    const gatheredAll = new Promise((resolve) => {
      a.onicecandidate = (e) => {
        if (e.candidate) {
          gathered.push(e.candidate.type);
          b.addIceCandidate(e.candidate);
        } else resolve();
      };
    });
    b.onicecandidate = (e) => e.candidate && a.addIceCandidate(e.candidate);
    const channel = a.createDataChannel('turn-test');
    // Listened for at once: the channel can open before gathering has finished.
    const opened = new Promise((resolve) => { channel.onopen = resolve; });
    const received = new Promise((resolve) => {
      b.ondatachannel = (e) => { e.channel.onmessage = (m) => resolve(m.data); };
    });
    await a.setLocalDescription();
    await b.setRemoteDescription(a.localDescription);
    await b.setLocalDescription();
    await a.setRemoteDescription(b.localDescription);
    await gatheredAll;
    if (tamper) return { iceServers, gathered };
    await opened;
    channel.send('hello through TURN');
    const data = await received;
    const stats = [...(await a.getStats()).values()];
    const transport = stats.find((s) => s.type === 'transport');
    const pair = stats.find((s) => s.id === transport.selectedCandidatePairId);
    const kind = (id) => stats.find((s) => s.id === id)?.candidateType;
    a.close();
    b.close();
    return { iceServers, gathered, data, local: kind(pair.localCandidateId), remote: kind(pair.remoteCandidateId) };
  })();
}

describe('TURN credentials from GET /ice, through a real coturn', () => {
  let dir;
  let coturn;
  let relay;
  let browser;
  let iceUrl;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-turn-'));
    const port = await freePort();
    coturn = await startCoturn(port, dir);
    relay = await createRelay({
      port: 0,
      log: () => {},
      secret: RELAY_SECRET,
      turnSecret: TURN_SECRET,
      turnUrls: [`turn:127.0.0.1:${port}?transport=udp`],
    });
    const token = await mintToken({ secret: RELAY_SECRET, rooms: ['room'], ttlSeconds: 600, subject: 'e2e' });
    iceUrl = `${relay.url.replace('ws', 'http')}/ice?token=${token}`;
    browser = await launch('chromium');
  });

  after(async () => {
    await browser?.close().catch(() => {});
    await relay?.close();
    if (coturn && coturn.child.exitCode === null) {
      coturn.child.kill('SIGKILL');
      await once(coturn.child, 'exit');
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  // A stall (no allocation, no channel) fails here, not at the CI run's time limit.
  it('two relay-only peer connections exchange data over TURN', { timeout: 30_000 }, async () => {
    const page = await browser.newPage();
    const result = await page.evaluate(connectThroughTurn, iceUrl, false);
    await page.close();
    assert.match(result.iceServers[0].username, /^\d+:e2e$/);
    assert.ok(result.gathered.length > 0 && result.gathered.every((t) => t === 'relay'), `gathered ${result.gathered}`);
    assert.equal(result.data, 'hello through TURN');
    assert.deepEqual([result.local, result.remote], ['relay', 'relay']);
  });

  it('coturn refuses a credential that was not minted with its secret', { timeout: 30_000 }, async () => {
    const page = await browser.newPage();
    const result = await page.evaluate(connectThroughTurn, iceUrl, true);
    await page.close();
    assert.deepEqual(result.gathered, []);
  });
});
