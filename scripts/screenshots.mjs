// `npm run screenshots`: pictures of the demo for the README, written to docs/img/ — two
// people in a call editing the form, the pre-join preview, the page in German, dark, and on
// a 390 px phone screen. Debian's Chromium with its fake camera and microphone, the real
// relay, the demo as `npm start` serves it (build first: `npm run build`).
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { launch, openDemo, startServers, waitUntil } from '../test/e2e/harness.mjs';

const out = fileURLToPath(new URL('../docs/img/', import.meta.url));
await mkdir(out, { recursive: true });

const servers = await startServers();
const browser = await launch('chromium');
const room = `screenshots-${Date.now()}`;
const url = (name, extra = '') => `${servers.demoUrl({ room, name })}${extra}`;

/** Frames from every remote video `page` shows (or from `count` of them). */
const remoteVideosPlay = (page, count) =>
  waitUntil(
    () =>
      page.evaluate((count) => {
        const videos = [...document.querySelector('parley-video-grid').shadowRoot.querySelectorAll('video[data-remote]')];
        return videos.length >= count && videos.every((video) => video.readyState >= 2 && video.videoWidth > 0);
      }, count),
    `${count} remote video(s) playing`,
    30000,
  );

async function open(name, { extra = '', width = 1280, height = 1000, mobile = false } = {}) {
  const page = await openDemo(browser, url(name, extra));
  await page.setViewport({ width, height, deviceScaleFactor: 1, isMobile: mobile, hasTouch: mobile });
  // A phone's viewport reloads the page: wait for Parley again.
  await page.waitForFunction(() => document.querySelector('parley-room')?.session, { timeout: 30000 });
  return page;
}

async function shoot(page, file) {
  await page.evaluate(() => document.fonts.ready);
  // The whole page in the viewport: Chromium paints no video frame outside it.
  const { width, isMobile, hasTouch } = page.viewport();
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  await page.setViewport({ width, height, deviceScaleFactor: 1, isMobile, hasTouch });
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
  await page.screenshot({ path: `${out}${file}`, fullPage: true });
  console.log(`docs/img/${file}`);
}

const join = (page) => page.evaluate(() => document.querySelector('parley-room').join({ audio: true, video: true }));

/** Bob edits the notes: Ada sees his caret and name flag in the field. */
async function bobTypes(bob) {
  await bob.focus('#notes');
  await bob.keyboard.press('End');
  await bob.keyboard.type(' Split agreed: 600 now, 600 in January.', { delay: 20 });
}

try {
  const ada = await open('Ada');
  const bob = await open('Bob');
  await Promise.all([join(ada), join(bob)]);
  await Promise.all([remoteVideosPlay(ada, 1), remoteVideosPlay(bob, 1)]);
  await bobTypes(bob);
  await waitUntil(() => ada.$eval('#notes', (notes) => notes.value.includes('600 in January')), 'Bob’s text at Ada', 15000);
  await shoot(ada, 'call-and-form.png');

  // The pre-join preview: own camera, microphone level, devices, Join now.
  const carol = await open('Carol');
  await carol.evaluate(() => {
    const controls = document.querySelector('parley-controls');
    [...controls.shadowRoot.querySelectorAll('button')].find((b) => b.textContent.trim() === 'Join call').click();
  });
  await waitUntil(() => carol.evaluate(() => document.querySelector('parley-room').session.previewStream !== null), 'the preview', 15000);
  await waitUntil(
    () => carol.evaluate(() => {
      const video = document.querySelector('parley-controls').shadowRoot.querySelector('video');
      return video?.readyState >= 2 && video.videoWidth > 0;
    }),
    'the preview’s own camera',
    15000,
  );
  await shoot(carol, 'pre-join.png');
  await carol.close();

  for (const [name, extra, file, size] of [
    ['Dora', '&lang=de', 'german.png', {}],
    ['Dan', '&theme=dark', 'dark.png', {}],
    ['Eve', '', 'phone-390.png', { width: 390, height: 844, mobile: true }],
  ]) {
    const page = await open(name, { extra, ...size });
    await join(page);
    await remoteVideosPlay(page, 2);
    await bob.focus('#amount');
    await shoot(page, file);
    await page.close();
    await bob.focus('#notes');
  }
} finally {
  await browser.close();
  await servers.close();
}
