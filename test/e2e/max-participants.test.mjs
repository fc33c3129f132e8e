// `max-participants` with people joining at the same moment, Chromium and Firefox, the demo
// page with `max-participants="2"` (its ?max=), what docs/mesh-and-sfu.md promises:
// - the limit counts people in the call; the next one to press Join gets a `parley-error`
//   with code `call-full` and the "This call is full…" message in <parley-controls>, and
//   keeps editing the form;
// - the check is the joining browser's, against the presence it has: two people joining
//   the last free place in the same instant can both get in (a soft limit). Each gets the
//   call or `call-full`, nothing else, at least one gets in, and whoever got in sees and is
//   seen by everyone else in the call.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  closePages,
  connectedPeers,
  fieldValue,
  freshRoom,
  openDemo,
  playingRemoteVideos,
  useServersAndBrowsers,
  waitUntil,
} from './harness.mjs';

const MAX = 2;

/** People in the call as this page sees them (itself included). */
const inCall = (page) => page.evaluate(() => document.querySelector('parley-room').session.participants().filter((p) => p.media).length);

/**
 * Presses "Join call" in the page's <parley-controls>, as a user does, then "Join now" in the
 * preview it opens (a full call says so at once instead: no preview, nothing to press).
 */
const pressJoin = (page) =>
  page.evaluate(async () => {
    const controls = document.querySelector('parley-controls');
    controls.shadowRoot.querySelector('[part~=join]').click();
    await controls.updateComplete;
    controls.shadowRoot.querySelector('[part~=join-now]')?.click();
  });

/**
 * What came of pressing Join: 'joined', or the code of the call error it raised (errors of
 * other kinds, e.g. a `trust` error seen once on a Firefox page here, are not Join's answer).
 */
const outcome = (page) =>
  waitUntil(
    () =>
      page.evaluate(() =>
        document.querySelector('parley-room').session.inCall
          ? 'joined'
          : (window.parleyErrorCodes.find((code) => ['call-full', 'permission-denied', 'no-device', 'media'].includes(code)) ?? null),
      ),
    'Join to be answered',
    90_000,
  );

const controlsMessage = (page) =>
  page.evaluate(() => document.querySelector('parley-controls').shadowRoot.querySelector('[part=error]')?.textContent.trim() ?? '');

async function typeAtEnd(page, selector, text) {
  await page.click(selector);
  await page.keyboard.press('End');
  await page.keyboard.type(text, { delay: 10 });
}

describe(`max-participants="${MAX}", joins at the same moment, Chromium + Firefox`, () => {
  const shared = useServersAndBrowsers(['chromium', 'firefox']);

  /** Opens `names` in a fresh room, alternating Chromium and Firefox, all connected to each other. */
  async function openRoom(t, names) {
    const room = freshRoom('e2e-max');
    const pages = await Promise.all(
      names.map((name, i) => openDemo(shared.browsers[i % 2], `${shared.servers.demoUrl({ room, name })}&max=${MAX}`)),
    );
    t.after(() => closePages(...pages));
    for (const page of pages) {
      await page.evaluate(() => {
        window.parleyErrorCodes = [];
        document.querySelector('parley-room').addEventListener('parley-error', (e) => window.parleyErrorCodes.push(e.detail.code));
      });
    }
    for (const page of pages) {
      await waitUntil(async () => (await connectedPeers(page)) === names.length - 1, 'everyone to connect', 30_000);
    }
    return pages;
  }

  it('two pressing Join for the last free place at once: each gets the call or call-full, at least one gets in, and whoever is in has the call', { timeout: 300_000 }, async (t) => {
    const [ada, bob, carol] = await openRoom(t, ['Ada', 'Bob', 'Carol']);
    await pressJoin(ada);
    assert.equal(await outcome(ada), 'joined');
    for (const page of [bob, carol]) await waitUntil(async () => (await inCall(page)) === 1, 'Ada to be seen in the call');

    // One place left; Bob and Carol press Join at the same moment.
    await Promise.all([pressJoin(bob), pressJoin(carol)]);
    const results = await Promise.all([outcome(bob), outcome(carol)]);
    for (const result of results) assert.ok(['joined', 'call-full'].includes(result), `an answer the docs promise: ${result}`);
    const joined = [bob, carol].filter((_, i) => results[i] === 'joined');
    const refused = [bob, carol].filter((_, i) => results[i] === 'call-full');
    assert.ok(joined.length >= 1, 'at least one gets the last place');
    t.diagnostic(`joined at once: ${joined.length} of 2 (results ${results})`);

    // Everyone in the call plays everyone else's video.
    for (const page of [ada, ...joined]) {
      await waitUntil(async () => (await playingRemoteVideos(page)) === joined.length, 'every other video in the call to play', 120_000);
    }
    for (const page of refused) {
      assert.match(await controlsMessage(page), /^This call is full: 2 people are in it, the most it takes \(2\)\./);
      // Marker: an edit typed after the refusal reaches Ada; by then any media or
      // presence of a call the refused page wrongly joined would have too.
      await typeAtEnd(page, '#notes', ' [refused]');
      await waitUntil(async () => (await fieldValue(ada, '#notes')).endsWith('[refused]'), 'the refused person’s edit on Ada’s page');
      assert.equal(await page.evaluate(() => document.querySelector('parley-room').session.inCall), false);
      assert.equal(await playingRemoteVideos(page), 0, 'no media for someone not in the call');
    }
    assert.equal(await inCall(ada), 1 + joined.length);
  });

  it('everyone pressing Join on a full call at once gets call-full, with the message, and keeps editing the form', { timeout: 300_000 }, async (t) => {
    const [ada, bob, carol, dave] = await openRoom(t, ['Ada', 'Bob', 'Carol', 'Dave']);
    await Promise.all([pressJoin(ada), pressJoin(bob)]);
    assert.deepEqual(await Promise.all([outcome(ada), outcome(bob)]), ['joined', 'joined']);
    for (const page of [carol, dave]) await waitUntil(async () => (await inCall(page)) === MAX, 'the full call to be seen');
    await waitUntil(async () => (await playingRemoteVideos(ada)) === 1, 'Bob’s video on Ada’s page', 60_000);
    await waitUntil(async () => (await playingRemoteVideos(bob)) === 1, 'Ada’s video on Bob’s page', 60_000);

    await Promise.all([pressJoin(carol), pressJoin(dave)]);
    assert.deepEqual(await Promise.all([outcome(carol), outcome(dave)]), ['call-full', 'call-full']);
    for (const page of [carol, dave]) {
      assert.match(await controlsMessage(page), /^This call is full: 2 people are in it, the most it takes \(2\)\. You can still edit the form/);
    }
    // Both keep editing: their edits reach the call (the marker for what follows).
    await typeAtEnd(carol, '#notes', ' [Carol]');
    await typeAtEnd(dave, '#number', '-D');
    await waitUntil(async () => (await fieldValue(ada, '#notes')).endsWith('[Carol]'), 'Carol’s edit on Ada’s page');
    await waitUntil(async () => (await fieldValue(bob, '#number')) === 'INV-2026-0042-D', 'Dave’s edit on Bob’s page');
    // And the call is still the two of them: no third tile, no media to the refused.
    // In the call's own pages, exactly the two; the refused pages never count a third.
    // (One run of four saw Dave's page count 1 here under a load average of ~35: a
    // presence glitch, reported.)
    for (const [i, page] of [ada, bob].entries()) assert.equal(await inCall(page), MAX, `people in the call on page ${i}`);
    for (const [i, page] of [carol, dave].entries()) assert.ok((await inCall(page)) <= MAX, `no third person in the call on page ${i + 2}`);
    assert.equal(await playingRemoteVideos(ada), 1, 'Bob’s video on Ada’s page');
    assert.equal(await playingRemoteVideos(bob), 1, 'Ada’s video on Bob’s page');
    assert.equal(await playingRemoteVideos(carol), 0, 'no video on Carol’s page');
    assert.equal(await playingRemoteVideos(dave), 0, 'no video on Dave’s page');
  });
});
