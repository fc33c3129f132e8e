// Compatibility: two stock y-webrtc WebrtcProviders (the npm package, unmodified, bundled
// for the browser with esbuild) in real Chromium sync a Y.Doc through Parley's relay, with
// authentication on (the token rides in the signaling URL, as y-webrtc apps can pass it).
// The pages sit in separate browser contexts, so y-webrtc's same-browser BroadcastChannel
// shortcut cannot carry the document: only WebRTC connections found through the relay can.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRelay } from '../../signaling/src/relay.js';
import { mintToken } from '../../signaling/src/auth.js';
import { serveStatic } from '../../scripts/serve.mjs';
import { root } from '../../scripts/ensure.mjs';
import { launch, waitUntil } from './harness.mjs';

const SECRET = 'y-webrtc-compat-secret-y-webrtc-compat';
const ROOM = `y-webrtc-compat-${Date.now()}`;

function bundleYWebrtc(dir) {
  const entry = join(dir, 'entry.js');
  writeFileSync(entry, "export * as Y from 'yjs';\nexport { WebrtcProvider } from 'y-webrtc';\n");
  const out = join(dir, 'y-webrtc.bundle.js');
  execFileSync(join(root, 'node_modules/.bin/esbuild'), [entry, '--bundle', '--format=esm', '--platform=browser', `--outfile=${out}`, '--log-level=error'], {
    cwd: root,
    env: { ...process.env, NODE_PATH: join(root, 'node_modules') },
  });
  return readFileSync(out);
}

const PAGE = `<!doctype html><meta charset="utf-8"><title>y-webrtc</title>
<script type="module">
  import { Y, WebrtcProvider } from '/y-webrtc.bundle.js';
  window.start = (room, signaling) => {
    const doc = new Y.Doc();
    // No STUN: loopback host candidates are enough, and nothing leaves the machine.
    const provider = new WebrtcProvider(room, doc, { signaling: [signaling], peerOpts: { config: { iceServers: [] } } });
    window.yjs = { doc, provider, text: doc.getText('shared') };
  };
  window.ready = true;
</script>`;

describe('stock y-webrtc clients through Parley’s relay', () => {
  let dir;
  let relay;
  let web;
  let browser;
  let pages = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-ywebrtc-'));
    const bundle = bundleYWebrtc(dir);
    relay = await createRelay({ port: 0, log: () => {}, secret: SECRET });
    web = await serveStatic({
      port: 0,
      onRequest(req, res) {
        if (req.url === '/y-webrtc.bundle.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(bundle);
        else if (req.url === '/y-webrtc.html') res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
        else return false;
        return true;
      },
    });
    browser = await launch('chromium');
    const token = await mintToken({ secret: SECRET, rooms: [ROOM], ttlSeconds: 600 });
    for (let i = 0; i < 2; i++) {
      const context = await browser.createBrowserContext();
      const page = await context.newPage();
      await page.goto(`${web.url}/y-webrtc.html`);
      await page.waitForFunction(() => window.ready);
      await page.evaluate((room, url) => window.start(room, url), ROOM, `${relay.url}/?token=${token}`);
      pages.push(page);
    }
  });

  after(async () => {
    for (const page of pages) await page.evaluate(() => window.yjs?.provider.destroy()).catch(() => {});
    await browser?.close().catch(() => {});
    web?.server.close();
    await relay?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('subscribes both through the relay and connects them over WebRTC', async () => {
    await waitUntil(() => relay.stats().connections === 2 && relay.stats().topics === 1, 'both providers on the relay');
    for (const page of pages) {
      await waitUntil(
        () => page.evaluate(() => [...window.yjs.provider.room.webrtcConns.values()].some((conn) => conn.connected)),
        'a WebRTC connection set up through the relay',
      );
    }
  });

  it('syncs a Y.Doc both ways', async () => {
    const [a, b] = pages;
    await a.evaluate(() => window.yjs.text.insert(0, 'hello from A'));
    await waitUntil(async () => (await b.evaluate(() => window.yjs.text.toString())) === 'hello from A', 'A’s text on B');
    await b.evaluate(() => window.yjs.text.insert(window.yjs.text.length, ', and B'));
    await waitUntil(async () => (await a.evaluate(() => window.yjs.text.toString())) === 'hello from A, and B', 'B’s edit on A');
  });

  it('a y-webrtc client without a token is refused', async () => {
    const context = await browser.createBrowserContext();
    const page = await context.newPage();
    await page.goto(`${web.url}/y-webrtc.html`);
    const status = await page.evaluate(
      (url) => new Promise((resolve) => {
        const ws = new WebSocket(url);
        ws.onopen = () => resolve('open');
        ws.onclose = (e) => resolve(`closed ${e.code}`);
      }),
      relay.url,
    );
    assert.equal(status, 'closed 1006'); // the browser's view of an HTTP 401 at upgrade
    await context.close();
  });
});
