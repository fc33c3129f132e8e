// TURN through the relay's GET /ice: a real coturn (Debian's `turnserver`, REST-API auth
// with a shared secret) on loopback, credentials minted by Parley's relay. First two bare
// RTCPeerConnections in real Chromium allowed to use relay candidates only (data crosses
// only if coturn accepted the relay's credentials; a tampered credential gathers nothing
// while the right one, at the same moment, gathers relay candidates). Then Parley's own
// client, the demo page with a token and `<parley-room relay-only>`, Chromium ↔ Firefox:
// neither side gathers anything but relay candidates, the call's video crosses, and each
// side's selected candidate pair is a TURN relay at both ends.
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
import { serveStatic } from '../../scripts/serve.mjs';
import { closePages, freshRoom, join as joinCall, launch, openDemo, playingRemoteVideos, waitUntil } from './harness.mjs';

const TURNSERVER = '/usr/bin/turnserver';
const TURN_SECRET = 'coturn-and-relay-share-this-secret';
const RELAY_SECRET = 'relay-jwt-secret-relay-jwt-secret-0123';
/** An address coturn relays from: loopback, a port of its range (--min-port, --max-port below). */
const COTURN_RELAYED = /^127\.0\.0\.1:(49[2-3]\d\d|49400)$/;

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
function connectThroughTurn(iceUrl) {
  return (async () => {
    const { iceServers } = await (await fetch(iceUrl)).json();
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
    await opened;
    channel.send('hello through TURN');
    const data = await received;
    const stats = [...(await a.getStats()).values()];
    const transport = stats.find((s) => s.type === 'transport');
    const pair = stats.find((s) => s.id === transport.selectedCandidatePairId);
    const candidate = (id) => stats.find((s) => s.id === id);
    const [local, remote] = [candidate(pair.localCandidateId), candidate(pair.remoteCandidateId)];
    const address = (c) => c && `${c.address ?? c.ip}:${c.port}`;
    a.close();
    b.close();
    return { iceServers, gathered, data, local: local?.candidateType, remote: remote?.candidateType, localAddress: address(local), remoteAddress: address(remote) };
  })();
}

/** In the page: one relay-only peer connection gathering candidates; the types it gathered. */
function gatherThroughTurn(iceUrl, tamper) {
  return (async () => {
    const { iceServers } = await (await fetch(iceUrl)).json();
    // A different first character (a credential that already starts with 'x' stays wrong too).
    const wrong = (c) => (c[0] === 'x' ? 'y' : 'x') + c.slice(1);
    if (tamper) for (const server of iceServers) if (server.credential) server.credential = wrong(server.credential);
    const pc = new RTCPeerConnection({ iceServers, iceTransportPolicy: 'relay' });
    const gathered = [];
    const done = new Promise((resolve) => {
      pc.onicecandidate = (e) => (e.candidate ? gathered.push(e.candidate.type) : resolve());
    });
    pc.createDataChannel('gather');
    await pc.setLocalDescription();
    await done;
    pc.close();
    return gathered;
  })();
}

describe('TURN credentials from GET /ice, through a real coturn', () => {
  let dir;
  let coturn;
  let relay;
  let browser;
  let firefox;
  let web;
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
    web = await serveStatic({ port: 0 });
    browser = await launch('chromium');
    firefox = await launch('firefox');
  });

  after(async () => {
    await browser?.close().catch(() => {});
    await firefox?.close().catch(() => {});
    web?.server.close();
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
    const result = await page.evaluate(connectThroughTurn, iceUrl);
    await page.close();
    assert.match(result.iceServers[0].username, /^\d+:e2e$/);
    assert.ok(result.gathered.length > 0 && result.gathered.every((t) => t === 'relay'), `gathered ${result.gathered}`);
    assert.equal(result.data, 'hello through TURN');
    // From coturn to coturn; the far end may be learnt as `prflx` (see the call test below).
    assert.equal(result.local, 'relay');
    assert.ok(['relay', 'prflx'].includes(result.remote), `the far end: ${result.remote}`);
    assert.match(result.localAddress, COTURN_RELAYED, 'our end is an address from coturn’s relay port range');
    assert.match(result.remoteAddress, COTURN_RELAYED, 'the far end is an address from coturn’s relay port range');
  });

  it('coturn refuses a credential that was not minted with its secret', { timeout: 30_000 }, async () => {
    const page = await browser.newPage();
    // The right credential at the same moment is the control: coturn is up and allocates,
    // so nothing gathered with the tampered one is coturn's refusal, not an outage.
    const [right, wrong] = await Promise.all([
      page.evaluate(gatherThroughTurn, iceUrl, false),
      page.evaluate(gatherThroughTurn, iceUrl, true),
    ]);
    await page.close();
    assert.ok(right.length > 0 && right.every((t) => t === 'relay'), `the right credential gathered ${right}`);
    assert.deepEqual(wrong, []);
  });

  it('Parley’s own client with relay-only, Chromium ↔ Firefox: the call’s video crosses through coturn, and no one gathers an address of their own', { timeout: 120_000 }, async (t) => {
    const room = freshRoom('e2e-turn');
    const demo = async (name) => {
      const token = await mintToken({ secret: RELAY_SECRET, rooms: [room], ttlSeconds: 600, subject: name.toLowerCase(), name });
      return `${web.url}/demo/?${new URLSearchParams({ room, name, signaling: relay.url, token, 'relay-only': '' })}`;
    };
    const [a, b] = await Promise.all([openDemo(browser, await demo('Ada')), openDemo(firefox, await demo('Bob'))]);
    t.after(() => closePages(a, b));
    await Promise.all([joinCall(a), joinCall(b)]);
    await waitUntil(async () => (await playingRemoteVideos(a)) === 1, 'Bob’s video playing on Ada’s page', 60_000);
    await waitUntil(async () => (await playingRemoteVideos(b)) === 1, 'Ada’s video playing on Bob’s page', 60_000);

    const ada = await a.evaluate(peerStats);
    const bob = await b.evaluate(peerStats);
    assert.equal(ada.length, 1);
    assert.equal(bob.length, 1);
    // Each side gathered relay candidates only (no host address to give away), and the pair
    // each uses runs from coturn to coturn: both ends are addresses from coturn's relay port
    // range. The far end may be typed `prflx` rather than `relay`: the other side's check
    // from its coturn address can arrive before its relay candidate does (trickle), and ICE
    // then learns that same address as peer-reflexive (seen in Firefox).
    for (const [who, side] of [['Chromium', ada[0]], ['Firefox', bob[0]]]) {
      assert.ok(side.localTypes.length > 0 && side.localTypes.every((type) => type === 'relay'), `${who} gathered ${side.localTypes}`);
      assert.equal(side.local, 'relay', `${who}'s selected pair, its own end`);
      assert.ok(['relay', 'prflx'].includes(side.remote), `${who}'s selected pair, the far end: ${side.remote}`);
      assert.match(side.localAddress, COTURN_RELAYED, `${who}: its own end is an address from coturn’s relay port range`);
      assert.match(side.remoteAddress, COTURN_RELAYED, `${who}: the far end is an address from coturn’s relay port range`);
    }
    // Video frames decoded on both sides of that pair, and still coming.
    // (Firefox's stats can lag what its <video> shows: waited for, not read once.)
    const decoded = async (page) => (await page.evaluate(peerStats))[0].framesDecoded;
    await waitUntil(async () => (await decoded(a)) > 0, 'video frames decoded on Ada’s side', 30_000);
    const bobBefore = await waitUntil(async () => await decoded(b), 'video frames decoded on Bob’s side', 30_000);
    await waitUntil(async () => (await decoded(b)) > bobBefore + 10, 'more frames on Bob’s side', 30_000);
    assert.deepEqual([...a.parleyErrors, ...b.parleyErrors], []);
  });
});

/**
 * In a demo page: for each of the session's peer connections, the types of the selected
 * candidate pair (Chromium names it on the transport; Firefox marks the pair `selected`),
 * the local address, every local candidate type gathered, and the video frames decoded.
 */
function peerStats() {
  const peers = [...document.querySelector('parley-room').session.peers.values()];
  return Promise.all(
    peers.map(async (peer) => {
      const stats = [...(await peer.pc.getStats()).values()];
      const byId = (id) => stats.find((s) => s.id === id);
      const transport = stats.find((s) => s.type === 'transport' && s.selectedCandidatePairId);
      const pair = transport
        ? byId(transport.selectedCandidatePairId)
        : stats.find((s) => s.type === 'candidate-pair' && s.selected);
      const local = byId(pair?.localCandidateId);
      const remote = byId(pair?.remoteCandidateId);
      return {
        local: local?.candidateType,
        remote: remote?.candidateType,
        localAddress: local && `${local.address ?? local.ip}:${local.port}`,
        remoteAddress: remote && `${remote.address ?? remote.ip}:${remote.port}`,
        localTypes: stats.filter((s) => s.type === 'local-candidate').map((s) => s.candidateType),
        framesDecoded: stats
          .filter((s) => s.type === 'inbound-rtp' && s.kind === 'video')
          .reduce((sum, s) => sum + (s.framesDecoded ?? 0), 0),
      };
    }),
  );
}
