import { WebSocketServer, WebSocket } from 'ws';
import { createRelay } from '../signaling/src/relay.js';
import { serveStatic } from '../scripts/serve.mjs';
import { startJanus } from '../sfu/janus.mjs';
import { launchAll, openDemo, waitUntil } from '../test/e2e/harness.mjs';

const janusSecret = 'e2e-janus-secret';
const janus = await startJanus({ secret: janusSecret });
const t0 = Date.now();
const log = [];
const proxy = new WebSocketServer({ port: 0, handleProtocols: () => 'janus-protocol' });
let conn = 0;
proxy.on('connection', (client) => {
  const id = ++conn;
  const upstream = new WebSocket(janus.url, 'janus-protocol');
  const queue = [];
  const sent = new Map();
  upstream.on('open', () => queue.splice(0).forEach((m) => upstream.send(m)));
  client.on('message', (data) => {
    const m = JSON.parse(String(data));
    sent.set(m.transaction, { at: Date.now(), what: m.janus + (m.body?.request ? ':' + m.body.request : '') });
    if (upstream.readyState === 1) upstream.send(String(data)); else queue.push(String(data));
  });
  upstream.on('message', (data) => {
    const m = JSON.parse(String(data));
    const s = sent.get(m.transaction);
    if (s && m.janus !== 'ack') log.push({ id, what: s.what, ms: Date.now() - s.at, at: s.at - t0, reply: m.janus });
    client.send(String(data));
  });
  client.on('close', () => upstream.close());
  upstream.on('close', () => client.close());
});
const proxyUrl = `ws://127.0.0.1:${proxy.address().port}`;
const relay = await createRelay({ port: 0, log: () => {}, janusUrls: [proxyUrl], janusSecret });
const web = await serveStatic({ port: 0 });
const demoUrl = ({ room, name }) => `${web.url}/demo/?${new URLSearchParams({ room, name, signaling: relay.url, password: 'pw pw pw', media: 'auto', quality: 'low' })}`;
const browsers = await launchAll(['chromium', 'firefox']);
const PEOPLE = ['Ada', 'Fay', 'Bob', 'Cy', 'Dee', 'Eve', 'Gus'];
const pages = [];
const room = 'probe-' + Date.now();
try {
  for (const [i, name] of PEOPLE.entries()) pages.push(await openDemo(browsers[i === 1 ? 1 : 0], demoUrl({ room, name })));
  for (const page of pages) await page.evaluate(() => { window.errs = []; document.querySelector('parley-room').addEventListener('parley-error', (e) => window.errs.push((performance.timeOrigin + performance.now()) + ' ' + e.detail.message)); });
  await waitUntil(async () => (await Promise.all(pages.map((p) => p.evaluate(() => [...document.querySelector('parley-room').session.peers.values()].filter((x) => x.connected).length)))).every((n) => n === 6), 'connect', 60000);
  await Promise.all(pages.slice(0, 4).map((p) => p.evaluate(() => document.querySelector('parley-room').join())));
  await new Promise((r) => setTimeout(r, 8000));
  console.log('join 5-7 at', Date.now() - t0);
  for (const p of pages.slice(4)) await p.evaluate(() => document.querySelector('parley-room').join());
  await new Promise((r) => setTimeout(r, 40000));
  for (const [i, p] of pages.entries()) console.log(PEOPLE[i], await p.evaluate(() => `sfu ${!!document.querySelector('parley-room').session.sfu} ` + window.errs.join(' | ')));
} finally {
  for (const e of log) if (e.ms > 300) console.log('slow', JSON.stringify(e));
  console.log('requests', log.length, 'max ms', Math.max(...log.map((e) => e.ms)));
  await Promise.all(browsers.map((b) => b.close()));
  web.server.close(); await relay.close(); await janus.close(); proxy.close();
}
process.exit(0);
