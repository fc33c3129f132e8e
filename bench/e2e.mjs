// `npm run bench:e2e`: on loopback, with the real relay and two Chromium pages of the demo:
//   - join → first remote frame: both pages call join() at once; each measures from its
//     own join() call to the first decoded frame of the other's video;
//   - keystroke → remote field: a key typed in page A until page B's field shows it; and
//     again once both are in the call, where page B also counts the renders of its Parley
//     elements other than the form (grid, controls, people, recorder, chat, files) while
//     the keys arrive: a caret that moves has nothing new for them to show.
// Prints medians (and p90) over several rounds.
import { launch, openDemo, startServers, waitUntil } from '../test/e2e/harness.mjs';
import { keystrokeLatencies } from './keystrokes.mjs';
import { quantile } from './stats.mjs';

const ROUNDS = Number(process.env.ROUNDS ?? 5);
const KEYSTROKES = Number(process.env.KEYSTROKES ?? 100);

const servers = await startServers();
const browser = await launch('chromium');
const joinTimes = [];
const keyTimes = [];
const callKeyTimes = [];
let otherRenders = 0;

try {
  for (let round = 0; round < ROUNDS; round++) {
    const room = `bench-${Date.now()}-${round}`;
    const [a, b] = await Promise.all([
      openDemo(browser, servers.demoUrl({ room, name: 'A' })),
      openDemo(browser, servers.demoUrl({ room, name: 'B' })),
    ]);
    await waitUntil(
      () => a.evaluate(() => [...document.querySelector('parley-room').session.peers.values()].some((p) => p.connected)),
      'the pages to connect',
    );
    await new Promise((resolve) => setTimeout(resolve, 200));

    keyTimes.push(...(await keystrokeLatencies(a, b, '#notes', KEYSTROKES / ROUNDS)));

    // join() → first remote frame, on both pages at once.
    const measure = (page) =>
      page.evaluate(async () => {
        const room = document.querySelector('parley-room');
        const grid = document.querySelector('parley-video-grid');
        const start = performance.now();
        await room.join({ audio: true, video: true });
        for (;;) {
          const video = [...grid.shadowRoot.querySelectorAll('video')].find((v) => !v.muted);
          if (video) {
            await new Promise((resolve) => video.requestVideoFrameCallback(resolve));
            return performance.now() - start;
          }
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      });
    joinTimes.push(...(await Promise.all([measure(a), measure(b)])));

    // Keystrokes during the call; renders of B's other elements meanwhile.
    await b.evaluate(() => {
      window.__renders = 0;
      for (const tag of ['parley-video-grid', 'parley-controls', 'parley-people', 'parley-recorder', 'parley-chat', 'parley-files']) {
        for (const element of document.querySelectorAll(tag)) {
          const update = element.update.bind(element);
          element.update = (changed) => (window.__renders++, update(changed));
        }
      }
    });
    callKeyTimes.push(...(await keystrokeLatencies(a, b, '#notes', KEYSTROKES / ROUNDS)));
    otherRenders += await b.evaluate(() => window.__renders);
    await Promise.all([a.close(), b.close()]);
  }
} finally {
  await browser.close();
  await servers.close();
}

const stats = (values) =>
  `median ${quantile(values, 0.5).toFixed(1)} ms, p90 ${quantile(values, 0.9).toFixed(1)} ms, n=${values.length}`;
console.log(`join() → first remote frame:   ${stats(joinTimes)}`);
console.log(`keystroke → remote field:      ${stats(keyTimes)}`);
console.log(`  during a call:               ${stats(callKeyTimes)}; the receiving page's other elements rendered ${(otherRenders / callKeyTimes.length).toFixed(2)} times per key`);
