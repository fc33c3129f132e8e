// `npm run bench:call`: call figures on loopback, with the real relay and the demo page in
// Debian's Chromium (fake camera and microphone):
//   - join → first remote frame, p50/p90, for 2 and for 4 participants: all pages call
//     join() at once; each measures from its own join() to the display time of the first
//     frame of a remote video (and, for 4, of all three remote videos); the same for a Chromium page
//     and a Firefox page, each side reported on its own; and for 2 people joining from
//     the pre-join preview (camera already on, as after "Join now"); and for joining a
//     call that is already going (the other person in it, camera on);
//   - the platform's floor for those joins (2 and 4 people, and Chromium ↔ Firefox with the
//     mixed case): bare RTCPeerConnections between bare pages, the same capture and starting
//     size, no Parley; what Parley adds on this machine is its figure minus the floor's;
//   - offers per pair over a scripted call (join, camera off/on, screen share on/off,
//     device switch, leave, join again), Chromium ↔ Chromium and Chromium ↔ Firefox;
//   - recovery from a real ICE failure: the other browser is frozen (SIGSTOP on its
//     renderer) until this side's heartbeat finds the path dead and it restarts ICE; then
//     thawed: time until this side presents the other's video frames again (Linux only:
//     it reads /proc and sends signals);
//   - CPU per participant in a 4-party call: the browser's whole process tree (renderers,
//     GPU, network and audio services), from /proc, over a 10 s window, divided by 4.
// Env: ROUNDS (default 5), RECOVERY_ROUNDS (default 3), CPU_SECONDS (default 10), PASSWORD
// (a room password: every relay message sealed, as <parley-room password> does), ONLY (some of
// join2,preview,late,join4,floor,mixed,offers,recovery,cpu4: only those cases; default all),
// FLOOR_SELF_VIEW (ms: the floor's pages show their own camera that long after it starts, as
// <parley-video-grid> does after SELF_VIEW_AFTER_MS; 0 at once; unset, no self-view),
// JOIN_AFTER (ms the demo pages of the 2-, 4-person and Chromium ↔ Firefox joins wait after
// connecting before they join, as a person reads the page before pressing Join; default 0:
// at once, while the pages are still starting).
//
// `npm run bench:call -- --sfu` measures instead the mesh beside the media server (a real
// Janus, `media="sfu"`, end-to-end encrypted) for PEOPLE people (default "4,6"): join → all
// remote videos (p50 over every page of SFU_ROUNDS rounds, default 1), CPU per participant
// (whole browser, as above) and uplink per participant (bytes its connections sent, camera
// and microphone: every mesh connection, or the one to Janus, over the CPU window). Both
// modes use a room password (the media key needs one). QUALITY=low sets every page's
// `quality="low"` (one 320-pixel layer): with the default quality, two cores do not carry
// six people's encrypted simulcast layers through Janus.
import { cpus } from 'node:os';
import { closePages, connectedPeers, launch, openDemo, sessionId, startServers, waitUntil } from '../test/e2e/harness.mjs';
import { browserCpuSeconds, rendererPids } from '../test/e2e/processes.mjs';
import { quantile } from './stats.mjs';
import { captureShape } from '../dist/esm/core/call/profiles.js';
import { cameraStartScale } from '../dist/esm/core/session/presence.js';

const ROUNDS = Number(process.env.ROUNDS ?? 5);
const RECOVERY_ROUNDS = Number(process.env.RECOVERY_ROUNDS ?? 3);
const CPU_SECONDS = Number(process.env.CPU_SECONDS ?? 10);
const SFU = process.argv.includes('--sfu');
const PASSWORD = process.env.PASSWORD || (SFU ? 'bench-call-sfu-password' : undefined);
const PEOPLE = (process.env.PEOPLE ?? '4,6').split(',').map(Number);
const SFU_ROUNDS = Number(process.env.SFU_ROUNDS ?? 1);
/** The pages' `quality` (unset: the default, `auto`); `low` lets a small machine carry more people. */
const QUALITY = process.env.QUALITY || undefined;
/** Parley's default capture and the camera's starting size, for the floor: the built code's own (`npm run build`). */
const CAPTURE = captureShape('auto');
const CAMERA_START_SCALE = cameraStartScale('auto');
const FLOOR_SELF_VIEW = process.env.FLOOR_SELF_VIEW ? Number(process.env.FLOOR_SELF_VIEW) : undefined;
/** ms the demo pages wait after connecting before they join (0: at once, as the page is still starting). */
const JOIN_AFTER = Number(process.env.JOIN_AFTER ?? 0);
const settle = () => new Promise((resolve) => setTimeout(resolve, JOIN_AFTER));
const ONLY = process.env.ONLY ? new Set(process.env.ONLY.split(',')) : null;
const wanted = (name) => !ONLY || ONLY.has(name);
/** A mesh call's default most people (MAX_PARTICIPANTS, src/core/session/presence.ts). */
const MESH_MOST = 6;
let media;

const servers = await startServers({ janus: SFU });
const browser = await launch('chromium');
const results = {};

/** Opens n demo pages in one room and waits until every pair has its data connection. */
async function openRoom(n, tag) {
  const room = `bench-call-${tag}-${Date.now()}`;
  const pages = await Promise.all(Array.from({ length: n }, (_, i) => openDemo(browser, servers.demoUrl({ room, password: PASSWORD, name: `P${i}`, media, quality: QUALITY }))));
  await waitUntil(async () => (await Promise.all(pages.map(connectedPeers))).every((c) => c === n - 1), 'every pair to connect', Math.max(30000, n * 10000)); // 12 people are 66 pairs: slower to connect in one browser
  return pages;
}

/**
 * join() → first remote frame and → frames from all n−1 remote videos, in ms. A frame counts
 * at the time the browser says it is shown (requestVideoFrameCallback's expectedDisplayTime),
 * not when the callback runs: that comes on a later rendering turn of the page, 5–35 ms after
 * the frame on a busy machine. Videos are watched from the moment the grid adds them.
 */
const measureJoin = (page, others, { preview = false } = {}) =>
  page.evaluate(async (others, preview) => {
    const room = document.querySelector('parley-room');
    const grid = document.querySelector('parley-video-grid');
    if (preview) await room.session.preview({ audio: true, video: true });
    const seen = new Map();
    let start;
    const watch = (video) => {
      if (seen.has(video)) return;
      seen.set(video, null);
      video.requestVideoFrameCallback((_, frame) => seen.set(video, frame.expectedDisplayTime - start));
    };
    const scan = () => grid.shadowRoot.querySelectorAll('video[data-remote]').forEach(watch);
    const observer = new MutationObserver(scan);
    observer.observe(grid.shadowRoot, { childList: true, subtree: true, attributes: true, attributeFilter: ['data-remote'] });
    // Where the time goes: when the camera was captured, and when the last connection
    // carried it (each replaceTrack of a camera resolved), read from the page's own calls.
    const media = navigator.mediaDevices;
    const { getUserMedia } = media;
    const { replaceTrack } = RTCRtpSender.prototype;
    let captured = null;
    let sending = null;
    let sent = 0;
    media.getUserMedia = (constraints) => getUserMedia.call(media, constraints).then((stream) => ((captured ??= performance.now() - start), stream));
    RTCRtpSender.prototype.replaceTrack = function (track) {
      return replaceTrack.call(this, track).then(() => void (track?.kind === 'video' && ++sent && (sending = performance.now() - start)));
    };
    start = performance.now();
    try {
      await room.join({ audio: true, video: true });
      scan();
      // (Through the media server the camera goes on one new connection: no replaceTrack.)
      const done = () => seen.size >= others && [...seen.values()].every((t) => t !== null) && (preview || sent >= others || room.session.sfu);
      while (!done()) await new Promise((resolve) => setTimeout(resolve, 5));
    } finally {
      observer.disconnect();
      media.getUserMedia = getUserMedia;
      RTCRtpSender.prototype.replaceTrack = replaceTrack;
    }
    const times = [...seen.values()];
    return { first: Math.min(...times), all: Math.max(...times), captured, sending };
  }, others, preview);

/** join() → first remote frame on a Chromium page and a Firefox page joining at once. */
async function mixedJoinRounds(rounds) {
  const firefox = await launch('firefox');
  const chromiumSide = [];
  const firefoxSide = [];
  const paths = { chromium: { captured: [], sending: [], all: [] }, firefox: { captured: [], sending: [], all: [] } };
  try {
    for (let round = 0; round < rounds; round++) {
      const room = `bench-call-mixed-${round}-${Date.now()}`;
      const pages = [await openDemo(browser, servers.demoUrl({ room, password: PASSWORD, name: 'C' })), await openDemo(firefox, servers.demoUrl({ room, password: PASSWORD, name: 'F' }))];
      await waitUntil(
        async () => (await Promise.all(pages.map((p) => p.evaluate(() => [...document.querySelector('parley-room').session.peers.values()].some((x) => x.connected))))).every(Boolean),
        'the pair to connect',
        30000,
      );
      await settle();
      const [c, f] = await Promise.all(pages.map((p) => measureJoin(p, 1)));
      chromiumSide.push(c.first);
      firefoxSide.push(f.first);
      for (const [side, r] of [['chromium', c], ['firefox', f]]) {
        paths[side].all.push(r.all);
        if (r.captured !== null) paths[side].captured.push(r.captured);
        if (r.sending !== null) paths[side].sending.push(r.sending);
      }
      await Promise.all(pages.map((p) => p.close()));
    }
  } finally {
    await firefox.close();
  }
  return { chromiumSide, firefoxSide, paths };
}

/**
 * A scripted call between two browsers: both join, A's camera off and on, A shares its
 * screen and stops, A switches camera, each leaves and joins again. Returns the offers
 * the pair made in all (1 when media never renegotiates) and the connections rebuilt.
 */
async function scriptedOffers(kind) {
  const other = await launch(kind);
  try {
    const room = `bench-call-offers-${kind}-${Date.now()}`;
    const a = await openDemo(browser, servers.demoUrl({ room, password: PASSWORD, name: 'A' }));
    const b = await openDemo(other, servers.demoUrl({ room, password: PASSWORD, name: 'B' }));
    const track = (page) =>
      page.evaluate(() => {
        const session = document.querySelector('parley-room').session;
        window.__made = [...session.peers.values()];
        session.events.on('peer', (peer) => window.__made.push(peer));
      });
    await waitUntil(async () => (await Promise.all([a, b].map((p) => p.evaluate(() => document.querySelector('parley-room').session.peers.size)))).every((n) => n === 1), 'the pair', 30000);
    await Promise.all([track(a), track(b)]);
    await Promise.all([measureJoin(a, 1), measureJoin(b, 1)]);
    const seen = (page, check) =>
      waitUntil(() => page.evaluate((check) => {
        const media = document.querySelector('parley-room').session.participants().find((p) => !p.isLocal)?.media ?? null;
        return new Function('m', `return ${check}`)(media);
      }, check), check, 20000);
    await a.evaluate(() => document.querySelector('parley-room').session.setVideoEnabled(false));
    await seen(b, 'm && m.video === false');
    await a.evaluate(() => document.querySelector('parley-room').session.setVideoEnabled(true));
    await seen(b, 'm && m.video === true');
    await a.click('parley-controls >>> button[part~=screen]');
    await seen(b, 'm && Boolean(m.screen)');
    await a.click('parley-controls >>> button[part~=screen]');
    await seen(b, 'm && !m.screen');
    await a.evaluate(async () => {
      const cameras = (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === 'videoinput');
      await document.querySelector('parley-room').session.setDevice('camera', cameras[cameras.length - 1].deviceId);
    });
    for (const [page, watcher] of [[a, b], [b, a]]) {
      await page.evaluate(() => document.querySelector('parley-room').leave());
      await seen(watcher, 'm === null');
      await page.evaluate(() => document.querySelector('parley-room').join());
      await seen(watcher, 'm && m.video === true');
    }
    const made = await Promise.all([a, b].map((p) => p.evaluate(() => ({ offers: window.__made.reduce((n, p) => n + p.offers, 0), peers: window.__made.length }))));
    return { offers: made[0].offers + made[1].offers, rebuilt: made[0].peers + made[1].peers - 2 };
  } finally {
    await other.close();
  }
}

async function joinRounds(n, rounds, options) {
  const first = [];
  const all = [];
  const captured = [];
  const sending = [];
  for (let round = 0; round < rounds; round++) {
    const pages = await openRoom(n, `${n}-${round}`);
    await settle();
    for (const r of await Promise.all(pages.map((p) => measureJoin(p, n - 1, options)))) {
      first.push(r.first);
      all.push(r.all);
      if (r.captured !== null) captured.push(r.captured);
      if (r.sending !== null) sending.push(r.sending);
    }
    await Promise.all(pages.map((p) => p.close()));
  }
  return { first, all, captured, sending };
}

/**
 * The platform's floor for the same join, without Parley: a bare page in each of `browsers`
 * (the same browser n times, or Chromium and Firefox), each pair already connected by a
 * plain RTCPeerConnection with an audio and a video transceiver and no track yet (as
 * Parley's pairs are before a join), the camera sent at a quarter of its size, as Parley's
 * `auto` quality starts it. All pages at once capture with Parley's default constraints and
 * put the tracks on their senders; the first frame of each remote video is timed as in
 * measureJoin. What Parley adds is its figure minus this one. `pages` holds each page's own
 * figures, in the order of `browsers`.
 */
async function floorRounds(browsers, rounds) {
  const n = browsers.length;
  const first = [];
  const all = [];
  const captured = [];
  const sending = [];
  const byPage = browsers.map(() => ({ first: [], all: [], captured: [], sending: [] }));
  for (let round = 0; round < rounds; round++) {
    const pages = await Promise.all(
      browsers.map(async (browser) => {
        const context = await browser.createBrowserContext();
        const page = await context.newPage({ type: 'window' });
        await page.goto(`${servers.web.url}/bench-floor`); // any page of a secure origin
        await page.evaluate(() => {
          window.__pcs = [];
          window.__seen = [];
          window.__show = (stream) => {
            const video = Object.assign(document.createElement('video'), { muted: true, autoplay: true, playsInline: true, srcObject: stream });
            video.style.width = '320px';
            return document.body.appendChild(video);
          };
          /** The offering side adds the transceivers; the answering side gets them from the offer. */
          window.__connect = (offering) => {
            const pc = new RTCPeerConnection();
            if (offering) pc.addTransceiver('audio', { direction: 'sendrecv' });
            if (offering) pc.addTransceiver('video', { direction: 'sendrecv' });
            pc.ontrack = ({ track }) => {
              if (track.kind !== 'video') return;
              const video = window.__show(new MediaStream([track]));
              const seen = { at: null };
              window.__seen.push(seen);
              video.requestVideoFrameCallback((_, frame) => (seen.at = frame.expectedDisplayTime));
            };
            window.__pcs.push(pc);
            return pc;
          };
          window.__gathered = (pc) =>
            pc.iceGatheringState === 'complete' ? null : new Promise((resolve) => pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && resolve()));
        });
        return page;
      }),
    );
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        const offer = await pages[i].evaluate(async () => {
          const pc = window.__connect(true);
          await pc.setLocalDescription();
          await window.__gathered(pc);
          window.__pending = pc;
          return pc.localDescription.toJSON();
        });
        const answer = await pages[j].evaluate(async (offer) => {
          const pc = window.__connect(false);
          await pc.setRemoteDescription(offer);
          pc.getTransceivers().forEach((t) => (t.direction = 'sendrecv'));
          await pc.setLocalDescription();
          await window.__gathered(pc);
          return pc.localDescription.toJSON();
        }, offer);
        await pages[i].evaluate((answer) => window.__pending.setRemoteDescription(answer), answer);
      }
    }
    await waitUntil(async () => (await Promise.all(pages.map((p) => p.evaluate(() => window.__pcs.every((pc) => pc.connectionState === 'connected'))))).every(Boolean), 'every bare pair to connect', 30000);
    await Promise.all(
      pages.map((page) =>
        page.evaluate((scale) =>
          Promise.all(
            window.__pcs.map((pc) => {
              const sender = pc.getTransceivers().find((t) => t.receiver.track.kind === 'video').sender;
              const parameters = sender.getParameters();
              parameters.encodings[0].scaleResolutionDownBy = scale;
              return sender.setParameters(parameters);
            }),
          ), CAMERA_START_SCALE),
      ),
    );
    const times = await Promise.all(
      pages.map((page) =>
        page.evaluate(async (constraints, selfView) => {
          const start = performance.now();
          const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: constraints });
          const captured = performance.now() - start;
          if (selfView !== null) setTimeout(() => window.__show(stream), selfView);
          const cameras = [];
          for (const pc of window.__pcs) {
            for (const t of pc.getTransceivers()) {
              const track = stream.getTracks().find((track) => track.kind === t.receiver.track.kind);
              const replaced = t.sender.replaceTrack(track);
              if (track.kind === 'video') cameras.push(replaced);
            }
          }
          let sending = null;
          void Promise.all(cameras).then(() => (sending = performance.now() - start));
          while (window.__seen.some((s) => s.at === null) || sending === null) await new Promise((resolve) => setTimeout(resolve, 5));
          const times = window.__seen.map((s) => s.at - start);
          return { first: Math.min(...times), all: Math.max(...times), captured, sending };
        }, CAPTURE, FLOOR_SELF_VIEW ?? null),
      ),
    );
    times.forEach((r, i) => {
      first.push(r.first);
      all.push(r.all);
      captured.push(r.captured);
      sending.push(r.sending);
      for (const key of ['first', 'all', 'captured', 'sending']) byPage[i][key].push(r[key]);
    });
    await closePages(...pages);
  }
  return { first, all, captured, sending, pages: byPage };
}

/**
 * join() into a call already going: the second page joins, its camera is on and its video
 * presenting at the first page's end once that joins; then the first page joins and times
 * its first remote frame (the case of everyone who is not first in a call).
 */
async function lateJoinRounds(rounds) {
  const first = [];
  for (let round = 0; round < rounds; round++) {
    const [newcomer, host] = await openRoom(2, `late-${round}`);
    await host.evaluate(() => document.querySelector('parley-room').join({ audio: true, video: true }));
    await new Promise((resolve) => setTimeout(resolve, 1000)); // the camera running, as in a call that has gone on for a while
    first.push((await measureJoin(newcomer, 1)).first);
    await Promise.all([newcomer, host].map((p) => p.close()));
  }
  return first;
}

/**
 * A real ICE failure: freeze the second browser (SIGSTOP on its renderer), wait until the
 * first page's connection is `disconnected` and it has restarted ICE (after the grace
 * period), thaw, and time until the first page decodes the other's video again.
 */
async function recoveryRounds(rounds) {
  const thawToVideo = [];
  const freezeToRestart = [];
  const other = await launch('chromium');
  try {
    const room = `bench-call-recovery-${Date.now()}`;
    const a = await openDemo(browser, servers.demoUrl({ room, password: PASSWORD, name: 'A' }));
    // A must be the impolite side: only it makes ICE restart offers (the polite side asks it
    // to, src/core/net/negotiation.ts), and its restart is what is timed. B is opened again
    // (a new id) until it is the polite side.
    let b = await openDemo(other, servers.demoUrl({ room, password: PASSWORD, name: 'B' }));
    while ((await sessionId(a)) < (await sessionId(b))) {
      await b.close();
      b = await openDemo(other, servers.demoUrl({ room, password: PASSWORD, name: 'B' }));
    }
    await Promise.all([measureJoin(a, 1), measureJoin(b, 1)]);
    const bid = await sessionId(b);
    const state = () =>
      a.evaluate((id) => {
        const pc = document.querySelector('parley-room').session.peers.get(id).pc;
        return { state: pc.connectionState, sig: pc.signalingState, ice: pc.iceConnectionState, ufrag: pc.localDescription?.sdp.match(/a=ice-ufrag:(\S+)/)?.[1] };
      }, bid);
    for (let round = 0; round < rounds; round++) {
      const before = await state();
      const pids = rendererPids(other);
      const frozenAt = Date.now();
      pids.forEach((pid) => process.kill(pid, 'SIGSTOP'));
      try {
        await waitUntil(async () => {
          const now = await state();
          if (process.env.DEBUG) console.log(round, Date.now() - frozenAt, JSON.stringify(now));
          return now.ufrag !== before.ufrag;
        }, 'the ICE restart', 60000);
        freezeToRestart.push(Date.now() - frozenAt);
      } catch (error) {
        pids.forEach((pid) => process.kill(pid, 'SIGCONT'));
        throw error;
      }
      // The first frame presented after the thaw (requestVideoFrameCallback), in ms.
      const waiting = a.evaluate(async () => {
        const video = document.querySelector('parley-video-grid').shadowRoot.querySelector('video[data-remote]');
        const thawed = await new Promise((resolve) => (window.__thaw = resolve));
        await new Promise((resolve) => video.requestVideoFrameCallback(resolve));
        return performance.now() - thawed;
      });
      await new Promise((resolve) => setTimeout(resolve, 100)); // the page is listening
      await a.evaluate(() => window.__thaw(performance.now()));
      pids.forEach((pid) => process.kill(pid, 'SIGCONT'));
      thawToVideo.push(await waiting);
      // Settled: connected, and the restart offer answered (an unanswered one is re-sent).
      await waitUntil(async () => {
        const now = await state();
        return now.state === 'connected' && now.sig === 'stable';
      }, 'the connection to settle', 30000);
    }
  } finally {
    await other.close();
  }
  return { thawToVideo, freezeToRestart };
}

/** Bytes a page's call connections have sent (camera and microphone): its mesh peers' and the one up to Janus. */
const bytesSent = (page) =>
  page.evaluate(async () => {
    const session = document.querySelector('parley-room').session;
    const connections = [...session.peers.values()].map((p) => p.pc);
    if (session.sfu?.upstream) connections.push(session.sfu.upstream);
    let sum = 0;
    for (const pc of connections) for (const s of (await pc.getStats()).values()) if (s.type === 'outbound-rtp') sum += s.bytesSent ?? 0;
    return sum;
  });

/** CPU per participant (% of one core), and with `uplink`, kbit/s each sent, over CPU_SECONDS. */
async function cpuPerParticipant(n, { uplink = false } = {}) {
  const pages = await openRoom(n, 'cpu');
  await Promise.all(pages.map((p) => measureJoin(p, n - 1)));
  await new Promise((resolve) => setTimeout(resolve, 3000)); // let bitrate ramp up
  const sentBefore = uplink ? await Promise.all(pages.map(bytesSent)) : [];
  const before = browserCpuSeconds(browser);
  const started = Date.now();
  await new Promise((resolve) => setTimeout(resolve, CPU_SECONDS * 1000));
  const used = browserCpuSeconds(browser) - before;
  const seconds = (Date.now() - started) / 1000;
  const sentAfter = uplink ? await Promise.all(pages.map(bytesSent)) : [];
  await Promise.all(pages.map((p) => p.close()));
  const kbits = sentAfter.map((bytes, i) => ((bytes - sentBefore[i]) * 8) / 1000 / seconds);
  const cpu = (used / seconds / n) * 100;
  return uplink ? { cpu, uplink: quantile(kbits, 0.5) } : cpu;
}

if (SFU) {
  // Each row is printed as soon as it is measured: a larger room that does not finish on a
  // small machine (a page never shows every video) still leaves the rows before it.
  console.log('| people | media | join → all remote videos, p50 | CPU per participant (whole browser) | uplink per participant, p50 |');
  console.log('| --- | --- | --- | --- | --- |');
  let failed = false;
  try {
    rooms: for (const n of PEOPLE) {
      for (const mode of ['mesh', 'sfu']) {
        if (mode === 'mesh' && n > MESH_MOST) {
          console.log(`| ${n} | ${mode} | over max-participants (${MESH_MOST}): a mesh call refuses them | | |`);
          continue;
        }
        media = mode;
        try {
          const { all } = await joinRounds(n, SFU_ROUNDS);
          const { cpu, uplink } = await cpuPerParticipant(n, { uplink: true });
          console.log(`| ${n} | ${mode} | ${quantile(all, 0.5).toFixed(0)} ms (n=${all.length}) | ${cpu.toFixed(0)} % of one core | ${uplink.toFixed(0)} kbit/s |`);
        } catch (error) {
          console.log(`| ${n} | ${mode} | not measured: ${String(error.message ?? error).split('\n')[0]} | | |`);
          failed = true;
          break rooms;
        }
      }
    }
  } finally {
    await browser.close();
    await servers.close();
  }
  console.log(`(${cpus().length} cores: ${cpus()[0]?.model ?? 'unknown CPU'}; ${CPU_SECONDS} s window${QUALITY ? `; quality="${QUALITY}"` : ''})`);
  process.exit(failed ? 1 : 0);
}

try {
  if (wanted('join2')) results.join2 = await joinRounds(2, ROUNDS);
  if (wanted('preview')) results.join2preview = await joinRounds(2, ROUNDS, { preview: true });
  if (wanted('late')) results.joinLate = await lateJoinRounds(ROUNDS);
  if (wanted('join4')) results.join4 = await joinRounds(4, Math.max(1, Math.ceil(ROUNDS / 2)));
  if (wanted('floor')) results.floor2 = await floorRounds([browser, browser], ROUNDS);
  if (wanted('floor')) results.floor4 = await floorRounds([browser, browser, browser, browser], Math.max(1, Math.ceil(ROUNDS / 2)));
  if (wanted('mixed')) results.mixed = await mixedJoinRounds(ROUNDS);
  if (wanted('mixed') && wanted('floor')) {
    const firefox = await launch('firefox');
    try {
      results.floorMixed = await floorRounds([browser, firefox], ROUNDS);
    } finally {
      await firefox.close();
    }
  }
  if (wanted('offers')) results.offers = { chromium: await scriptedOffers('chromium'), firefox: await scriptedOffers('firefox') };
  if (wanted('recovery')) results.recovery = await recoveryRounds(RECOVERY_ROUNDS);
  if (wanted('cpu4')) results.cpu4 = await cpuPerParticipant(4);
} finally {
  await browser.close();
  await servers.close();
}

const stats = (values) =>
  `p50 ${quantile(values, 0.5).toFixed(0)} ms, p90 ${quantile(values, 0.9).toFixed(0)} ms, n=${values.length}`;
const offers = ({ offers, rebuilt }) => `${offers} offer${offers === 1 ? '' : 's'}, ${rebuilt} rebuilt`;
const { join2, join2preview, joinLate, mixed, join4, floor2, floor4, floorMixed, recovery, cpu4 } = results;
if (join2) console.log(`join() → first remote frame, 2 people:   ${stats(join2.first)}   (goal p50 ≤ 150 ms)`);
if (join2preview) console.log(`  from the preview (camera already on):   ${stats(join2preview.first)}`);
if (joinLate) console.log(`  into a call already going (1 person in): ${stats(joinLate)}`);
if (mixed) console.log(`  Chromium ↔ Firefox, Chromium side:     ${stats(mixed.chromiumSide)}   (goal p50 ≤ 200 ms)`);
if (mixed) console.log(`  Chromium ↔ Firefox, Firefox side:      ${stats(mixed.firefoxSide)}   (goal p50 ≤ 200 ms)`);
if (join4) console.log(`join() → first remote frame, 4 people:   ${stats(join4.first)}`);
if (join4) console.log(`join() → all 3 remote videos, 4 people:  ${stats(join4.all)}   (goal p50 ≤ 400 ms)`);
if (floor2) console.log(`the platform's floor (bare connected pairs, capture + replaceTrack, no Parley${FLOOR_SELF_VIEW === undefined ? '' : `, self-view after ${FLOOR_SELF_VIEW} ms`}):`);
if (floor2) console.log(`  2 people, first remote frame:          ${stats(floor2.first)}`);
if (floor4) console.log(`  4 people, all 3 remote videos:         ${stats(floor4.all)}`);
if (floorMixed) console.log(`  Chromium ↔ Firefox, Chromium side:     ${stats(floorMixed.pages[0].first)}\n  Chromium ↔ Firefox, Firefox side:      ${stats(floorMixed.pages[1].first)}`);
// Where a join's time goes, Parley beside the floor: the camera captured, then on every
// connection (the last replaceTrack of a camera resolved), then every remote video shown.
const path = (r) => `camera captured ${quantile(r.captured, 0.5).toFixed(0)} ms, on every connection ${quantile(r.sending, 0.5).toFixed(0)} ms, every remote video ${quantile(r.all, 0.5).toFixed(0)} ms`;
for (const [n, parley, floor] of [[2, join2, floor2], [4, join4, floor4]]) {
  if (parley && floor) console.log(`${n} people, where the time goes (p50 of each step, from join()):\n  Parley: ${path(parley)}\n  floor:  ${path(floor)}`);
}
if (mixed) console.log(`Chromium ↔ Firefox, where the time goes (p50 of each step, from join()):\n  Chromium page: ${path(mixed.paths.chromium)}\n  Firefox page:  ${path(mixed.paths.firefox)}`);
if (mixed && floorMixed) console.log(`  floor, Chromium page: ${path(floorMixed.pages[0])}\n  floor, Firefox page:  ${path(floorMixed.pages[1])}`);
if (results.offers) console.log(`offers per pair, scripted call:          Chromium ↔ Chromium ${offers(results.offers.chromium)}; Chromium ↔ Firefox ${offers(results.offers.firefox)}   (goal 1, 0)`);
if (recovery) console.log(`ICE failure: freeze → ICE restart:       ${stats(recovery.freezeToRestart)}   (goal ≤ 3 s)`);
if (recovery) console.log(`ICE failure: network back → video again: ${stats(recovery.thawToVideo)}   (goal ≤ 300 ms)`);
if (cpu4 !== undefined) console.log(`CPU per participant, 4-party call:       ${cpu4.toFixed(0)} % of one core (${CPU_SECONDS} s window, whole browser)`);
console.log(`(${cpus().length} cores: ${cpus()[0]?.model ?? 'unknown CPU'})`);
