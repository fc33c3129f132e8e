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
 * Resolves true once every remote video on the page advances by half a second from now,
 * false when one does not within `timeout` ms (or there is none).
 */
export const keepsPlaying = (page, timeout = 10000) =>
  page.evaluate(async (timeout) => {
    const grid = document.querySelector('parley-video-grid');
    const videos = [...grid.shadowRoot.querySelectorAll('[part~=tile] video')].filter((v) => !v.muted);
    const start = videos.map((v) => v.currentTime);
    const deadline = performance.now() + timeout;
    while (!videos.every((v, i) => v.currentTime > start[i] + 0.5)) {
      if (performance.now() > deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return videos.length > 0;
  }, timeout);

/** Joins the call as the page's code does: `<parley-room>.join()`. */
export const join = (page) => page.evaluate(() => document.querySelector('parley-room').join());

export function launch(kind) {
  return puppeteer.launch(kind === 'firefox' ? firefoxLaunch : chromiumLaunch);
}

/** Opens the demo as `name` in a fresh browser context, and waits for Parley to be up. */
export async function openDemo(browser, url) {
  const context = browser.defaultBrowserContext ? await browser.createBrowserContext() : browser;
  const page = await context.newPage();
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

/** Number of remote participant videos on the page that have decoded frames. */
export function playingRemoteVideos(page) {
  return page.evaluate(() => {
    const grid = document.querySelector('parley-video-grid');
    const videos = [...(grid?.shadowRoot?.querySelectorAll('[part~=tile] video') ?? [])].filter((v) => !v.muted);
    return videos.filter((v) => {
      const state = (v.__parley ??= { t: v.currentTime });
      const frames = v.getVideoPlaybackQuality?.().totalVideoFrames ?? 0;
      return v.videoWidth > 0 && (frames > 0 || v.currentTime > state.t);
    }).length;
  });
}

/** Launches the browsers `kinds` names; if one fails, the others are closed before the error is thrown. */
export async function launchAll(kinds) {
  const launched = await Promise.allSettled(kinds.map((kind) => launch(kind)));
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
