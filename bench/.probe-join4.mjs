import { launch, openDemo, startServers, waitUntil } from '../test/e2e/harness.mjs';
const servers = await startServers();
const browser = await launch('chromium');
const N = Number(process.env.N ?? 4);
try {
  for (let round = 0; round < 6; round++) {
    const room = `probe-${Date.now()}`;
    const pages = await Promise.all(Array.from({ length: N }, (_, i) => openDemo(browser, servers.demoUrl({ room, name: `P${i}` }))));
    await waitUntil(async () => (await Promise.all(pages.map((p) => p.evaluate(() => [...document.querySelector('parley-room').session.peers.values()].filter((x) => x.connected).length)))).every((c) => c === N - 1), 'connect', 30000);
    await new Promise((r) => setTimeout(r, 500));
    const out = await Promise.all(pages.map((page) => page.evaluate(async (others, QUALITY) => {
      const room = document.querySelector('parley-room');
      if (QUALITY) room.setAttribute('quality', QUALITY);
      await new Promise((r) => setTimeout(r, 50));
      const grid = document.querySelector('parley-video-grid');
      const T = [];
      const start = performance.now();
      const at = (what) => T.push(`${what}@${Math.round(performance.now() - start)}`);
      const gum = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
      navigator.mediaDevices.getUserMedia = async (c) => { at('gum>'); const s = await gum(c); at('gum<'); return s; };
      const session = room.session;
      for (const peer of session.peers.values()) {
        peer.pc.addEventListener('track', (e) => { e.track.addEventListener('unmute', () => at('unmute:' + e.track.kind[0])); });
        for (const r of peer.pc.getReceivers()) r.track.addEventListener('unmute', () => at('unmute:' + r.track.kind[0]));
      }
      const seen = new Map();
      const watch = (video) => { if (seen.has(video)) return; seen.set(video, null); at('tile'); video.requestVideoFrameCallback((_, f) => { seen.set(video, f.expectedDisplayTime - start); at('frame'); }); };
      const scan = () => grid.shadowRoot.querySelectorAll('video[data-remote]').forEach(watch);
      const mo = new MutationObserver(scan); mo.observe(grid.shadowRoot, { childList: true, subtree: true, attributes: true });
      await room.join({ audio: true, video: true });
      at('joined');
      scan();
      while (seen.size < others || [...seen.values()].some((t) => t === null)) await new Promise((r) => setTimeout(r, 5));
      return Math.max(...[...seen.values()]).toFixed(0) + ' ' + T.filter((t) => t.startsWith('gum<') || t.startsWith('joined')).join(' ');
    }, N - 1, process.env.QUALITY ?? '')));
    console.log('round', round); out.forEach((l) => console.log('  ', l));
    await Promise.all(pages.map((p) => p.close()));
  }
} finally { await browser.close(); await servers.close(); }
process.exit(0);
