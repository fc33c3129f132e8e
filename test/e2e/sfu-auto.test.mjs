// A room that outgrows a mesh, as docs/mesh-and-sfu.md promises, with the demo page as a user
// gets it: six Chromium pages and one Firefox page, `media="auto"`, a room password, a real
// relay and a real Janus. Four people in the call are a mesh (one media connection per other
// person); when the fifth joins, everyone's media moves to Janus: each page then sends its
// video over exactly one connection, and shows every other person's video as frames still
// arriving. The form goes on over the mesh throughout, and when Janus is killed with seven
// people in the call (more than a mesh takes), each person is told and the form still syncs.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { closePages, connectedPeers, fieldValue, freshRoom, launchAll, openDemo, remoteVideosPlaying, startServers, waitUntil } from './harness.mjs';

const PASSWORD = 'e2e sfu room password';
/** Who opens the page, in order; the second is the Firefox page, in the call from the mesh on. */
const PEOPLE = ['Ada', 'Fay', 'Bob', 'Cy', 'Dee', 'Eve', 'Gus'];
const FIREFOX = 1;

/**
 * The page's connections that encoded video frames over 1.5 s, sorted: mesh peers as
 * `mesh:<name>`, and `janus` for the one up to Janus.
 */
const connectionsSendingVideo = (page) =>
  page.evaluate(async () => {
    const session = document.querySelector('parley-room').session;
    const named = [...session.peers.values()].map((peer) => [peer.pc, `mesh:${session.participants().find((p) => p.id === peer.id)?.name ?? peer.id}`]);
    if (session.sfu?.upstream) named.push([session.sfu.upstream, 'janus']);
    const videoFrames = async (pc) => {
      let sum = 0;
      for (const s of (await pc.getStats()).values()) if (s.type === 'outbound-rtp' && s.kind === 'video') sum += s.framesEncoded ?? 0;
      return sum;
    };
    const before = await Promise.all(named.map(([pc]) => videoFrames(pc)));
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const after = await Promise.all(named.map(([pc]) => videoFrames(pc)));
    return named.filter((_, i) => after[i] > before[i]).map(([, name]) => name).sort();
  });

/** What a page's call looks like, for a timeout's message. */
const state = (page) =>
  page.evaluate(() => {
    const session = document.querySelector('parley-room').session;
    const feeds = [...(session.sfu?.feeds.values() ?? [])].map((f) => `${f.display.slice(0, 4)}:${f.stream.getTracks().length}`);
    const sfu = session.sfu;
    const links = sfu ? `, up ${sfu.upstream?.connectionState ?? 'none'}, down ${sfu.downstream?.connectionState ?? 'none'}` : '';
    return `in call ${session.inCall}, sfu ${sfu ? `on, feed ${sfu.feed}, feeds ${feeds.join(' ')}${links}` : 'off'}, errors: ${window.parleyErrors.map((e) => e.message).join('; ')}`;
  });

/**
 * Each remote video on a page, for a failure's message: its element, its track, what its
 * connection received and decoded of it (inbound-rtp, matched by track id), and what the
 * element presented and painted of it over one second.
 */
const videoReport = (page) =>
  page.evaluate(async () => {
    const session = document.querySelector('parley-room').session;
    const inbound = new Map();
    for (const pc of [session.sfu?.downstream, ...[...session.peers.values()].map((peer) => peer.pc)]) {
      for (const s of pc ? (await pc.getStats()).values() : []) if (s.type === 'inbound-rtp' && s.kind === 'video') inbound.set(s.trackIdentifier, s);
    }
    const videos = [...document.querySelector('parley-video-grid').shadowRoot.querySelectorAll('video[data-remote]')];
    // Frames each video presented over 1 s (requestVideoFrameCallback), beside what the
    // element says it painted (getVideoPlaybackQuality; Firefox's mozPaintedFrames).
    const presented = videos.map(() => 0);
    const painted = (video) => `${video.getVideoPlaybackQuality?.().totalVideoFrames ?? '?'}${'mozPaintedFrames' in video ? `/${video.mozPaintedFrames} moz` : ''}`;
    const paintedBefore = videos.map(painted);
    let counting = true;
    videos.forEach((video, i) => {
      const next = () => video.requestVideoFrameCallback(() => counting && (presented[i]++, next()));
      next();
    });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    counting = false;
    return videos
      .map((video, i) => {
        const track = video.srcObject?.getVideoTracks()[0];
        const s = track && inbound.get(track.id);
        const stats = s ? `received ${s.framesReceived}, decoded ${s.framesDecoded}, keys ${s.keyFramesDecoded}, ${s.frameWidth}px, ${s.packetsReceived} packets, ${s.pliCount} PLI` : 'no inbound stats';
        const shown = `presented ${presented[i]} in 1 s, painted ${paintedBefore[i]} → ${painted(video)}, ${video.paused ? 'paused' : 'not paused'}, ${video.clientWidth}×${video.clientHeight}`;
        return `${video.closest('figure')?.getAttribute('aria-label')}: ready ${video.readyState}, track ${track ? `${track.readyState}${track.muted ? ' muted' : ''}` : 'none'}, ${stats}, ${shown}`;
      })
      .join('; ');
  });

/** A page's feed at Janus, what it sends there per simulcast layer, and its errors, for a failure's message. */
const layersSent = (page) =>
  page.evaluate(async () => {
    const up = document.querySelector('parley-room').session.sfu?.upstream;
    const layers = [];
    for (const s of up ? (await up.getStats()).values() : []) {
      if (s.type === 'outbound-rtp' && s.kind === 'video') layers.push(`${s.rid ?? s.mid}: ${s.framesEncoded} frames, ${s.frameWidth}px${s.qualityLimitationReason && s.qualityLimitationReason !== 'none' ? ` (${s.qualityLimitationReason})` : ''}`);
    }
    const errors = window.parleyErrors.map((e) => e.message);
    return `feed ${document.querySelector('parley-room').session.sfu?.feed}, ${layers.sort().join(', ')}${errors.length ? `, errors: ${errors.join(' | ')}` : ''}`;
  });

/**
 * Who a page shows and how it reaches them, for a failure's message: each participant's
 * presence (camera, feed) and whether a camera stream is known for them, each mesh
 * connection's state, and the feeds the page knows at Janus.
 */
const roster = (page) =>
  page.evaluate(() => {
    const session = document.querySelector('parley-room').session;
    const people = session
      .participants()
      .filter((p) => !p.isLocal)
      .map((p) => {
        const peer = session.peers.get(p.id);
        const link = peer ? `${peer.pc.connectionState}${peer.connected ? '' : ', channel closed'}` : 'no connection';
        return `${p.name}: video ${p.media?.video}, feed ${p.media?.feed?.slice(0, 8)}, camera ${p.camera ? `${p.camera.getVideoTracks().length} track` : 'none'}, ${link}`;
      });
    const shown = new Set(session.participants().map((p) => p.id));
    const hidden = [...session.peers.values()].filter((peer) => !shown.has(peer.id)).map((peer) => `${peer.id.slice(0, 6)} (not shown): ${peer.pc.connectionState}${peer.connected ? '' : ', channel closed'}`);
    const feeds = [...(session.sfu?.feeds.entries() ?? [])].map(([id, f]) => `${id.slice(0, 8)} ${session.participants().find((p) => p.id === f.display)?.name ?? f.display}: ${f.stream.getVideoTracks().length} video`);
    // Every presence the page holds, by the peer it names, and how long since it was heard.
    const now = Date.now();
    const presences = [...session.awareness.getStates()].map(([client, state]) => `${String(state.peer).slice(0, 6)} ${Math.round((now - (session.awareness.meta.get(client)?.lastUpdated ?? now)) / 1000)} s ago`);
    return `${[...people, ...hidden].join('; ')}. Presences: ${presences.join(', ')}. Feeds at Janus: ${feeds.join('; ')}`;
  });

const others = (name) => PEOPLE.filter((n) => n !== name).sort();

/**
 * Joins as a person with their camera on and microphone off. In Firefox, whose fake camera
 * has no frame rate of its own, the track is held to five frames a second, as Chromium's
 * cameras are (launchAll, below).
 */
const join = (page) =>
  page.evaluate(async () => {
    const room = document.querySelector('parley-room');
    await room.join({ audio: false, video: true });
    if (!navigator.userAgent.includes('Firefox')) return;
    const camera = room.session.localStream.getVideoTracks()[0];
    await camera.applyConstraints({ ...camera.getConstraints(), frameRate: { max: 5 } });
  });

describe('a room outgrowing the mesh: six Chromium pages and one Firefox page, media="auto", real Janus', () => {
  let servers;
  let janus;
  let browsers = [];
  const pages = [];

  before(async () => {
    servers = await startServers({ janus: true });
    janus = servers.janus;
    // Cameras at five frames a second (Chromium's fake cameras themselves; Firefox's track,
    // join, above). Seven people's calls on one machine of two cores are seven
    // machines' work: at 15 frames a second the CPU stayed saturated (load 15) after the move
    // to Janus, and what failed, one run in two, was the browsers' own timers (ICE consent,
    // SCTP retransmission, a 15 s wait for Janus). The test asserts what each page shows,
    // not a frame rate.
    browsers = await launchAll(['chromium', 'firefox'], { cameraFps: 5 });
  });
  after(async () => {
    await closePages(...pages);
    await Promise.all(browsers.map((browser) => browser.close().catch(() => {})));
    await servers?.close();
  });

  it('moves everyone’s media to Janus at the fifth person, plays every video on every page, tells everyone when Janus dies, and the form never stops', async () => {
    const room = freshRoom('e2e-sfu-auto');
    const started = Date.now();
    for (const [i, name] of PEOPLE.entries()) {
      const url = servers.demoUrl({ room, name, password: PASSWORD, media: 'auto', quality: 'low' });
      const page = await openDemo(browsers[i === FIREFOX ? 1 : 0], url);
      // Parley's own warnings ([parley] …), timed from the start, for a failure's message.
      page.logged = [];
      page.on('console', (message) => {
        if (message.type() === 'warn' || message.type() === 'error') page.logged.push(`${((Date.now() - started) / 1000).toFixed(1)} s ${message.text().slice(0, 300)}`);
      });
      pages.push(page);
    }
    for (const page of pages) {
      await page.evaluate(() => {
        window.parleyErrors = [];
        document.querySelector('parley-room').addEventListener('parley-error', (e) => window.parleyErrors.push({ code: e.detail.code, message: e.detail.message }));
      });
    }
    await waitUntil(async () => (await Promise.all(pages.map(connectedPeers))).every((n) => n === PEOPLE.length - 1), 'all seven pages to connect for the form', 60000);

    // Four in the call: a mesh. Each sends its video over one connection per other person, none to Janus.
    // Cameras only: seven pages' audio pipelines (a thread per stream, each waking every few
    // ms) left two cores too little for the rest, and the pages' requests waited over 10 s.
    const four = pages.slice(0, 4);
    await Promise.all(four.map(join));
    for (const [i, page] of four.entries()) {
      const name = PEOPLE[i];
      const mesh = PEOPLE.slice(0, 4).filter((n) => n !== name).map((n) => `mesh:${n}`).sort();
      await waitUntil(async () => (await remoteVideosPlaying(page)).length === 3, `${name} to play three videos over the mesh`, 45000);
      assert.deepEqual(await connectionsSendingVideo(page), mesh, `${name} sends over the mesh, to each other person`);
      assert.equal(await page.evaluate(() => document.querySelector('parley-room').session.sfu), null, `${name} is not at Janus with four people`);
    }

    // The fifth, sixth and seventh join: everyone's media goes through Janus.
    for (const page of pages.slice(4)) await join(page);
    for (const [i, page] of pages.entries()) {
      const name = PEOPLE[i];
      await waitUntil(
        async () => JSON.stringify(await remoteVideosPlaying(page)) === JSON.stringify(others(name)),
        async () =>
          `${name} to play the six others’ videos through Janus (plays ${(await remoteVideosPlaying(page, { frames: 1, timeout: 1000 })).join(', ')}; ${await state(page)}; ` +
          `its videos: ${await videoReport(page)}; whom it shows: ${await roster(page)}; its warnings: ${page.logged.join(' | ') || 'none'})`,
        90000,
      );
      await waitUntil(
        async () => JSON.stringify(await connectionsSendingVideo(page)) === '["janus"]',
        async () => `${name} to send its video over one connection, to Janus (sends over ${(await connectionsSendingVideo(page)).join(', ')}; ${await page.evaluate(() => {
          const session = document.querySelector('parley-room').session;
          return [...session.peers.values()].map((peer) => {
            const name = session.participants().find((p) => p.id === peer.id)?.name;
            return `${name}: senders ${peer.pc.getSenders().map((x) => x.track?.kind ?? 'null').join(',')}`;
          }).join('; ');
        })})`,
        30000,
      );
    }
    // Still playing, all at once: nothing on any page stopped while the others settled.
    const playing = await Promise.all(pages.map((page) => remoteVideosPlaying(page, { timeout: 15000 })));
    for (const [i, names] of playing.entries()) {
      if (JSON.stringify(names) === JSON.stringify(others(PEOPLE[i]))) continue;
      const now = await videoReport(pages[i]);
      await new Promise((resolve) => setTimeout(resolve, 2000));
      const sent = (await Promise.all(pages.map(layersSent))).map((layers, j) => `${PEOPLE[j]}: ${layers}`);
      assert.fail(
        `${PEOPLE[i]} plays ${names.join(', ')}, not every other video. Its videos: ${now}. 2 s later: ${await videoReport(pages[i])}. ` +
          `Whom it shows: ${await roster(pages[i])}. Its warnings: ${pages[i].logged.join(' | ') || 'none'}. Sent to Janus: ${sent.join('; ')}`,
      );
    }

    // The form goes on over the mesh, from the Firefox page to everyone.
    await pages[FIREFOX].$eval('#amount', (input) => {
      input.value = '4321.00';
      input.dispatchEvent(new Event('input', { bubbles: true }));
    });
    // Within a minute: a pass/fail test, not a latency goal (seven pages share two cores here).
    await waitUntil(
      async () => (await Promise.all(pages.map((page) => fieldValue(page, '#amount')))).every((v) => v === '4321.00'),
      async () => `the edit to reach all seven pages (${(await Promise.all(pages.map(async (page, i) => `${PEOPLE[i]}: ${await fieldValue(page, '#amount')}, ${await connectedPeers(page)} peers connected, warnings: ${page.logged.slice(-5).join(' | ') || 'none'}`))).join('; ')})`,
      60000,
    );

    // Janus dies: seven people do not fit a mesh (six), so each is told and leaves the call; the form goes on.
    process.kill(janus.pid, 'SIGKILL');
    const told = (page) => page.evaluate(() => window.parleyErrors.filter((e) => e.code === 'sfu').map((e) => e.message));
    await waitUntil(async () => (await Promise.all(pages.map(told))).every((messages) => messages.length > 0), 'everyone to be told Janus went away', 30000);
    for (const [i, page] of pages.entries()) {
      const messages = await told(page);
      assert.equal(messages.length, 1, `${PEOPLE[i]} told once: ${messages.join('; ')}`);
      assert.match(messages[0], /went away.*7 people, more than a peer-to-peer call takes \(6\): you left the call\. The form goes on\./);
      await waitUntil(() => page.evaluate(() => !document.querySelector('parley-room').session.inCall), `${PEOPLE[i]} to leave the call`);
    }
    await pages[0].$eval('#amount', (input) => {
      input.value = '99.00';
      input.dispatchEvent(new Event('input', { bubbles: true }));
    });
    await waitUntil(async () => (await Promise.all(pages.map((page) => fieldValue(page, '#amount')))).every((v) => v === '99.00'), 'an edit after Janus died to reach all seven pages');
  });
});
