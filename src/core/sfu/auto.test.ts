import { expect } from '@open-wc/testing';
import { Session } from '../session/session.js';
import type { ParleyError } from '../errors.js';
import type { SessionConfig } from '../session/presence.js';
import { framesArrive, sessionsAndVideos, sfuRelay, showStream, uniqueRoom, waitFor } from '../../../test/helpers.js';

// media="auto" with a real relay and a real Janus (started by web-test-runner.config.mjs):
// a mesh up to four people, the media server from the fifth on. Five sessions in one page,
// each with its own fake camera at the low profile. `npm test` runs this file on its own, one
// browser at a time (test/browsers.mjs, RUN_ALONE): beside another test file, on two cores,
// Chromium's pages got Janus's replies 6-15 s late while Janus answered in ms.
describe('media="auto" (real relay, real Janus)', () => {
  const { sessions, videos } = sessionsAndVideos();

  const password = 'correct horse battery staple';

  async function person(room: string, name: string, config: SessionConfig, errors: ParleyError[], request = { audio: true, video: true }) {
    const session = new Session(room, { name, quality: 'low', ...config });
    sessions.push(session);
    session.events.on('error', (e) => errors.push(e));
    session.start();
    const others = () => sessions.filter((other) => other !== session && other.room === room);
    await waitFor(
      () => others().every((other) => session.peers.get(other.id)?.connected),
      () => {
        // Who it is not connected to, how far each connection got, and what anyone reported.
        const missing = others().filter((other) => !session.peers.get(other.id)?.connected);
        const states = missing.map((other) => {
          const peer = session.peers.get(other.id);
          const back = other.peers.get(session.id);
          return `${other.config.name}: ${peer ? `${peer.pc.connectionState}/${peer.pc.iceConnectionState}/${peer.pc.signalingState}` : 'no peer'}, theirs ${back ? `${back.pc.connectionState}/${back.pc.signalingState}` : 'no peer'}`;
        });
        return `${name} connected for the document (missing ${states.join('; ')}; errors: ${errors.map((e) => e.message).join('; ')})`;
      },
      45000,
    );
    await session.join(request);
    return session;
  }

  /** The mesh connections of a session that carry its camera or microphone. */
  const meshMedia = (s: Session) => [...s.peers.values()].filter((peer) => peer.pc.getSenders().some((sender) => sender.track));
  /** Remote cameras a session shows that are the streams Janus forwards. */
  const forwarded = (s: Session) => {
    const streams = [...(s.sfu?.feeds.values() ?? [])].map((f) => f.stream);
    return s.participants().filter((p) => !p.isLocal && p.camera?.getVideoTracks().length && streams.includes(p.camera));
  };

  it('is a mesh for four people and moves everyone’s media to Janus when the fifth joins (past max-participants); the form goes on over the mesh', async function () {
    this.timeout(150000); // five cameras, twenty mesh connections, then five publishers on two cores
    const signaling = await sfuRelay();
    const room = uniqueRoom('auto');
    const errors: ParleyError[] = [];
    // A mesh of at most four: the fifth person gets in only through Janus.
    const config: SessionConfig = { signaling, password, media: 'auto', maxParticipants: 4 };
    const four: Session[] = [];
    for (const name of ['A', 'B', 'C', 'D']) four.push(await person(room, name, config, errors));

    // Four people: one mesh media connection per other person, nothing at Janus.
    for (const s of four) {
      await waitFor(() => meshMedia(s).length === 3 && s.participants().filter((p) => !p.isLocal && p.camera?.getVideoTracks().length).length === 3, () => `${s.config.name} to send and receive over three mesh connections (${meshMedia(s).length})`);
      expect(s.sfu, `${s.config.name} at Janus with four people`).to.equal(null);
      expect(s.localPresence.media?.feed).to.equal(undefined);
    }

    const everyone = [...four, await person(room, 'E', config, errors)];
    // Five: each page publishes once to Janus and shows the four others as Janus forwards them.
    await Promise.all(
      everyone.map(async (s) => {
        await waitFor(
          () => s.sfu?.upstream && forwarded(s).length === 4,
          () => {
            // What this page knew when it gave up: who it counts in the call, who already sends through Janus.
            const inCall = s.participants().filter((p) => !p.isLocal && p.media).length;
            const atJanus = [...s.awareness.getStates().values()].filter((state) => (state as { media?: { feed?: string } }).media?.feed).length;
            return `${s.config.name} to receive four cameras through Janus (${forwarded(s).length}, sfu ${s.sfu ? 'on' : 'off'}, ${inCall} others in the call, ${atJanus} presences naming a feed; errors: ${errors.map((e) => e.message).join('; ')})`;
          },
          45000,
        );
        // No camera or microphone left on any mesh connection: they carry the data only.
        await waitFor(() => meshMedia(s).length === 0, () => `${s.config.name}'s mesh connections to carry no media (${meshMedia(s).length} still do)`, 20000);
        expect([...s.peers.values()].every((peer) => peer.connected), 'the mesh stays up for the data').to.equal(true);
        const up = s.sfu!.upstream!;
        expect(up.getSenders().filter((sender) => sender.track?.kind === 'video'), 'one camera sent, once').to.have.length(1);
      }),
    );
    for (const s of everyone) for (const p of forwarded(s)) videos.push(showStream(p.camera!, []));
    await Promise.all(videos.map((video) => framesArrive(video, 2, 30000)));

    // The document still converges over the mesh's data channels.
    everyone[4].doc.getMap('form').set('amount', '120');
    everyone[0].doc.getText('notes').insert(0, 'after the move');
    await waitFor(() => everyone.every((s) => s.doc.getMap('form').get('amount') === '120' && s.doc.getText('notes').toString() === 'after the move'), 'the edits to reach everyone');

    // One leaves: the call stays at Janus (no move back and forth around five).
    everyone[4].leave();
    await waitFor(() => everyone.slice(0, 4).every((s) => forwarded(s).length === 3), 'the others to see E leave');
    expect(everyone.slice(0, 4).every((s) => s.sfu && meshMedia(s).length === 0), 'still at Janus with four').to.equal(true);
    const sfuErrors = errors.filter((e) => e.code === 'sfu');
    expect(sfuErrors, sfuErrors.map((e) => e.message).join('; ')).to.have.length(0);
  });

  it('stays a mesh without a room password, and says so once per person (media="auto")', async function () {
    this.timeout(60000);
    const signaling = await sfuRelay();
    const room = uniqueRoom('auto');
    const errors: ParleyError[] = [];
    // Audio only: five people's microphones are enough to count to five.
    const everyone: Session[] = [];
    for (const name of ['A', 'B', 'C', 'D', 'E']) everyone.push(await person(room, name, { signaling, media: 'auto' }, errors, { audio: true, video: false }));
    await waitFor(() => everyone.every((s) => meshMedia(s).length === 4), 'five people on the mesh, each sending over four connections');
    const told = () => errors.filter((e) => e.code === 'sfu');
    await waitFor(() => told().length >= 5, () => `each person to be told (${told().length})`);
    // More changes of who is in the call do not repeat it.
    everyone[4].leave();
    await everyone[4].join({ audio: true, video: false });
    await waitFor(() => everyone.slice(0, 4).every((s) => meshMedia(s).length === 4), 'E back on the mesh');
    expect(everyone.every((s) => s.sfu === null)).to.equal(true);
    // Five, and once more for E, whose second join is a call of its own.
    expect(told()).to.have.length(6);
    expect(told().every((e) => /needs a room password/.test(e.message))).to.equal(true);
  });
});
