// join() without a preview: the person is in the call as soon as the browser is asked for
// the camera, so the others' video reaches them while theirs starts (a permission prompt
// still open, a slow camera); a camera that cannot start at all takes them out again.
import { expect } from '@open-wc/testing';
import type { ParleyError } from '../errors.js';
import { connectedPair, framesArrive, sessionsAndVideos, showStream, waitFor } from '../../../test/helpers.js';

/**
 * getUserMedia held until `answer()`: then it captures, or fails with the DOMException named
 * (what the browser says when the camera is refused, or in use).
 */
function heldCamera() {
  const real = navigator.mediaDevices.getUserMedia;
  let answer!: (failure?: string) => void;
  const answered = new Promise<string | undefined>((resolve) => (answer = resolve));
  let asked = 0;
  const captured: MediaStream[] = [];
  navigator.mediaDevices.getUserMedia = async function (constraints) {
    asked++;
    const failure = await answered;
    if (failure) throw new DOMException('held camera', failure);
    const stream = await real.call(this, constraints);
    captured.push(stream);
    return stream;
  };
  return { answer, asked: () => asked, captured: () => captured, restore: () => (navigator.mediaDevices.getUserMedia = real) };
}

describe('join() while the camera starts (real relay, real connections)', function () {
  this.timeout(60000);
  const { sessions, videos } = sessionsAndVideos();
  let camera: ReturnType<typeof heldCamera> | null = null;
  afterEach(() => camera?.restore());

  it('shows the others’ video before its own camera has started, and sends its own once it has', async () => {
    const [ada, bob] = await connectedPair();
    sessions.push(ada, bob);
    await bob.join();
    await waitFor(() => ada.participant(bob.id)?.media, 'Bob in the call, at Ada');
    camera = heldCamera();
    const joining = ada.join();
    // Bob sees Ada in the call, with nothing on yet, and sends her his camera.
    const atBob = await waitFor(() => bob.participant(ada.id)?.media, 'Ada in the call, at Bob');
    expect(atBob).to.include({ audio: false, video: false });
    const bobAtAda = showStream(await waitFor(() => ada.participant(bob.id)?.camera, 'Bob’s camera at Ada'), videos);
    await framesArrive(bobAtAda, 10);
    expect(camera.asked(), 'the camera asked for once').to.equal(1);
    expect(ada.inCall, 'Ada’s own camera not started yet').to.equal(false);

    camera.answer();
    await joining;
    expect(ada.inCall).to.equal(true);
    await waitFor(() => bob.participant(ada.id)?.media?.video, 'Ada’s camera on, at Bob');
    await framesArrive(showStream(bob.participant(ada.id)!.camera!, videos), 10);
    await framesArrive(bobAtAda, 10); // and Bob's video at Ada never stopped
  });

  it('takes the person out of the call again when the camera cannot start; a refused one leaves them in it, watching', async () => {
    const [ada, bob] = await connectedPair();
    sessions.push(ada, bob);
    await bob.join();
    await waitFor(() => ada.participant(bob.id)?.media, 'Bob in the call, at Ada');
    const errors: ParleyError[] = [];
    ada.events.on('error', (error) => errors.push(error));

    camera = heldCamera();
    const inUse = ada.join().then(
      () => null,
      (error: ParleyError) => error,
    );
    await waitFor(() => bob.participant(ada.id)?.media, 'Ada in the call, at Bob');
    camera.answer('NotReadableError');
    expect((await inUse)?.code, 'the camera in use').to.equal('media');
    await waitFor(() => bob.participant(ada.id) && !bob.participant(ada.id)!.media, 'Ada out of the call again, at Bob');
    expect(ada.inCall).to.equal(false);
    expect(errors.map((e) => e.code)).to.deep.equal(['media']);
    camera.restore();

    camera = heldCamera();
    const refused = ada.join().then(
      () => null,
      (error: ParleyError) => error,
    );
    camera.answer('NotAllowedError');
    expect((await refused)?.code, 'the camera refused').to.equal('permission-denied');
    // Still in the call without camera or microphone: Bob keeps sending, Ada keeps seeing him.
    await framesArrive(showStream(await waitFor(() => ada.participant(bob.id)?.camera, 'Bob’s camera at Ada'), videos), 10);
    expect(bob.participant(ada.id)?.media).to.include({ audio: false, video: false });
  });

  it('with nobody else in the call, says it is in once its camera is up, not while it starts', async () => {
    const [ada, bob] = await connectedPair();
    sessions.push(ada, bob);
    camera = heldCamera();
    const joining = ada.join();
    await waitFor(() => camera!.asked() === 1, 'Ada’s camera asked for');
    // What Ada sends after this reaches Bob after what she sent before it (one ordered
    // channel carries her presence and her edits).
    ada.doc.getText('t').insert(0, 'camera asked for');
    await waitFor(() => bob.doc.getText('t').toString() === 'camera asked for', 'Ada’s edit at Bob');
    expect(bob.participant(ada.id)?.media ?? null, 'Ada at Bob while her camera starts').to.equal(null);
    camera.answer();
    await joining;
    await waitFor(() => bob.participant(ada.id)?.media?.video, 'Ada in the call with her camera, at Bob');
  });

  it('stays out of the call, its camera off, when it leaves while the camera starts (Leave during the prompt)', async () => {
    const [ada, bob] = await connectedPair();
    sessions.push(ada, bob);
    await bob.join();
    await waitFor(() => ada.participant(bob.id)?.media?.video, 'Bob in the call with his camera, at Ada');
    camera = heldCamera();
    const joining = ada.join();
    await waitFor(() => bob.participant(ada.id)?.media, 'Ada in the call while her camera starts, at Bob');
    ada.leave();
    await waitFor(() => !bob.participant(ada.id)?.media, 'Ada out of the call again, at Bob');
    // Her camera starts after she left: turned off again, and she stays out of the call.
    camera.answer();
    await joining;
    expect(camera.captured().flatMap((s) => s.getTracks()).map((t) => t.readyState)).to.deep.equal(['ended', 'ended']);
    expect(ada.inCall).to.equal(false);
    expect(ada.localPresence.media).to.equal(null);
    // What Ada sends after this reaches Bob after anything she sent before it.
    ada.doc.getText('t').insert(0, 'camera started');
    await waitFor(() => bob.doc.getText('t').toString() === 'camera started', 'Ada’s edit at Bob');
    expect(bob.participant(ada.id)?.media ?? null, 'Ada at Bob once her camera started').to.equal(null);
  });

  it('joins anew when asked again after leaving while the camera started', async () => {
    const [ada, bob] = await connectedPair();
    sessions.push(ada, bob);
    camera = heldCamera();
    const first = ada.join();
    await waitFor(() => camera!.asked() === 1, 'Ada’s camera asked for');
    ada.leave();
    const second = ada.join();
    await waitFor(() => camera!.asked() === 2, 'her camera asked for again');
    camera.answer();
    await Promise.all([first, second]);
    expect(ada.inCall, 'in the call after the second join').to.equal(true);
    const [called, kept] = camera.captured().map((s) => s.getTracks().map((t) => t.readyState).join());
    expect([called, kept].sort()).to.deep.equal(['ended,ended', 'live,live']);
    expect(ada.localStream?.getTracks().every((t) => t.readyState === 'live')).to.equal(true);
    await waitFor(() => bob.participant(ada.id)?.media?.video, 'Ada in the call with her camera, at Bob');
  });

  it('asks the page to render when someone enters the call, not again as their media starts to arrive', async () => {
    const [ada, bob] = await connectedPair();
    sessions.push(ada, bob);
    await bob.join();
    await waitFor(() => ada.participant(bob.id)?.media?.video, 'Bob in the call with his camera, at Ada');
    // Every change re-renders every Parley element of the page (a whole call's worth of them
    // on a loaded machine, while everyone's first frames are due). Ada entering the call is
    // one; Bob's microphone and camera then starting to arrive (their tracks unmute) are
    // none: a <video> on his stream shows them as they come.
    let changes = 0;
    ada.events.on('change', () => changes++);
    camera = heldCamera();
    const joining = ada.join();
    await waitFor(() => camera!.asked() === 1, 'Ada’s camera asked for');
    const bobAtAda = showStream(await waitFor(() => ada.participant(bob.id)?.camera, 'Bob’s camera at Ada'), videos);
    await framesArrive(bobAtAda, 10);
    const stream = ada.participant(bob.id)!.camera!;
    await waitFor(() => stream.getTracks().every((t) => t.kind === 'video' || !t.muted), 'Bob’s sound arriving at Ada');
    expect(changes, 'changes at Ada: her entering the call, then none while his media started').to.equal(1);
    camera.answer();
    await joining;
  });
});
