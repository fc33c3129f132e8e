// Local recording of the call with MediaRecorder: the whole grid (every participant's
// camera and screen drawn onto a canvas: compositor.ts) with everyone's audio mixed by Web
// Audio, or only the local camera, or only the shared screen. While it records, the local
// awareness state carries `recording: true` so every participant can show an indicator.
// The result is MP4 where the browser records it, else WebM with its duration written in
// (webm-duration.ts).
import { createNanoEvents } from 'nanoevents';
import { ParleyError } from '../errors.js';
import { withWebmDuration } from './webm-duration.js';
import { GridCompositor, type GridOptions } from './compositor.js';
import type { Session } from '../session/session.js';
import type { PresenceState } from '../session/presence.js';

export type RecordingSource = 'grid' | 'camera' | 'screen';
export type RecorderState = 'inactive' | 'recording' | 'paused';

export interface Recording {
  blob: Blob;
  /** MIME type of the blob, e.g. `video/mp4` or `video/webm;codecs=vp8,opus`. */
  type: string;
  /** Seconds of recorded time (pauses excluded). */
  duration: number;
}

export interface RecorderOptions extends GridOptions {
  /** Container/codecs to record; default: bestRecordingType(). */
  mimeType?: string;
}

export interface RecorderEvents {
  state: (state: RecorderState) => void;
  error: (error: ParleyError) => void;
}

/** How long start() waits for the browser to start audio for the mix. */
const AUDIO_START_MS = 1000;

/** Containers in order of preference: MP4 plays everywhere; WebM is the fallback. */
const TYPES = ['video/mp4;codecs=avc1,mp4a.40.2', 'video/mp4', 'video/webm;codecs=vp8,opus', 'video/webm'];

export function bestRecordingType(): string {
  return TYPES.find((t) => typeof MediaRecorder !== 'undefined' && MediaRecorder.isTypeSupported(t)) ?? '';
}

/** Names of everyone currently recording, yourself included. */
export function recordingNames(session: Session): string[] {
  const names: string[] = [];
  for (const state of session.awareness.getStates().values()) {
    const presence = state as Partial<PresenceState>;
    if (presence.recording === true) names.push(session.nameOf(presence));
  }
  return names;
}

export class CallRecorder {
  readonly events = createNanoEvents<RecorderEvents>();
  state: RecorderState = 'inactive';

  #recorder: MediaRecorder | null = null;
  #chunks: Blob[] = [];
  #grid: GridCompositor | null = null;
  #mixer: AudioMixer | null = null;
  #startedAt = 0;
  #starting = false;
  #failure = '';
  #pausedAt = 0;
  #paused = 0;

  constructor(
    readonly session: Session,
    readonly options: RecorderOptions = {},
  ) {}

  /**
   * Bytes recorded so far (the browser hands them over about once a second); 0 before its
   * encoder has produced anything, which on a busy machine can take more than a second.
   */
  get size(): number {
    return this.#chunks.reduce((total, chunk) => total + chunk.size, 0);
  }

  /**
   * Starts recording `source`. Where the browser has not started audio on this page (no
   * sound device, or nobody has clicked it yet) the grid and screen are recorded without
   * sound, and an `error` event says so.
   */
  async start(source: RecordingSource = 'grid'): Promise<void> {
    if (this.state !== 'inactive' || this.#starting) return;
    const { session } = this;
    this.#starting = true;
    try {
      let stream: MediaStream;
      if (source === 'camera') {
        if (!session.localStream) throw new ParleyError('recording', 'Join the call to record your camera.');
        stream = new MediaStream(session.localStream.getTracks());
      } else {
        const video =
          source === 'screen'
            ? session.screenStream?.getVideoTracks()[0]
            : (this.#grid = new GridCompositor(session, this.options)).track;
        if (!video) throw new ParleyError('recording', 'Share your screen to record it.');
        this.#mixer = new AudioMixer(session);
        // A mix whose audio never runs stalls Firefox's recorder: it holds every frame
        // until stop() and can then hand back nothing at all.
        const audible = await this.#mixer.running(AUDIO_START_MS);
        if (!session.awareness.getLocalState()) throw new ParleyError('recording', 'The call ended before recording started.');
        if (!audible) {
          this.events.emit('error', new ParleyError('recording', 'Recording without sound: the browser has not started audio here (no sound device, or no click on the page yet).'));
        }
        stream = new MediaStream(audible ? [video, ...this.#mixer.stream.getAudioTracks()] : [video]);
      }
      let mimeType = this.options.mimeType ?? bestRecordingType();
      // Firefox waits forever for the audio that `codecs=vp8,opus` promises: with no audio
      // track, name the container only.
      if (!stream.getAudioTracks().length) mimeType = mimeType.split(';')[0];
      this.#recorder = new MediaRecorder(stream, mimeType ? { mimeType } : {});
    } catch (cause) {
      this.#starting = false;
      this.#cleanUp();
      const error = cause instanceof ParleyError ? cause : new ParleyError('recording', 'This browser cannot record the call.', { cause });
      this.events.emit('error', error);
      throw error;
    }
    this.#starting = false;
    this.#chunks = [];
    this.#failure = '';
    this.#recorder.ondataavailable = (e) => {
      if (!e.data.size) return;
      this.#chunks.push(e.data);
    };
    this.#recorder.onerror = (e) => (this.#failure = (e as Event & { error?: DOMException }).error?.message || 'recorder error');
    this.#recorder.start(1000);
    this.#startedAt = performance.now();
    this.#paused = 0;
    this.#setState('recording');
  }

  pause(): void {
    if (this.state !== 'recording') return;
    this.#recorder!.pause();
    this.#pausedAt = performance.now();
    this.#setState('paused');
  }

  resume(): void {
    if (this.state !== 'paused') return;
    this.#recorder!.resume();
    this.#paused += performance.now() - this.#pausedAt;
    this.#setState('recording');
  }

  /** Stops and returns the recording (its duration written in). */
  async stop(): Promise<Recording> {
    const recorder = this.#recorder;
    if (!recorder || this.state === 'inactive') throw new ParleyError('recording', 'Nothing is being recorded.');
    if (this.state === 'paused') this.resume();
    const durationMs = performance.now() - this.#startedAt - this.#paused;
    const stopped = new Promise((resolve) => (recorder.onstop = resolve));
    recorder.stop();
    await stopped;
    this.#cleanUp();
    this.#setState('inactive');
    const type = recorder.mimeType || this.#chunks[0]?.type || 'video/webm';
    let blob = new Blob(this.#chunks, { type });
    this.#chunks = [];
    if (!blob.size) {
      throw this.#failure
        ? new ParleyError('recording', 'The recording came out empty ({reason}).', { params: { reason: this.#failure } })
        : new ParleyError('recording', 'The recording came out empty; record for longer.');
    }
    if (type.startsWith('video/webm')) {
      blob = await withWebmDuration(blob, durationMs);
      return { blob, type, duration: durationMs / 1000 };
    }
    // An MP4 carries its own duration, which is what plays: on a loaded machine it can be
    // seconds shorter than the wall clock (frames the page could not draw are not in it).
    return { blob, type, duration: (await mediaDuration(blob)) ?? durationMs / 1000 };
  }

  #setState(state: RecorderState): void {
    this.state = state;
    if (!this.session.awareness.getLocalState()) return; // the session was destroyed
    this.session.awareness.setLocalStateField('recording', state !== 'inactive');
    this.events.emit('state', state);
  }

  #cleanUp(): void {
    this.#grid?.destroy();
    this.#mixer?.destroy();
    this.#grid = this.#mixer = null;
  }
}

/** Everyone's audio (local microphone and remote participants) mixed into one track. */
class AudioMixer {
  readonly #context = new AudioContext();
  readonly #out = this.#context.createMediaStreamDestination();
  readonly #sources = new Map<MediaStream, MediaStreamAudioSourceNode>();
  readonly #off: () => void;

  constructor(readonly session: Session) {
    // A destination with nothing connected emits no audio at all, and MediaRecorder then
    // waits for it forever: feed it silence so a call with no microphones still records.
    const silence = this.#context.createConstantSource();
    silence.offset.value = 0;
    silence.connect(this.#out);
    silence.start();
    this.#off = session.events.on('change', () => this.#sync());
    this.#sync();
  }

  get stream(): MediaStream {
    return this.#out.stream;
  }

  /** Whether the mix is running within `ms`: a browser with no sound device never starts it. */
  async running(ms: number): Promise<boolean> {
    const context = this.#context;
    if (context.state !== 'running') {
      await Promise.race([context.resume().catch(() => {}), new Promise((resolve) => setTimeout(resolve, ms))]);
    }
    return context.state === 'running';
  }

  #sync(): void {
    const wanted = new Set<MediaStream>();
    for (const p of this.session.participants()) {
      for (const s of [p.camera, p.screen]) if (s?.getAudioTracks().length) wanted.add(s);
    }
    for (const [stream, node] of this.#sources) {
      if (!wanted.has(stream)) {
        node.disconnect();
        this.#sources.delete(stream);
      }
    }
    for (const stream of wanted) {
      if (this.#sources.has(stream)) continue;
      const node = this.#context.createMediaStreamSource(stream);
      node.connect(this.#out);
      this.#sources.set(stream, node);
    }
  }

  destroy(): void {
    this.#off();
    this.#sources.forEach((node) => node.disconnect());
    void this.#context.close().catch(() => {});
  }
}

/** The duration a media file states, in seconds; undefined if it states none in time. */
async function mediaDuration(blob: Blob, timeoutMs = 3000): Promise<number | undefined> {
  const video = document.createElement('video');
  video.preload = 'metadata';
  video.muted = true;
  const url = URL.createObjectURL(blob);
  try {
    video.src = url;
    await Promise.race([
      new Promise((resolve, reject) => {
        video.onloadedmetadata = resolve;
        video.onerror = reject;
      }),
      new Promise((resolve) => setTimeout(resolve, timeoutMs)),
    ]);
    return Number.isFinite(video.duration) && video.duration > 0 ? video.duration : undefined;
  } catch {
    return undefined;
  } finally {
    video.removeAttribute('src');
    URL.revokeObjectURL(url);
  }
}
