// `npm run bench:call`: call figures on loopback, with the real relay and the demo page in
// Debian's Chromium (fake camera and microphone):
//   - join → first remote frame, p50/p90, for 2 and for 4 participants: all pages call
//     join() at once; each measures from its own join() to the first decoded frame of a
//     remote video (and, for 4, of all three remote videos);
//   - recovery from a real ICE failure: the other browser is frozen (SIGSTOP on its
//     renderer) until this side's connection is `disconnected` and it restarted ICE after
//     the grace period; then thawed: time until this side plays the other's video again
//     (Linux only: it reads /proc and sends signals);
//   - CPU per participant in a 4-party call: the browser's whole process tree (renderers,
//     GPU, network and audio services), from /proc, over a 10 s window, divided by 4.
// Env: ROUNDS (default 5), RECOVERY_ROUNDS (default 3), CPU_SECONDS (default 10).
import { cpus } from 'node:os';
import { launch, openDemo, startServers, waitUntil } from '../test/e2e/harness.mjs';
import { browserCpuSeconds, rendererPids } from '../test/e2e/processes.mjs';
import { quantile } from './stats.mjs';

const ROUNDS = Number(process.env.ROUNDS ?? 5);
const RECOVERY_ROUNDS = Number(process.env.RECOVERY_ROUNDS ?? 3);
const CPU_SECONDS = Number(process.env.CPU_SECONDS ?? 10);

const servers = await startServers();
const browser = await launch('chromium');
const results = {};

/** Opens n demo pages in one room and waits until every pair has its data connection. */
async function openRoom(n, tag) {
  const room = `bench-call-${tag}-${Date.now()}`;
  const pages = await Promise.all(Array.from({ length: n }, (_, i) => openDemo(browser, servers.demoUrl({ room, name: `P${i}` }))));
  await waitUntil(
    async () =>
      (
        await Promise.all(
          pages.map((p) => p.evaluate(() => [...document.querySelector('parley-room').session.peers.values()].filter((x) => x.connected).length)),
        )
      ).every((c) => c === n - 1),
    'every pair to connect',
    30000,
  );
  return pages;
}

/** join() → first remote frame and → frames from all n−1 remote videos, in ms. */
const measureJoin = (page, others) =>
  page.evaluate(async (others) => {
    const room = document.querySelector('parley-room');
    const grid = document.querySelector('parley-video-grid');
    const start = performance.now();
    await room.join({ audio: true, video: true });
    const seen = new Map();
    let first;
    while (seen.size < others) {
      for (const video of grid.shadowRoot.querySelectorAll('video[data-remote]')) {
        if (seen.has(video)) continue;
        seen.set(video, null);
        video.requestVideoFrameCallback(() => {
          const t = performance.now() - start;
          first ??= t;
          seen.set(video, t);
        });
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    while ([...seen.values()].some((t) => t === null)) await new Promise((resolve) => setTimeout(resolve, 5));
    return { first, all: Math.max(...seen.values()) };
  }, others);

async function joinRounds(n, rounds) {
  const first = [];
  const all = [];
  for (let round = 0; round < rounds; round++) {
    const pages = await openRoom(n, `${n}-${round}`);
    for (const r of await Promise.all(pages.map((p) => measureJoin(p, n - 1)))) {
      first.push(r.first);
      all.push(r.all);
    }
    await Promise.all(pages.map((p) => p.close()));
  }
  return { first, all };
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
    const a = await openDemo(browser, servers.demoUrl({ room, name: 'A' }));
    const b = await openDemo(other, servers.demoUrl({ room, name: 'B' }));
    await Promise.all([measureJoin(a, 1), measureJoin(b, 1)]);
    const bid = await b.evaluate(() => document.querySelector('parley-room').session.id);
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
      } finally {
        pids.forEach((pid) => process.kill(pid, 'SIGCONT'));
      }
      const thawed = Date.now();
      await a.evaluate(async () => {
        const find = () => document.querySelector('parley-video-grid').shadowRoot.querySelector('video[data-remote]');
        // The tile may be re-rendered (or the pair rebuilt) meanwhile: wait for its video.
        while (!find()) await new Promise((resolve) => setTimeout(resolve, 20));
        const video = find();
        const t = video.currentTime;
        // The first frame presented after the stall, with playback time moving again.
        while (video.currentTime <= t) await new Promise((resolve) => video.requestVideoFrameCallback(resolve));
      });
      thawToVideo.push(Date.now() - thawed);
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

async function cpuPerParticipant(n) {
  const pages = await openRoom(n, 'cpu');
  await Promise.all(pages.map((p) => measureJoin(p, n - 1)));
  await new Promise((resolve) => setTimeout(resolve, 3000)); // let bitrate ramp up
  const before = browserCpuSeconds(browser);
  const started = Date.now();
  await new Promise((resolve) => setTimeout(resolve, CPU_SECONDS * 1000));
  const used = browserCpuSeconds(browser) - before;
  const seconds = (Date.now() - started) / 1000;
  await Promise.all(pages.map((p) => p.close()));
  return (used / seconds / n) * 100;
}

try {
  results.join2 = await joinRounds(2, ROUNDS);
  results.join4 = await joinRounds(4, Math.max(1, Math.ceil(ROUNDS / 2)));
  results.recovery = await recoveryRounds(RECOVERY_ROUNDS);
  results.cpu4 = await cpuPerParticipant(4);
} finally {
  await browser.close();
  await servers.close();
}

const stats = (values) =>
  `p50 ${quantile(values, 0.5).toFixed(0)} ms, p90 ${quantile(values, 0.9).toFixed(0)} ms, n=${values.length}`;
console.log(`join() → first remote frame, 2 people:   ${stats(results.join2.first)}   (goal p50 ≤ 400 ms)`);
console.log(`join() → first remote frame, 4 people:   ${stats(results.join4.first)}`);
console.log(`join() → all 3 remote videos, 4 people:  ${stats(results.join4.all)}`);
console.log(`ICE failure: freeze → ICE restart:       ${stats(results.recovery.freezeToRestart)}   (detection + grace)`);
console.log(`ICE failure: network back → video again: ${stats(results.recovery.thawToVideo)}   (goal ≤ 3 s)`);
console.log(`CPU per participant, 4-party call:       ${results.cpu4.toFixed(0)} % of one core (${CPU_SECONDS} s window, whole browser)`);
console.log(`(${cpus().length} cores: ${cpus()[0]?.model ?? 'unknown CPU'})`);
