import { expect } from '@open-wc/testing';
import { Session } from '../session/session.js';
import { ActiveSpeaker } from './speaker.js';
import { relayUrl, uniqueRoom, waitFor } from '../../../test/helpers.js';

describe('ActiveSpeaker (real audio levels over real connections)', () => {
  const sessions: Session[] = [];
  let detector: ActiveSpeaker | null = null;
  const players: HTMLAudioElement[] = [];
  afterEach(() => {
    players.splice(0).forEach((p) => p.remove());
    detector?.stop();
    sessions.splice(0).forEach((s) => s.destroy());
  });

  it('follows the audio: the other speaker takes over when the current one mutes', async () => {
    const signaling = await relayUrl();
    const room = uniqueRoom();
    const [a, b, c] = ['Ada', 'Bob', 'Cy'].map((name) => new Session(room, { signaling, name }));
    sessions.push(a!, b!, c!);
    sessions.forEach((s) => s.start());
    await waitFor(() => c!.peers.get(a!.id)?.connected && c!.peers.get(b!.id)?.connected, 'c to connect to a and b');
    await a!.join({ audio: true, video: false });
    await b!.join({ audio: true, video: false });
    // Media goes only to people in the call: c joins too, silent.
    await c!.join({ audio: true, video: false });
    c!.setAudioEnabled(false);
    // Chromium updates receive-side levels only for audio that is played out, as in a tile.
    for (const peer of c!.peers.values()) {
      const audio = document.createElement('audio');
      audio.srcObject = peer.camera;
      void audio.play().catch(() => {});
      players.push(audio);
    }
    detector = new ActiveSpeaker(c!);
    const changes: Array<string | null> = [];
    detector.events.on('change', (id) => changes.push(id));
    detector.start();
    const first = await waitFor(() => detector!.current, 'someone to be detected speaking');
    expect([a!.id, b!.id]).to.include(first);
    const [speaker, other] = first === a!.id ? [a!, b!] : [b!, a!];
    speaker.setAudioEnabled(false);
    await waitFor(() => detector!.current === other.id, 'the other participant to become the active speaker');
    expect(changes.slice(-1)).to.deep.equal([other.id]);
    other.setAudioEnabled(false);
    await waitFor(() => detector!.current === null, 'silence when both are muted');
  });
});
