import { expect } from '@open-wc/testing';
import { Session } from '../session/session.js';
import type { SessionConfig } from '../session/presence.js';
import { doomedSfuRelay, framesArrive, joinAll, sessionsAndVideos, showStream, uniqueRoom, waitFor } from '../../../test/helpers.js';

// Janus going away mid-call: each test starts a Janus of its own (web-test-runner.config.mjs)
// and kills it with SIGKILL while three people's media goes through it.
describe('the media server going away mid-call (real relay, real Janus killed)', () => {
  const { sessions, videos } = sessionsAndVideos();

  const password = 'correct horse battery staple';

  async function callThroughJanus(config: SessionConfig) {
    const sfu = await doomedSfuRelay();
    const room = uniqueRoom('gone');
    const people = ['A', 'B', 'C'].map((name) => new Session(room, { name, quality: 'low', signaling: sfu.url, password, media: 'sfu', ...config }));
    sessions.push(...people);
    const errors = await joinAll(people);
    // Everyone at Janus, receiving the two others from it.
    await waitFor(() => people.every((s) => s.sfu && [...s.sfu.feeds.values()].filter((f) => f.stream.getVideoTracks().length).length === 2), () => `three people at Janus (${errors.map((e) => e.message).join('; ')})`, 30000);
    return { people, errors, kill: sfu.kill, revive: sfu.revive };
  }

  /** An edit made after the kill reaches everyone: the form never stopped. */
  async function formConverges(people: Session[], value: string) {
    people[1].doc.getMap('form').set('amount', value);
    await waitFor(() => people.every((s) => s.doc.getMap('form').get('amount') === value), 'the edit after the kill to reach everyone');
  }

  it('a call that fits a mesh goes on peer-to-peer: everyone is told, videos play again over the mesh, the form syncs', async function () {
    this.timeout(60000);
    const { people, errors, kill } = await callThroughJanus({});
    await kill();
    await waitFor(() => people.every((s) => s.sfu === null), 'everyone to notice Janus is gone');
    await formConverges(people, 'after the kill');
    for (const s of people) {
      await waitFor(() => s.participants().filter((p) => !p.isLocal && p.camera?.getVideoTracks().length && p.camera === s.peers.get(p.id)?.camera).length === 2, () => `${s.config.name} to receive both cameras over the mesh`);
      expect(s.inCall, `${s.config.name} still in the call`).to.equal(true);
      expect(s.localPresence.media?.feed, 'no feed named any more').to.equal(undefined);
      for (const p of s.participants().filter((p) => !p.isLocal)) videos.push(showStream(p.camera!, []));
    }
    await Promise.all(videos.map((video) => framesArrive(video, 3, 20000)));
    const told = errors.filter((e) => e.code === 'sfu');
    expect(told.map((e) => e.message), 'each person told once').to.have.length(3);
    expect(told.every((e) => /went away.*goes on peer-to-peer/.test(e.message)), told.map((e) => e.message).join('; ')).to.equal(true);
  });

  it('a media server that comes back (restarted on its port) takes the call again, with nobody told twice', async function () {
    this.timeout(60000);
    const { people, errors, kill, revive } = await callThroughJanus({});
    await kill();
    await waitFor(() => people.every((s) => s.sfu === null), 'everyone to notice Janus is gone');
    // Within the tries after a transient failure (SFU_RETRIES, from SFU_RETRY_MS on, doubling).
    await revive();
    await waitFor(
      () => people.every((s) => s.sfu && [...s.sfu.feeds.values()].filter((f) => f.stream.getVideoTracks().length).length === 2),
      () => `everyone at the new Janus again (${people.map((s) => `${s.config.name}: ${s.sfu ? [...s.sfu.feeds.values()].length : 'off'}`).join(', ')})`,
      30000,
    );
    for (const s of people) {
      const streams = [...s.sfu!.feeds.values()].map((f) => f.stream);
      const cameras = s.participants().filter((p) => !p.isLocal && p.camera && streams.includes(p.camera));
      expect(cameras, `${s.config.name} shows both others as the new Janus forwards them`).to.have.length(2);
      for (const p of cameras) videos.push(showStream(p.camera!, []));
    }
    await Promise.all(videos.map((video) => framesArrive(video, 3, 20000)));
    await formConverges(people, 'after the restart');
    const told = errors.filter((e) => e.code === 'sfu');
    expect(told.map((e) => e.message), 'each person told once, when it went away').to.have.length(3);
    expect(told.every((e) => /went away.*goes on peer-to-peer/.test(e.message)), told.map((e) => e.message).join('; ')).to.equal(true);
  });

  it('a call larger than a mesh takes ends with a clear error for each person; the form syncs', async function () {
    this.timeout(60000);
    // A mesh of two: three people at Janus do not fit one.
    const { people, errors, kill } = await callThroughJanus({ maxParticipants: 2 });
    await kill();
    await waitFor(() => people.every((s) => !s.inCall), 'everyone out of the call');
    await formConverges(people, 'after the kill, out of the call');
    const told = errors.filter((e) => e.code === 'sfu');
    expect(told, 'each person told once').to.have.length(3);
    expect(told.every((e) => /went away.*3 people, more than a peer-to-peer call takes \(2\): you left the call\. The form goes on\./.test(e.message)), told.map((e) => e.message).join('; ')).to.equal(true);
    expect(people.every((s) => [...s.peers.values()].every((peer) => peer.pc.getSenders().every((sender) => !sender.track))), 'no media over the mesh').to.equal(true);
  });
});
