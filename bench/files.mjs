// `npm run bench:files`: one Chromium, loopback, the real relay; the sender and the receiver
// in one page, or with PAGES=2 in two (two renderer processes, each with its own network
// thread, as two people have):
//   - raw RTCDataChannel throughput: two RTCPeerConnections, no protocol, the same message
//     size and send-queue limits as Parley's file channel;
//   - Parley's file transfer throughput: two Sessions, SHA-256 per chunk and of the whole,
//     written to the Origin Private File System; from offer to verified file;
//   - Yjs edit latency (insert at A → observed at B), idle and while a transfer runs, on
//     one clock: each page's epoch time (timeOrigin + now), with the pages' offset measured
//     over a BroadcastChannel beforehand (NTP-style, best of 50 round trips);
//   - JS heap growth of the two pages (sender + receiver) during the transfer.
// Raw and Parley alternate for ROUNDS rounds and the figures are medians / pooled
// percentiles, so a busy machine skews both sides alike.
//   SIZE_MB (default 128), ROUNDS (default 3), DISK=0 to receive into memory instead of OPFS,
//   PAGES (default 1). With PAGES=2 the raw channel, which has no window of its own, falls
//   to about 8 MB/s (measured; most likely it overruns the receiving process) while
//   Parley's windowed transfer keeps about 16, so the ratio says little there.
// The issue states the memory goal for 1 GB: SIZE_MB=1024 ROUNDS=1.
// LINK_MBIT=10 puts a slow link between the two sessions (bench/shaped-link.mjs): that rate
// each way, LINK_RTT_MS (default 20) of round trip and a queue of LINK_QUEUE_MS (default
// 250) in front of it, like a home uplink. Parley is then compared with the link's rate
// (no raw channel), and SIZE_MB defaults to 16.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import puppeteer from 'puppeteer-core';
import { createRelay } from '../signaling/src/relay.js';
import { createShapedRelay } from './shaped-link.mjs';
import { quantile } from './stats.mjs';
import { serveStatic } from '../scripts/serve.mjs';
import { chromiumLaunch } from '../test/browsers.mjs';

const LINK = process.env.LINK_MBIT
  ? { mbit: Number(process.env.LINK_MBIT), rttMs: Number(process.env.LINK_RTT_MS ?? 20), queueMs: Number(process.env.LINK_QUEUE_MS ?? 250) }
  : null;
const SIZE_MB = Number(process.env.SIZE_MB ?? (LINK ? 16 : 128));
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const DISK = process.env.DISK !== '0';
const PAGES = Number(process.env.PAGES ?? 1);
const MB = 1024 * 1024;
const IDLE_EDITS = 150;

if (!existsSync(fileURLToPath(new URL('../dist/parley.js', import.meta.url)))) {
  console.error('dist/parley.js not found: run `npm run build` first');
  process.exit(1);
}

const median = (values) => quantile(values, 0.5);

const relay = LINK ? await createShapedRelay(LINK) : await createRelay({ port: 0, log: () => {} });
const web = await serveStatic({ port: 0 });
const browser = await puppeteer.launch({
  ...chromiumLaunch,
  args: [
    ...chromiumLaunch.args,
    '--enable-precise-memory-info',
    '--js-flags=--expose-gc',
    // Both pages stand for a person at a tab in the foreground: no background throttling.
    '--disable-background-timer-throttling',
    '--disable-renderer-backgrounding',
    '--disable-backgrounding-occluded-windows',
  ],
  protocolTimeout: 0, // a transfer is one long evaluate
});

/** Datagrams the kernel dropped for a full receive buffer, machine-wide (/proc/net/snmp). */
const udpDrops = () => {
  const [names, values] = readFileSync('/proc/net/snmp', 'utf8').split('\n').filter((l) => l.startsWith('Udp:'));
  return Number(values.split(' ')[names.split(' ').indexOf('RcvbufErrors')]);
};
const dropsBefore = udpDrops();
let result;
try {
  result = await run();
} finally {
  await browser.close();
  web.server.close();
  await relay.close();
}

const f = (n, d = 1) => n.toFixed(d);
const verdict = (ok) => (ok ? 'met' : 'MISSED');
const { idle, during } = result;
const latency = during.p99 / idle.p99;
const where = LINK ? `a ${LINK.mbit} Mbit/s link, ${LINK.rttMs} ms round trip, ${LINK.queueMs} ms queue` : 'loopback';
console.log(`\nChromium, ${PAGES === 2 ? 'sender and receiver in two pages' : 'one page'}, ${where}; ${SIZE_MB} MB file × ${ROUNDS} rounds; messages of ${result.chunk / 1024} KiB${PAGES === 2 ? `; page clocks differ by ${f(result.offset, 2)} ms` : ''}`);
console.log(`${LINK ? 'link rate:              ' : 'raw RTCDataChannel:      '} median ${f(median(result.raws))} MB/s (${result.raws.map((x) => f(x)).join(', ')})`);
console.log(`Parley file transfer:     median ${f(median(result.parleys))} MB/s (${result.parleys.map((x) => f(x)).join(', ')}), verified, stored on ${result.storage}`);
const ratio = median(result.parleys.map((p, i) => p / result.raws[i]));
console.log(`  Parley / ${(LINK ? 'link:' : 'raw:').padEnd(15)}median ${f(ratio * 100, 0)}% per round   [goal ≥ 80%: ${verdict(ratio >= 0.8)}]`);
console.log(`Yjs edit latency idle:    p50 ${f(idle.p50)} ms, p99 ${f(idle.p99)} ms (n=${idle.n})`);
console.log(`Yjs edit latency during:  p50 ${f(during.p50)} ms, p99 ${f(during.p99)} ms (n=${during.n}) = ${f(latency)}× idle p99   [goal ≤ 2×: ${verdict(latency <= 2)}]`);
console.log(`JS heap growth (sender + receiver): ${f(result.heapMb)} MB peak over a ${SIZE_MB} MB transfer   [goal ≤ 100 MB for 1 GB${SIZE_MB < 1024 ? `; measured at ${SIZE_MB} MB` : ''}: ${verdict(result.heapMb <= 100)}]`);
console.log(`  retained after the transfer and a GC: ${f(result.retainedMb)} MB (the peak is mostly garbage awaiting collection)`);
if (result.errors.length) console.log(`errors: ${result.errors.join('; ')}`);
if (LINK) console.log(`link: ${relay.stats.forwarded} datagrams forwarded, ${relay.stats.dropped} dropped by its queue; ${udpDrops() - dropsBefore} dropped by full UDP receive buffers on this machine`);

async function run() {
  const room = `bench-files-${Math.random().toString(36).slice(2)}`;
  const opened = [];
  for (let i = 0; i < PAGES; i++) {
    const page = await browser.newPage();
    page.on('pageerror', (e) => console.error('page error:', e.message));
    page.on('console', (m) => m.type() === 'log' && console.log(`  ${m.text()}`));
    await page.goto(`${web.url}/bench-blank`); // any same-origin document will do
    opened.push(page);
  }
  const [pageA, pageB = pageA] = opened;
  const options = { signaling: relay.url, room, disk: DISK, iceServers: LINK ? [] : undefined };
  await pageA.evaluate(setUp, { ...options, role: 'A' });
  await pageB.evaluate(setUp, { ...options, role: 'B' });
  const idA = await pageA.evaluate(() => bench.A.session.id);
  const idB = await pageB.evaluate(() => bench.B.session.id);
  await Promise.all([
    pageA.evaluate((peer) => bench.A.connected(peer), idB),
    pageB.evaluate((peer) => bench.B.connected(peer), idA),
  ]);
  const offset = pageB === pageA ? 0 : await pageA.evaluate(() => bench.A.clockOffset()); // one page: one clock
  const chunk = await pageA.evaluate((peer) => bench.A.chunkSize(peer), idB);
  const total = Math.ceil((SIZE_MB * MB) / chunk) * (chunk + 45); // raw: Parley's messages, header included

  // Latencies from A's send times and B's arrival times, on A's clock.
  const latencies = async (sends) => {
    const arrivals = new Map(await pageB.evaluate(() => bench.B.takeArrivals()));
    const out = [];
    for (const [seq, sent] of sends) if (arrivals.has(seq)) out.push(arrivals.get(seq) - offset - sent);
    return out;
  };
  const idle = [];
  const during = [];
  const raws = [];
  const parleys = [];
  const errors = [];
  let heapMb = 0;
  let retainedMb = 0;
  let storage = '';
  for (let round = 0; round < ROUNDS; round++) {
    idle.push(...(await latencies(await pageA.evaluate((n) => bench.A.edits(n), IDLE_EDITS))));

    if (LINK) raws.push((LINK.mbit * 1e6) / 8 / MB);
    else {
      const rawDone = pageB.evaluate((bytes) => bench.B.rawReceive(bytes), total);
      const rawStart = await pageA.evaluate((bytes, size) => bench.A.rawSend(bytes, size), total, chunk + 45);
      raws.push(SIZE_MB / (((await rawDone) - offset - rawStart) / 1000));
    }

    const heaps = [pageA, pageB === pageA ? null : pageB].filter(Boolean);
    await Promise.all(heaps.map((p) => p.evaluate(() => bench.heapStart())));
    const received = pageB.evaluate(() => bench.B.receive());
    const sent = await pageA.evaluate((mb, peer) => bench.A.transfer(mb, peer), SIZE_MB, idB);
    const receiver = await received;
    during.push(...(await latencies(sent.sends)));
    parleys.push(SIZE_MB / ((receiver.at - offset - sent.start) / 1000));
    storage = receiver.storage;
    errors.push(...receiver.errors);
    const heap = await Promise.all(heaps.map((p) => p.evaluate(() => bench.heapStop())));
    heapMb = Math.max(heapMb, heap.reduce((sum, h) => sum + h.peakMb, 0));
    retainedMb = Math.max(retainedMb, heap.reduce((sum, h) => sum + h.retainedMb, 0));
    console.log(`round ${round + 1}: raw ${raws.at(-1).toFixed(1)} MB/s, Parley ${parleys.at(-1).toFixed(1)} MB/s`);
  }
  await pageA.evaluate(() => bench.A.session.destroy());
  await pageB.evaluate(() => bench.B.session.destroy());
  const stats = (values) => ({ p50: quantile(values, 0.5), p99: quantile(values, 0.99), n: values.length });
  return { chunk, offset, raws, parleys, storage, errors, idle: stats(idle), during: stats(during), heapMb, retainedMb };
}

/** Runs in a page: sets up `bench[role]` (and the page-wide heap sampler). */
async function setUp({ signaling, room, disk, role, iceServers }) {
  const parley = await (await import('/dist/parley.js')).loadCore();
  const now = () => performance.timeOrigin + performance.now();
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  const channel = (name) => new BroadcastChannel(`${room}-${name}`);
  const nextMessage = (ch, test) =>
    new Promise((resolve) => {
      const on = (e) => test(e.data) && (ch.removeEventListener('message', on), resolve(e.data));
      ch.addEventListener('message', on);
    });
  const session = new parley.Session(room, { signaling, name: role, ...(iceServers && { iceServers }) });
  session.start();
  const files = parley.FileTransfers.for(session);
  const list = session.doc.getArray('bench');
  let arrivals = [];
  list.observe((event) => {
    const t = now();
    for (const d of event.changes.delta) for (const seq of d.insert ?? []) arrivals.push([seq, t]);
  });
  let seq = 0;
  const heap = () => performance.memory?.usedJSHeapSize ?? 0;
  globalThis.bench ??= {
    async heapStart() {
      globalThis.gc?.();
      await sleep(200);
      const state = { baseline: heap(), peak: heap() };
      state.sampler = setInterval(() => (state.peak = Math.max(state.peak, heap())), 50);
      bench.heapState = state;
    },
    async heapStop() {
      const state = bench.heapState;
      clearInterval(state.sampler);
      globalThis.gc?.();
      await sleep(200);
      return { peakMb: (state.peak - state.baseline) / (1024 * 1024), retainedMb: Math.max(0, heap() - state.baseline) / (1024 * 1024) };
    },
  };
  const clock = channel('clock');
  if (role === 'B') clock.onmessage = (e) => clock.postMessage({ t0: e.data.t0, t1: now() });
  const rawSignals = channel('raw');
  const done = channel('done');

  bench[role] = {
    session,
    async connected(peer) {
      for (let i = 0; !session.peers.get(peer)?.connected; i++) {
        if (i > 400) throw new Error('the sessions did not connect');
        await sleep(25);
      }
      await sleep(500);
    },
    /** B's clock minus A's, from the round trip with the least delay. */
    async clockOffset() {
      let best = { rtt: Infinity, offset: 0 };
      for (let i = 0; i < 50; i++) {
        const t0 = now();
        const reply = nextMessage(clock, (d) => d.t0 === t0);
        clock.postMessage({ t0 });
        const { t1 } = await reply;
        const t2 = now();
        if (t2 - t0 < best.rtt) best = { rtt: t2 - t0, offset: t1 - (t0 + t2) / 2 };
        await sleep(5);
      }
      return best.offset;
    },
    chunkSize(peer) {
      const link = { send: () => true, buffered: () => 0, maxMessageSize: () => session.peers.get(peer).maxMessageSize };
      return new parley.FileSender(new Blob([new Uint8Array(1)]), peer, link, () => {}).chunkSize;
    },
    /** Inserts into the shared list every 10 ms until `until()`; returns [seq, time] pairs. */
    async edits(count, until = () => false) {
      const sends = [];
      for (let i = 0; i < count && !until(); i++) {
        sends.push([seq, now()]);
        list.push([seq++]);
        await sleep(10);
      }
      await sleep(200);
      return sends;
    },
    takeArrivals() {
      const out = arrivals;
      arrivals = [];
      return out;
    },
    async rawSend(bytes, size) {
      const pc = new RTCPeerConnection();
      pc.onicecandidate = (e) => e.candidate && rawSignals.postMessage({ from: 'A', candidate: e.candidate.toJSON() });
      rawSignals.onmessage = async (e) => {
        if (e.data.from !== 'B') return;
        if (e.data.answer) await pc.setRemoteDescription(e.data.answer);
        if (e.data.candidate) await pc.addIceCandidate(e.data.candidate);
      };
      const send = pc.createDataChannel('raw', { negotiated: true, id: 0 });
      await pc.setLocalDescription();
      rawSignals.postMessage({ from: 'A', offer: pc.localDescription.toJSON() });
      await new Promise((r) => (send.onopen = r));
      send.bufferedAmountLowThreshold = parley.FILE_CHANNEL_LOW_WATER;
      const data = new Uint8Array(size);
      const start = now();
      for (let sent = 0; sent < bytes; sent += size) {
        if (send.bufferedAmount > parley.SEND_HIGH_WATER) await new Promise((r) => (send.onbufferedamountlow = r));
        send.send(data);
      }
      await nextMessage(rawSignals, (d) => d.from === 'B' && d.done);
      pc.close();
      return start;
    },
    async rawReceive(bytes) {
      const pc = new RTCPeerConnection();
      pc.onicecandidate = (e) => e.candidate && rawSignals.postMessage({ from: 'B', candidate: e.candidate.toJSON() });
      const pending = [];
      rawSignals.onmessage = async (e) => {
        if (e.data.from !== 'A') return;
        if (e.data.offer) {
          await pc.setRemoteDescription(e.data.offer);
          await pc.setLocalDescription();
          rawSignals.postMessage({ from: 'B', answer: pc.localDescription.toJSON() });
          for (const c of pending.splice(0)) await pc.addIceCandidate(c);
        }
        if (e.data.candidate) {
          if (pc.remoteDescription) await pc.addIceCandidate(e.data.candidate);
          else pending.push(e.data.candidate);
        }
      };
      const recv = pc.createDataChannel('raw', { negotiated: true, id: 0 });
      recv.binaryType = 'arraybuffer';
      let received = 0;
      const end = await new Promise((r) => {
        recv.onmessage = (e) => {
          received += e.data.byteLength;
          if (received >= bytes) r(now());
        };
      });
      rawSignals.postMessage({ from: 'B', done: true });
      setTimeout(() => pc.close(), 100);
      return end;
    },
    /** A: offers a SIZE_MB file to B and edits every 10 ms until B has verified it. */
    async transfer(sizeMb, peer) {
      // A file that costs no JS heap: a Blob of 1 MB Blobs.
      const oneMb = new Blob(Array.from({ length: 16 }, () => crypto.getRandomValues(new Uint8Array(64 * 1024))));
      const file = new File(Array.from({ length: sizeMb }, () => oneMb), 'bench.bin');
      let finished = false;
      void nextMessage(done, () => true).then(() => (finished = true));
      const start = now();
      files.offer(file, peer);
      const sends = await this.edits(Infinity, () => finished);
      return { start, sends };
    },
    /** B: accepts the next offer; resolves when the file is verified (and tells A). */
    async receive() {
      files.useDisk = disk;
      files.maxBytes = Infinity;
      const errors = [];
      const offErrors = files.events.on('error', (e) => errors.push(e.message));
      const offOffers = files.events.on('offer', (r) => files.accept(r));
      const receiver = await new Promise((r) => {
        const off = files.events.on('received', (x) => (off(), r(x)));
      });
      const at = now();
      done.postMessage('done');
      offErrors();
      offOffers();
      const storage = receiver.storage;
      await receiver.dismiss();
      return { at, storage, errors };
    },
  };
}
