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

  it('reads the level only of people whose microphone is on', async () => {
    const signaling = await relayUrl();
    const room = uniqueRoom();
    const [a, c] = ['Ada', 'Cy'].map((name) => new Session(room, { signaling, name }));
    sessions.push(a!, c!);
    sessions.forEach((s) => s.start());
    await waitFor(() => c!.peers.get(a!.id)?.connected, 'Cy to connect to Ada');
    await a!.join({ audio: true, video: false });
    await c!.join({ audio: true, video: false });
    const adaHeard = (audio: boolean) => c!.participants().find((p) => p.id === a!.id)?.media?.audio === audio;
    await waitFor(() => adaHeard(true) && c!.peers.get(a!.id)?.transceiver('microphone')?.receiver, 'Cy to see Ada in the call, microphone on');
    // Every read of a remote level goes through the receiver (stats, or the sources' levels).
    const reads: string[] = [];
    const proto = RTCRtpReceiver.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
    const originals = ['getStats', 'getSynchronizationSources'].map((name) => [name, proto[name]] as const);
    for (const [name, original] of originals) {
      proto[name] = function (this: RTCRtpReceiver, ...args: unknown[]) {
        reads.push(name);
        return original!.apply(this, args);
      };
    }
    try {
      detector = new ActiveSpeaker(c!);
      await detector.sample();
      expect(reads, 'reads while her microphone is on').to.not.be.empty;
      a!.setAudioEnabled(false);
      await waitFor(() => adaHeard(false), 'Cy to see Ada muted');
      reads.length = 0;
      await detector.sample();
      await detector.sample();
      expect(reads, 'reads while her microphone is off').to.deep.equal([]);
    } finally {
      for (const [name, original] of originals) proto[name] = original!;
    }
  });
});
