// `npm run bench:forms`: collaborative forms on loopback, two Chromium pages, real relay.
//   - keystroke → remote field latency (p50, p99) through <parley-form>;
//   - a late joiner receiving a form of 50 fields × 2 KB of text: time from its data
//     channel opening to every field showing the room's text, and from page start;
//   - what one keystroke puts on the wire in a room of four (full mesh): data-channel
//     messages and bytes, all pages together, by kind (document update, state-vector
//     report, presence), counted where each page hands them to RTCDataChannel.send.
import { launch, startServers, waitUntil } from '../test/e2e/harness.mjs';
import { keystrokeLatencies } from './keystrokes.mjs';
import { quantile } from './stats.mjs';

const FIELDS = Number(process.env.FIELDS ?? 50);
const FIELD_BYTES = Number(process.env.FIELD_BYTES ?? 2048);
const KEYSTROKES = Number(process.env.KEYSTROKES ?? 300);
const LATE_JOINS = Number(process.env.LATE_JOINS ?? 5);
const WIRE_KEYSTROKES = Number(process.env.WIRE_KEYSTROKES ?? 50);
/** A room password (env PASSWORD): every relay message sealed, as <parley-room password> does. */
const PASSWORD = (process.env.PASSWORD ?? '').replace(/[^\w -]/g, '');

/** A record-edit page with FIELDS textareas; `filled` pages were rendered with the text. */
function page(url) {
  const { searchParams } = new URL(url, 'http://x');
  const filled = searchParams.get('filled') === '1';
  const rows = Array.from({ length: FIELDS }, (_, i) => {
    const text = filled ? `field ${i}: ${'lorem ipsum '.repeat(FIELD_BYTES / 12)}`.slice(0, FIELD_BYTES) : '';
    return `<label>Field ${i}<textarea name="f${i}">${text}</textarea></label>`;
  }).join('\n');
  return `<!doctype html><meta charset="utf-8"><title>forms bench</title>
    <script>window.__start = performance.now();</script>
    <script type="module" src="/dist/parley.js"></script>
    <parley-room room="${searchParams.get('room')}" signaling="${searchParams.get('signaling')}" name="${searchParams.get('name')}"${PASSWORD ? ` password="${PASSWORD}"` : ''}></parley-room>
    <parley-form room="${searchParams.get('room')}"><form>${rows}</form></parley-form>`;
}

const servers = await startServers({
  onRequest(req, res) {
    if (!req.url.startsWith('/bench/forms.html')) return false;
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page(req.url));
    return true;
  },
});
const url = (room, name, filled) =>
  `${servers.web.url}/bench/forms.html?${new URLSearchParams({ room, name, filled: filled ? '1' : '0', signaling: servers.relay.url })}`;
const browser = await launch('chromium');
const keyTimes = [];
const wire = {};
const lateFromOpen = [];
const lateFromStart = [];

/** Counts what a page sends on Parley's `parley` data channel, by y-protocols message kind. */
function countChannelSends() {
  const counts = (window.__wire = {});
  const send = RTCDataChannel.prototype.send;
  const continued = new WeakMap();
  RTCDataChannel.prototype.send = function (data) {
    if (this.label === 'parley' && typeof data !== 'string') {
      const bytes = new Uint8Array(data.buffer ?? data, data.byteOffset ?? 0, data.byteLength);
      // Frame: kind (low 7 bits) | 0x80 when more frames follow, then the payload.
      if ((bytes[0] & 0x7f) === 0 && !continued.get(this)) {
        const kind = bytes[1] === 0 ? ['step 1', 'step 2', 'update'][bytes[2]] : bytes[1] === 1 ? 'presence' : bytes[1] === 4 ? 'report' : `type ${bytes[1]}`;
        const c = (counts[kind] ??= { messages: 0, bytes: 0 });
        c.messages++;
        c.bytes += bytes.byteLength;
      }
      continued.set(this, (bytes[0] & 0x80) !== 0);
    }
    return send.call(this, data);
  };
}

async function open(address, { count = false } = {}) {
  const context = await browser.createBrowserContext();
  const p = await context.newPage();
  if (count) await p.evaluateOnNewDocument(countChannelSends);
  await p.goto(address);
  await p.waitForFunction(() => document.querySelector('parley-form')?.session);
  return p;
}

try {
  // Keystroke latency: A types into f0, B timestamps each remote change (one clock: epoch).
  const room = `forms-${Date.now()}`;
  const a = await open(url(room, 'A', true));
  const b = await open(url(room, 'B', true));
  await waitUntil(() => b.evaluate(() => document.querySelector('parley-form').session.synced), 'sync', 20000);
  keyTimes.push(...(await keystrokeLatencies(a, b, 'textarea', KEYSTROKES)));
  await b.close();

  // Late joiners: pages rendered without the text join a room that has it.
  const expected = await a.evaluate(() => [...document.querySelectorAll('textarea')].map((t) => t.value));
  for (let i = 0; i < LATE_JOINS; i++) {
    const late = await open(url(room, `late-${i}`, false));
    const result = await late.evaluate(
      (want) =>
        new Promise((resolve) => {
          const session = document.querySelector('parley-form').session;
          let opened = 0;
          const check = () => {
            if (!opened && [...session.peers.values()].some((p) => p.connected)) opened = performance.now();
            const areas = document.querySelectorAll('textarea');
            if (opened && [...areas].every((t, k) => t.value === want[k])) {
              resolve({ fromOpen: performance.now() - opened, fromStart: performance.now() - window.__start });
            } else requestAnimationFrame(check);
          };
          check();
        }),
      expected,
    );
    lateFromOpen.push(result.fromOpen);
    lateFromStart.push(result.fromStart);
    await late.close();
  }

  // A room of four: A types; every page counts what it sends on the data channel.
  const wireRoom = `forms-wire-${Date.now()}`;
  const four = [];
  for (const name of ['A', 'B', 'C', 'D']) four.push(await open(url(wireRoom, name, true), { count: true }));
  await waitUntil(
    async () => (await Promise.all(four.map((p) => p.evaluate(() => { const s = document.querySelector('parley-form').session; return s.synced && [...s.peers.values()].filter((x) => x.connected).length === 3; })))).every(Boolean),
    'the room of four to connect and sync',
    30000,
  );
  await new Promise((resolve) => setTimeout(resolve, 1000)); // the joins' own traffic is over
  await Promise.all(four.map((p) => p.evaluate(() => Object.keys(window.__wire).forEach((k) => delete window.__wire[k]))));
  await keystrokeLatencies(four[0], four[1], 'textarea', WIRE_KEYSTROKES);
  await new Promise((resolve) => setTimeout(resolve, 1000)); // the last reports
  for (const p of four) {
    for (const [kind, c] of Object.entries(await p.evaluate(() => window.__wire))) {
      const total = (wire[kind] ??= { messages: 0, bytes: 0 });
      total.messages += c.messages;
      total.bytes += c.bytes;
    }
  }
  await Promise.all(four.map((p) => p.close()));
} finally {
  await browser.close();
  await servers.close();
}

const pct = (values, q) => quantile(values, q).toFixed(1);
console.log(`keystroke → remote field (${keyTimes.length} keys):  p50 ${pct(keyTimes, 0.5)} ms, p99 ${pct(keyTimes, 0.99)} ms   (goal p50 ≤ 5, p99 ≤ 20)`);
console.log(`late join, ${FIELDS} fields × ${FIELD_BYTES} B, from data channel open:  median ${pct(lateFromOpen, 0.5)} ms, max ${pct(lateFromOpen, 1)} ms   (goal ≤ 200)`);
console.log(`late join, same, from page start (incl. relay + WebRTC connect):  median ${pct(lateFromStart, 0.5)} ms`);
const perKey = (n) => (n / WIRE_KEYSTROKES).toFixed(1);
const sum = (key) => Object.values(wire).reduce((total, c) => total + c[key], 0);
console.log(
  `one keystroke in a room of four, all pages:  ${perKey(sum('messages'))} messages, ${perKey(sum('bytes'))} bytes  (${Object.entries(wire)
    .map(([kind, c]) => `${kind} ${perKey(c.messages)} / ${perKey(c.bytes)} B`)
    .join(', ')})`,
);
