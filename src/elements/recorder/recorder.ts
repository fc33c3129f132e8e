import { LitElement, html, nothing, type PropertyValues } from 'lit';
import { SessionController } from '../shared/session-controller.js';
import { emit } from '../shared/emit.js';
import { tokens } from '../shared/theme.js';
import { widgetStyles } from '../shared/widget.styles.js';
import { styles } from './recorder.styles.js';
import { Localize } from '../shared/messages.js';
import { errorText } from '../shared/error-text.js';
import { icon, iconStyles } from '../shared/icons.js';
import circle from 'lucide/dist/esm/icons/circle.mjs';
import {
  CallRecorder,
  ParleyError,
  recordingNames,
  sanitizeFileName,
  type Recording,
  type RecordingSource,
} from '../../core/index.js';

/**
 * @tag parley-recorder
 * @summary Records the call on this device: the whole grid with everyone's audio, your
 * camera, or your shared screen, with pause and resume. Everyone in the room sees a
 * "Recording" indicator while anyone records. The file (MP4 where the browser can, else
 * WebM) is offered as a download and handed to the page in `parley-recording-ready`.
 *
 * Speech to text: set the `transcribe` property to a function that takes the recording's
 * Blob and returns (a promise of) its text; Parley calls it after each recording and fires
 * `parley-transcript`. Parley itself never sends a recording anywhere.
 *
 * @fires parley-recording-ready - A recording finished. `detail: { blob, type, duration }` (duration in seconds).
 * @fires parley-transcript - `transcribe` returned text for a recording. `detail: { text, blob }`.
 * @fires parley-error - Recording could not start, goes on without sound (the browser has not started audio on the page), or the transcriber failed. `detail: { code, message, error }`.
 *
 * @csspart base - The controls row.
 * @csspart indicator - "Recording" notice shown while anyone in the room records.
 * @csspart button - Every button (also `start`, `pause`, `stop`).
 * @csspart download - The link to the last recording.
 * @csspart icon - Each icon: an inline SVG drawn in the text colour.
 *
 * @cssprop --parley-danger - Colour of the recording indicator and Stop button.
 * @cssprop --parley-surface - Background of buttons, selects and panels; light-dark(#fff, #111827), so light or dark as the page's inherited `color-scheme`.
 * @cssprop --parley-text - Text colour; light-dark(#111827, #f9fafb).
 * @cssprop --parley-radius - Corner radius (8px).
 * @cssprop --parley-font - Font family (system-ui, sans-serif).
 */
export class ParleyRecorder extends LitElement {
  static override properties = {
    last: { attribute: false },
    error: { attribute: false },
    room: { reflect: true },
    source: {},
    save: {},
    transcribe: { attribute: false },
  };

  static override styles = [tokens, widgetStyles, styles, iconStyles];

  readonly #controller = new SessionController(this);
  readonly #l10n = new Localize(this);
  #recorder: CallRecorder | null = null;
  #url = '';
  #starting = false;
  private last: Recording | null = null;
  private error: ParleyError | null = null;

  /** Room name. Defaults to the nearest `<parley-room>` ancestor's. */
  room = '';

  /** What to record: `grid` (everyone), `camera` (yours) or `screen` (your shared screen). */
  source: RecordingSource = 'grid';

  /** `auto`: the finished recording is saved as a download at once; `manual`: only by its link. */
  save: 'auto' | 'manual' = 'auto';

  /** Host-supplied speech to text: `(blob) => Promise<string>`. Never set by Parley. */
  transcribe: ((blob: Blob) => Promise<string | void> | string | void) | null = null;

  /** The framework-free recorder behind this element, once recording has started. */
  get recorder(): CallRecorder | null {
    return this.#recorder;
  }

  /** `inactive`, `recording` or `paused`. */
  get state(): CallRecorder['state'] {
    return this.#recorder?.state ?? 'inactive';
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    if (this.#recorder?.state !== 'inactive') void this.stop().catch(() => {});
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('room')) this.#controller.refresh();
  }

  /** Starts recording `source`. */
  async start(): Promise<void> {
    const session = this.#controller.session;
    if (!session || this.#starting || this.state !== 'inactive') return;
    this.error = null;
    this.#recorder = new CallRecorder(session);
    this.#recorder.events.on('state', () => this.requestUpdate());
    this.#recorder.events.on('error', (error) => this.#fail(error));
    this.#starting = true;
    try {
      await this.#recorder.start(this.source);
    } catch {
      // already reported by the recorder's error event
    } finally {
      this.#starting = false;
    }
    // Removed from the page while starting: stop, as a removal while recording does.
    if (!this.isConnected && this.state !== 'inactive') void this.stop().catch(() => {});
  }

  pause(): void {
    this.#recorder?.pause();
  }

  resume(): void {
    this.#recorder?.resume();
  }

  /** Stops; resolves with the recording (also fired as `parley-recording-ready`). */
  async stop(): Promise<Recording> {
    if (!this.#recorder) throw new ParleyError('recording', 'Nothing is being recorded.');
    const recording = await this.#recorder.stop();
    URL.revokeObjectURL(this.#url);
    this.#url = URL.createObjectURL(recording.blob);
    this.last = recording;
    emit(this, 'parley-recording-ready', recording);
    if (this.save === 'auto') void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLAnchorElement>('[part=download]')?.click());
    void this.#transcribe(recording.blob);
    return recording;
  }

  async #transcribe(blob: Blob): Promise<void> {
    if (!this.transcribe) return;
    try {
      const text = await this.transcribe(blob);
      if (typeof text === 'string') emit(this, 'parley-transcript', { text, blob });
    } catch (cause) {
      this.#fail(new ParleyError('recording', 'The transcriber failed.', { cause }));
    }
  }

  #fail(error: ParleyError): void {
    this.error = error;
    emit(this, 'parley-error', { code: error.code, message: error.message, error });
  }

  #fileName(type: string): string {
    const stamp = new Date().toISOString().slice(0, 19).replace(/:/g, '-');
    return sanitizeFileName(`recording-${this.#controller.session?.room ?? ''}-${stamp}.${type.includes('mp4') ? 'mp4' : 'webm'}`);
  }

  override render() {
    const session = this.#controller.session;
    const names = session ? recordingNames(session) : [];
    const state = this.state;
    const last = this.last;
    const { t } = this.#l10n;
    return html`<div part="base">
      ${names.length
        ? html`<p part="indicator" role="status">${icon(circle)} ${t('Recording: {names}', { names: names.join(', ') })}</p>`
        : html`<p role="status"></p>`}
      ${state === 'inactive'
        ? html`<label
              >${t('Record')}
              <select .value=${this.source} @change=${(e: Event) => (this.source = (e.target as HTMLSelectElement).value as RecordingSource)}>
                <option value="grid" ?selected=${this.source === 'grid'}>${t('Whole call')}</option>
                <option value="camera" ?selected=${this.source === 'camera'}>${t('My camera')}</option>
                <option value="screen" ?selected=${this.source === 'screen'}>${t('My screen')}</option>
              </select></label
            >
            <button part="button start" type="button" ?disabled=${!session} @click=${this.start}>${t('Start recording')}</button>`
        : html`<button part="button pause" type="button" aria-pressed=${String(state === 'paused')} @click=${state === 'paused' ? this.resume : this.pause}>
              ${t(state === 'paused' ? 'Resume' : 'Pause')}
            </button>
            <button part="button stop" class="danger" type="button" @click=${() => void this.stop()}>${t('Stop recording')}</button>`}
      ${last
        ? html`<a part="download" href=${this.#url} download=${this.#fileName(last.type)}>${t('Download recording ({seconds} s)', { seconds: Math.round(last.duration) })}</a>`
        : nothing}
      ${this.error ? html`<p part="error" role="alert">${errorText(this.#l10n, this.error)}</p>` : nothing}
    </div>`;
  }
}
