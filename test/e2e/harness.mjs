// End-to-end harness: a real relay, the demo served over HTTP, and real browsers driven
// by puppeteer-core (Debian's Chromium and Firefox ESR; nothing is downloaded).
import { after, before } from 'node:test';
import puppeteer from 'puppeteer-core';
import { createRelay } from '../../signaling/src/relay.js';
import { serveStatic } from '../../scripts/serve.mjs';
import { chromiumLaunch, firefoxLaunch } from '../browsers.mjs';
import { startJanus } from '../../sfu/janus.mjs';

/** With `janus`, a real Janus starts too and the relay sends rooms' media to it (`media="sfu"`). */
export async function startServers({ onRequest, janus: withJanus = false } = {}) {
  const janusSecret = 'e2e-janus-secret';
  const janus = withJanus ? await startJanus({ secret: janusSecret }) : null;
  const relay = await createRelay({ port: 0, log: () => {}, ...(janus && { janusUrls: [janus.url], janusSecret }) });
  const saved = [];
  const web = await serveStatic({ port: 0, onRequest, onSave: (fields) => saved.push(fields) });
  return {
    relay,
    web,
    /** The Janus started with `janus` (its `pid`, to kill it), else null. */
    janus,
    /** Every form POST the demo's save endpoint received, as [name, value] lists. */
    saved,
    demoUrl: ({ room, name, password, media, quality }) =>
      `${web.url}/demo/?${new URLSearchParams({ room, name, signaling: relay.url, ...(password && { password }), ...(media && { media }), ...(quality && { quality }) })}`,
    async close() {
      web.server.close();
      await relay.close();
      await janus?.close();
    },
  };
}

/**
 * For the describe block it is called in: before its tests, the servers and one browser of
 * each of `kinds`; after them, all closed. Returns `{ servers, browsers }`, filled in by then.
 */
export function useServersAndBrowsers(kinds) {
  const shared = { servers: null, browsers: [] };
  before(async () => {
    shared.servers = await startServers();
    shared.browsers = await launchAll(kinds);
  });
  after(async () => {
    await Promise.all(shared.browsers.map((browser) => browser.close().catch(() => {})));
    await shared.servers?.close();
  });
  return shared;
}

/**
 * Resolves true once every remote video on the page has presented frames over `span` ms
 * from now (requestVideoFrameCallback: what a person sees still moving), false when one has
 * not within `timeout` ms, or when there is none.
 */
export const keepsPlaying = (page, timeout = 10000, span = 500) =>
  page.evaluate(async (timeout, span) => {
    const videos = [...document.querySelector('parley-video-grid').shadowRoot.querySelectorAll('video[data-remote]')];
    const moves = (video) =>
      new Promise((resolve) => {
        let first;
        const timer = setTimeout(() => resolve(false), timeout);
        const next = () =>
          video.requestVideoFrameCallback((now) => {
            first ??= now;
            if (now - first < span) return next();
            clearTimeout(timer);
            resolve(true);
          });
        next();
      });
    return videos.length > 0 && (await Promise.all(videos.map(moves))).every(Boolean);
  }, timeout, span);

/** Joins the call as the page's code does: `<parley-room>.join()`. */
export const join = (page) => page.evaluate(() => document.querySelector('parley-room').join());

/**
 * Launches Debian's Chromium or Firefox. `cameraFps` sets the frame rate of Chromium's fake
 * cameras themselves (what a camera delivers, as a real one in dim light does), where a
 * test needs many cameras on one machine.
 */
export function launch(kind, { cameraFps } = {}) {
  if (kind === 'firefox') return puppeteer.launch(firefoxLaunch);
  const args = cameraFps ? chromiumLaunch.args.map((arg) => (arg.startsWith('--use-fake-device-for-media-stream=') ? `${arg},fps=${cameraFps}` : arg)) : chromiumLaunch.args;
  return puppeteer.launch({ ...chromiumLaunch, args });
}

/**
 * Opens the demo as `name` in a fresh browser context, in a window of its own, and waits for
 * Parley to be up. Its own window keeps the page visible, as each person's is: a Firefox tab
 * behind another is hidden, and renders (presents video frames) once a second.
 */
export async function openDemo(browser, url) {
  const context = browser.defaultBrowserContext ? await browser.createBrowserContext() : browser;
  const page = await context.newPage({ type: 'window' });
  const errors = [];
  page.on('pageerror', (error) => errors.push(error));
  await page.goto(url, { waitUntil: 'load', timeout: 90_000 });
  await page.waitForFunction(() => customElements.get('parley-form') && document.querySelector('parley-room')?.session);
  page.parleyErrors = errors;
  return page;
}

/**
 * Starts the servers, launches the two browsers `kinds` names (e.g. ['chromium', 'firefox'])
 * and opens the demo in them as Ada and Bob, in a new room named after `roomPrefix`.
 * `close()` closes the browsers and servers; if opening fails, what was started is closed
 * before the error is thrown.
 */
export async function openPair(kinds, roomPrefix) {
  const servers = await startServers();
  const browsers = [];
  const close = async () => {
    await Promise.all(browsers.map((browser) => browser.close().catch(() => {})));
    await servers.close();
  };
  try {
    const launched = await Promise.allSettled(kinds.map((kind) => launch(kind)));
    browsers.push(...launched.filter((result) => result.status === 'fulfilled').map((result) => result.value));
    const failed = launched.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
    const room = `${roomPrefix}-${Date.now()}`;
    const a = await openDemo(browsers[0], servers.demoUrl({ room, name: 'Ada' }));
    const b = await openDemo(browsers[1], servers.demoUrl({ room, name: 'Bob' }));
    return { servers, browsers, a, b, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * The names on the page's remote video tiles (their aria-label) whose video presents `frames`
 * new frames within `timeout` ms, sorted: frames still arriving, counted as a person sees them
 * (requestVideoFrameCallback, in both browsers; a MediaStream video's currentTime is no clock
 * in Firefox, and a count of frames decoded once says nothing of now). A tile's video may be
 * replaced while we wait (the move to Janus gives a tile another stream): its name is read
 * first, and a video no longer on the page does not count.
 */
export const remoteVideosPlaying = (page, { frames = 3, timeout = 3000 } = {}) =>
  page.evaluate(
    async (frames, timeout) => {
      const grid = document.querySelector('parley-video-grid');
      const videos = [...(grid?.shadowRoot?.querySelectorAll('video[data-remote]') ?? [])];
      const presents = (video) =>
        new Promise((resolve) => {
          let seen = 0;
          const timer = setTimeout(() => resolve(false), timeout);
          const next = () =>
            video.requestVideoFrameCallback(() => {
              if (++seen < frames) return next();
              clearTimeout(timer);
              resolve(true);
            });
          next();
        });
      const names = videos.map((video) => video.closest('figure')?.getAttribute('aria-label'));
      const playing = await Promise.all(videos.map(presents));
      return names.filter((name, i) => name && playing[i] && videos[i].isConnected).sort();
    },
    frames,
    timeout,
  );

/** How many remote videos on the page present new frames: {@link remoteVideosPlaying}'s count. */
export const playingRemoteVideos = async (page, options) => (await remoteVideosPlaying(page, options)).length;

/** Launches the browsers `kinds` names (with launch()'s `options`); if one fails, the others are closed before the error is thrown. */
export async function launchAll(kinds, options) {
  const launched = await Promise.allSettled(kinds.map((kind) => launch(kind, options)));
  const browsers = launched.filter((result) => result.status === 'fulfilled').map((result) => result.value);
  const failed = launched.find((result) => result.status === 'rejected');
  if (failed) {
    await Promise.all(browsers.map((browser) => browser.close().catch(() => {})));
    throw failed.reason;
  }
  return browsers;
}

let rooms = 0;
/** A room name no other test (or earlier run) has used. */
export const freshRoom = (prefix) => `${prefix}-${Date.now()}-${++rooms}`;

/** Closes pages opened by openDemo, with their browser contexts (nothing of them stays). */
export async function closePages(...pages) {
  await Promise.all(
    pages.filter(Boolean).map(async (page) => {
      const context = page.browserContext?.();
      await page.close().catch(() => {});
      if (context && context !== page.browser().defaultBrowserContext()) await context.close().catch(() => {});
    }),
  );
}

/** The page's `<parley-room>` session id (its peer id). */
export const sessionId = (page) => page.evaluate(() => document.querySelector('parley-room').session.id);

/** The page's `<parley-room>` session's remote peers whose data channel is open. */
export const connectedPeers = (page) =>
  page.evaluate(() => [...document.querySelector('parley-room').session.peers.values()].filter((p) => p.connected).length);

/** `what` names what is awaited: a string, or a function (async or not) that says it at the timeout. */
export async function waitUntil(check, what, timeout = 20000) {
  const end = Date.now() + timeout;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${typeof what === 'function' ? await what() : what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export const fieldValue = (page, selector) => page.$eval(selector, (el) => (el.type === 'checkbox' ? el.checked : el.value));
