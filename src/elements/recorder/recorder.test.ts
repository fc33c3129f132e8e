import { expect, html, oneEvent } from '@open-wc/testing';
import '../../index.js';
import type { ParleyRecorder } from './recorder.js';
import { CallRecorder, Session } from '../../core/index.js';
import { fixtureInRoom, waitFor } from '../../../test/helpers.js';

/**
 * Follows every MediaRecorder the page creates from now on (the browser's own, unchanged: a
 * subclass that only listens), until `restore()`: how many non-empty chunks each handed out.
 */
function watchRecorders(): { recorders: Array<{ recorder: MediaRecorder; chunks: number }>; restore: () => void } {
  const Real = window.MediaRecorder;
  const recorders: Array<{ recorder: MediaRecorder; chunks: number }> = [];
  window.MediaRecorder = class extends Real {
    constructor(stream: MediaStream, options?: MediaRecorderOptions) {
      super(stream, options);
      const entry = { recorder: this as MediaRecorder, chunks: 0 };
      recorders.push(entry);
      this.addEventListener('dataavailable', (e) => void (e.data.size && entry.chunks++));
    }
  };
  return { recorders, restore: () => void (window.MediaRecorder = Real) };
}

describe('<parley-recorder>', () => {
  let other: Session | null = null;
  let watch: ReturnType<typeof watchRecorders> | null = null;
  afterEach(() => {
    other?.destroy();
    other = null;
    watch?.restore();
    watch = null;
  });

  async function setup() {
    const { room, signaling, el, root } = await fixtureInRoom<ParleyRecorder>(html`<parley-recorder save="manual"></parley-recorder>`);
    const button = (name: string) => [...root.querySelectorAll('button')].find((b) => b.textContent!.trim() === name);
    return { room, signaling, el, root, button };
  }

  it('is accessible, records, pauses, and hands the recording and the transcribe hook the file', async function () {
    this.timeout(60000);
    const { el, root, button } = await setup();
    await expect(el).to.be.accessible();
    let transcribed: Blob | null = null;
    el.transcribe = async (blob) => {
      transcribed = blob;
      return 'hello world';
    };
    const { recorders } = (watch = watchRecorders());
    const asked = performance.now();
    button('Start recording')!.click();
    await waitFor(() => el.state === 'recording' && root.querySelector('[part=indicator]'), 'recording to start');
    await el.updateComplete;
    expect(root.querySelector('[part=indicator]')!.textContent).to.contain('Recording: Ada');
    await expect(el).to.be.accessible();
    button('Pause')!.click();
    await el.updateComplete;
    expect(el.state).to.equal('paused');
    expect(button('Resume')!.getAttribute('aria-pressed')).to.equal('true');
    button('Resume')!.click();
    // Something recorded: two chunks of a second each, handed out after the resume
    // (Firefox is slow to start on a still grid).
    const before = recorders[0].chunks;
    await waitFor(() => recorders[0].chunks >= before + 2, () => `two chunks recorded after the resume (${recorders[0].chunks - before})`, 30000);
    const ready = oneEvent(el, 'parley-recording-ready');
    const transcript = oneEvent(el, 'parley-transcript');
    button('Stop recording')!.click();
    const { detail } = await ready;
    const took = (performance.now() - asked) / 1000;
    expect(detail.blob.size).to.be.greaterThan(0);
    expect(detail.type).to.match(/^video\//);
    // At least the second of chunks after the resume; at most this test's clock.
    expect(detail.duration).to.be.within(1, took);
    expect((await transcript).detail.text).to.equal('hello world');
    expect(transcribed).to.equal(detail.blob);
    await el.updateComplete;
    const link = root.querySelector<HTMLAnchorElement>('[part=download]')!;
    expect(link.download).to.match(/^recording-.*\.(mp4|webm)$/);
    expect(root.querySelector('[part=indicator]')).to.equal(null);
  });

  it('stops when the page removes it while it is still starting', async () => {
    const { el, button } = await setup();
    const { recorders } = (watch = watchRecorders());
    button('Start recording')!.click();
    const states: string[] = [];
    el.recorder!.events.on('state', (state) => states.push(state));
    el.remove();
    // Starting goes on (the recorder reaches 'recording' for a moment), then it stops by
    // itself: 'inactive' right after the removal only meant it had not started yet.
    await waitFor(
      () => states.includes('recording') && states.at(-1) === 'inactive' && !el.recorder!.session.localPresence?.recording,
      () => `the recording to start, then stop (states: ${states.join(', ') || 'none'})`,
      8000,
    );
    // start() is over once it said 'recording' (nothing is left for it to start later), and
    // the one MediaRecorder it made is stopped: nothing records behind the removed element.
    expect(el.recorder!.state).to.equal('inactive');
    expect(recorders.map((r) => r.recorder.state)).to.deep.equal(['inactive']);
  });

  it('shows who records when someone else does', async () => {
    const { room, signaling, root, el } = await setup();
    other = new Session(room, { signaling, name: 'Bob' });
    other.start();
    const recorder = new CallRecorder(other, { width: 320, height: 180 });
    await recorder.start('grid');
    await waitFor(() => root.querySelector('[part=indicator]')?.textContent?.includes('Recording: Bob'), 'the indicator for Bob');
    // What Bob's recording holds is not the point here (and a very short one may be empty).
    await recorder.stop().catch(() => {});
    await waitFor(() => !root.querySelector('[part=indicator]'), 'the indicator to go');
    await expect(el).to.be.accessible();
  });
});
