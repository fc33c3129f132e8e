// Files, chat and the recorder between Chromium and Firefox, the demo page with ?tools
// (<parley-files>, <parley-chat>, <parley-recorder> under the call), through the real relay.
// The browsers are shared; each test opens fresh pages in a room of its own.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { closePages, connectedPeers, freshRoom, join, keepsPlaying, launchAll, openDemo, playingRemoteVideos, sessionId, startServers, waitUntil } from './harness.mjs';

/** Opens the demo (files, chat and recorder beside the call), and records what its elements fire into `window.got`. */
async function openTools(browser, url) {
  const page = await openDemo(browser, url);
  await page.waitForFunction(() =>
    ['parley-files', 'parley-chat', 'parley-recorder'].every((tag) => document.querySelector(tag)?.shadowRoot?.querySelector('[part=base]')),
  );
  await page.evaluate(() => {
    window.got = { offers: [], received: [], recordings: [], errors: [] };
    const files = document.querySelector('parley-files');
    files.addEventListener('parley-file-offer', (e) => window.got.offers.push(e.detail));
    files.addEventListener('parley-file-received', async (e) => {
      const { name, size, type, from } = e.detail;
      const bytes = new Uint8Array(await e.detail.file.arrayBuffer());
      // A digest, so a big file's content is checked without shipping it to the test.
      const digest = [...new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))].map((b) => b.toString(16).padStart(2, '0')).join('');
      window.got.received.push({ name, size, type, from, digest, text: size < 4096 ? new TextDecoder().decode(bytes) : null });
    });
    document.querySelector('parley-recorder').addEventListener('parley-recording-ready', (e) => window.got.recordings.push(e.detail.blob));
    document.querySelector('parley-room').addEventListener('parley-error', (e) => window.got.errors.push(`${e.detail.code}: ${e.detail.message}`));
  });
  return page;
}

const got = (page, what) => page.evaluate((what) => window.got[what], what);

/** Offers a file made in the page (`size` bytes of `text` repeated) to `to`, or to everyone. */
const offerFile = (page, name, text, size, to) =>
  page.evaluate(
    (name, text, size, to) => {
      const unit = new TextEncoder().encode(text);
      const bytes = new Uint8Array(size ?? unit.length);
      for (let i = 0; i < bytes.length; i += unit.length) bytes.set(unit.subarray(0, Math.min(unit.length, bytes.length - i)), i);
      document.querySelector('parley-files').send([new File([bytes], name, { type: 'text/plain' })], to ?? undefined);
    },
    name,
    text,
    size ?? null,
    to ?? null,
  );

/** Clicks a button of <parley-files> by its label, once it is there. */
async function clickFiles(page, label) {
  await waitUntil(
    () => page.evaluate((label) => Boolean(document.querySelector('parley-files').shadowRoot.querySelector(`button[aria-label="${label}"]`)), label),
    `the “${label}” button`,
  );
  await page.evaluate((label) => document.querySelector('parley-files').shadowRoot.querySelector(`button[aria-label="${label}"]`).click(), label);
}

describe('files, chat and the recorder, Chromium ↔ Firefox', () => {
  let servers;
  let chromium;
  let firefox;

  before(async () => {
    servers = await startServers();
    [chromium, firefox] = await launchAll(['chromium', 'firefox']);
  });

  after(async () => {
    await Promise.all([chromium, firefox].map((browser) => browser?.close().catch(() => {})));
    await servers?.close();
  });

  /** Ada (Chromium), Bob (Firefox) and, when asked, Carol (Chromium), all connected. */
  async function openRoom(t, names = ['Ada', 'Bob', 'Carol']) {
    const room = freshRoom('e2e-tools');
    const browsers = [chromium, firefox, chromium];
    const pages = await Promise.all(names.map((name, i) => openTools(browsers[i], servers.demoUrl({ room, name }))));
    t.after(() => closePages(...pages));
    for (const page of pages) await waitUntil(async () => (await connectedPeers(page)) === names.length - 1, 'everyone to connect', 30_000);
    return { room, pages };
  }

  it('a file to one person reaches only them; a file to everyone reaches everyone', { timeout: 300_000 }, async (t) => {
    const { pages: [ada, bob, carol] } = await openRoom(t);
    const secret = 'for Bob only — ünïcödé ✓\n';
    await offerFile(ada, 'bob-only.txt', secret, null, await sessionId(bob));
    await clickFiles(bob, 'Accept bob-only.txt');
    await waitUntil(async () => (await got(bob, 'received')).length === 1, 'the file on Bob’s page', 30_000);
    const [toBob] = await got(bob, 'received');
    assert.deepEqual(
      { name: toBob.name, size: toBob.size, text: toBob.text, from: toBob.from },
      { name: 'bob-only.txt', size: new TextEncoder().encode(secret).length, text: secret, from: 'Ada' },
    );

    // To everyone, sent after the one to Bob: once Carol has it, an offer of Bob's file to
    // her would have arrived before it.
    const everyone = 'for everyone\n';
    await offerFile(ada, 'all.txt', everyone);
    for (const page of [bob, carol]) await clickFiles(page, 'Accept all.txt');
    for (const page of [bob, carol]) {
      await waitUntil(async () => (await got(page, 'received')).some((r) => r.name === 'all.txt'), 'the file for everyone', 30_000);
      assert.equal((await got(page, 'received')).find((r) => r.name === 'all.txt').text, everyone);
    }
    assert.deepEqual((await got(carol, 'offers')).map((o) => o.name), ['all.txt'], 'Carol was never offered Bob’s file');
    assert.deepEqual((await got(carol, 'received')).map((r) => r.name), ['all.txt']);
    assert.deepEqual((await got(bob, 'offers')).map((o) => o.name), ['bob-only.txt', 'all.txt']);
    assert.deepEqual([...(await got(ada, 'errors')), ...(await got(bob, 'errors')), ...(await got(carol, 'errors'))], []);
  });

  it('a transfer cancelled by its sender midway stops on both sides and is never delivered', { timeout: 300_000 }, async (t) => {
    const { pages: [ada, bob] } = await openRoom(t, ['Ada', 'Bob']);
    const size = 96 * 1024 * 1024;
    await offerFile(ada, 'big.bin', 'parley-cancel-test-', size, await sessionId(bob));
    // Ada's page presses Cancel itself the moment bytes are on their way (no round trip
    // to the test, which could come after the last byte).
    const cancelledAt = ada.evaluate(
      (size) =>
        new Promise((resolve) => {
          const tick = () => {
            const root = document.querySelector('parley-files').shadowRoot;
            const bar = root.querySelector('progress[aria-label^="big.bin"]');
            if (bar && bar.value > 0 && bar.value < size) {
              root.querySelector('button[aria-label="Cancel big.bin"]').click();
              return resolve(bar.value);
            }
            if (bar && bar.value >= size) return resolve(-1);
            setTimeout(tick, 0);
          };
          tick();
        }),
      size,
    );
    await clickFiles(bob, 'Accept big.bin');
    const at = await cancelledAt;
    assert.ok(at > 0, `cancelled midway (at ${at} of ${size} bytes)`);
    const status = (page) =>
      page.evaluate(() =>
        [...document.querySelector('parley-files').shadowRoot.querySelectorAll('[part=transfer]')]
          .filter((li) => li.querySelector('[part=name]').textContent === 'big.bin')
          .map((li) => li.querySelector('[part=status]').textContent.trim()),
      );
    await waitUntil(async () => /^Cancelled/.test((await status(bob))[0] ?? ''), 'Bob’s side to show the transfer cancelled', 30_000);
    // Ada's list redraws on its own (throttled) timer: wait for it too.
    await waitUntil(async () => /^Cancelled/.test((await status(ada))[0] ?? ''), 'Ada’s side to show the transfer cancelled', 30_000);

    // Marker: a small file sent after the cancel arrives; the cancelled one never did.
    await offerFile(ada, 'after.txt', 'after the cancel\n', null, await sessionId(bob));
    await clickFiles(bob, 'Accept after.txt');
    await waitUntil(async () => (await got(bob, 'received')).some((r) => r.name === 'after.txt'), 'the file sent after the cancel', 30_000);
    assert.deepEqual((await got(bob, 'received')).map((r) => r.name), ['after.txt']);
    assert.match((await status(bob))[0], /^Cancelled/);
  });

  it('chat reaches a late joiner with its history, in order', { timeout: 300_000 }, async (t) => {
    const { room, pages: [ada, bob] } = await openRoom(t, ['Ada', 'Bob']);
    const say = async (page, text) => {
      const input = await page.evaluateHandle(() => document.querySelector('parley-chat').shadowRoot.querySelector('[part=input]'));
      await input.click();
      await page.keyboard.type(text, { delay: 5 });
      await page.keyboard.press('Enter');
    };
    const log = (page) =>
      page.evaluate(() =>
        [...document.querySelector('parley-chat').shadowRoot.querySelectorAll('[part=message]')].map(
          (m) => `${m.querySelector('[part=name]').textContent}: ${m.querySelector('[part=text]').textContent.trim()}`,
        ),
      );
    await say(ada, 'Hello Bob, see https://example.com/invoice');
    await waitUntil(async () => (await log(bob)).length === 1, 'Ada’s message on Bob’s page');
    await say(bob, 'Hi Ada!');
    const history = ['Ada: Hello Bob, see https://example.com/invoice', 'Bob: Hi Ada!'];
    await waitUntil(async () => (await log(ada)).length === 2, 'Bob’s reply on Ada’s page');
    assert.deepEqual(await log(ada), history);
    assert.deepEqual(await log(bob), history);

    // Carol opens the page now (Chromium), after both messages were sent.
    const carol = await openTools(chromium, servers.demoUrl({ room, name: 'Carol' }));
    t.after(() => closePages(carol));
    await waitUntil(async () => (await log(carol)).length === 2, 'the history on Carol’s page', 30_000);
    assert.deepEqual(await log(carol), history);
    // And the conversation goes on with her in it.
    await say(carol, 'Carol here.');
    await waitUntil(async () => (await log(bob)).length === 3, 'Carol’s message on Bob’s page');
    assert.deepEqual(await log(bob), [...history, 'Carol: Carol here.']);
  });

  it('a recording of the call plays back with video and non-silent audio', { timeout: 300_000 }, async (t) => {
    const { pages: [ada, bob] } = await openRoom(t, ['Ada', 'Bob']);
    await Promise.all([join(ada), join(bob)]);
    await waitUntil(async () => (await playingRemoteVideos(ada)) === 1, 'Bob’s video on Ada’s page', 60_000);
    await waitUntil(async () => (await playingRemoteVideos(bob)) === 1, 'Ada’s video on Bob’s page', 60_000);

    // Ada records the whole call (grid and everyone's audio) with the recorder's buttons.
    const recorderButton = (part) =>
      ada.evaluate((part) => {
        const button = document.querySelector('parley-recorder').shadowRoot.querySelector(`button[part~=${part}]`);
        button?.click();
        return Boolean(button);
      }, part);
    t.diagnostic(`Ada's page is ${await ada.evaluate(() => document.visibilityState)}`);
    assert.equal(await recorderButton('start'), true);
    await waitUntil(() => ada.evaluate(() => document.querySelector('parley-recorder').state === 'recording'), 'the recording to start', 20_000);
    // Bob's page shows that Ada records (the REC badge comes through presence).
    await waitUntil(() => bob.evaluate(() => document.querySelector('parley-room').session.participants().some((p) => p.recording)), 'Bob to see Ada recording', 20_000);
    // Record until Bob's video on Ada's page has presented frames over 6 s more
    // (requestVideoFrameCallback). (A recording of 2–4 s made on this loaded machine came out
    // of Chromium's MP4 recorder with no video track at all in 3 runs of 4: reported, see the
    // commit message.)
    const recorded = await keepsPlaying(ada, 30_000, 6000);
    assert.equal(recorded, true, 'Bob’s video presented frames over 6 s while Ada recorded');
    assert.equal(await recorderButton('stop'), true);
    await waitUntil(async () => (await got(ada, 'recordings')).length === 1, 'parley-recording-ready', 30_000);

    // Decode the recorded blob in the page: a <video> plays it with a picture, and its
    // audio track decodes to sound (not silence).
    const playback = await ada.evaluate(async () => {
      const blob = window.got.recordings[0];
      const video = document.createElement('video');
      video.muted = true;
      video.src = URL.createObjectURL(blob);
      document.body.append(video);
      await video.play();
      const deadline = performance.now() + 20000;
      while (!(video.videoWidth > 0 && video.currentTime > 0.5) && performance.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const captured = video.captureStream?.() ?? video.mozCaptureStream?.();
      const tracks = { video: captured?.getVideoTracks().length ?? -1, audio: captured?.getAudioTracks().length ?? -1 };
      const frames = video.getVideoPlaybackQuality?.().totalVideoFrames ?? -1;
      const audio = await new AudioContext().decodeAudioData(await blob.arrayBuffer());
      const samples = audio.getChannelData(0);
      let sum = 0;
      for (const s of samples) sum += s * s;
      return {
        type: blob.type,
        size: blob.size,
        width: video.videoWidth,
        height: video.videoHeight,
        played: video.currentTime,
        duration: video.duration,
        frames,
        tracks,
        error: video.error?.message ?? null,
        audioSeconds: audio.duration,
        rms: Math.sqrt(sum / samples.length),
      };
    });
    t.diagnostic(JSON.stringify(playback));
    assert.match(playback.type, /^video\//);
    assert.ok(playback.width > 0 && playback.height > 0, `a picture (${playback.width}×${playback.height})`);
    assert.ok(playback.played > 0.5, `it plays (${playback.played} s)`);
    assert.ok(playback.tracks.video === 1 && playback.tracks.audio === 1, `one video and one audio track (${JSON.stringify(playback.tracks)})`);
    assert.ok(playback.audioSeconds > 1, `an audio track of ${playback.audioSeconds} s`);
    assert.ok(playback.rms > 0.001, `sound, not silence (RMS ${playback.rms})`);
    assert.deepEqual((await got(ada, 'errors')).filter((e) => e.startsWith('recording')), []);
  });
});
