import { LitElement, html, nothing } from 'lit';
import { SessionController } from '../shared/session-controller.js';
import { tokens } from '../shared/theme.js';
import { Localize } from '../shared/messages.js';
import { errorText } from '../shared/error-text.js';
import { styles } from './controls.styles.js';
import { icon, iconStyles } from '../shared/icons.js';
import mic from 'lucide/dist/esm/icons/mic.mjs';
import micOff from 'lucide/dist/esm/icons/mic-off.mjs';
import hand from 'lucide/dist/esm/icons/hand.mjs';
import monitorUp from 'lucide/dist/esm/icons/monitor-up.mjs';
import phone from 'lucide/dist/esm/icons/phone.mjs';
import phoneOff from 'lucide/dist/esm/icons/phone-off.mjs';
import settings from 'lucide/dist/esm/icons/settings.mjs';
import video from 'lucide/dist/esm/icons/video.mjs';
import videoOff from 'lucide/dist/esm/icons/video-off.mjs';
import { reactionLooks } from '../shared/reactions.js';
import {
  listDevices,
  watchDevices,
  raiseHand,
  raisedHands,
  sendReaction,
  MAX_PARTICIPANTS,
  REACTIONS,
  type DeviceKind,
  type DeviceList,
  type ParleyError,
} from '../../core/index.js';

/**
 * @tag parley-controls
 * @summary Call controls: join / leave, microphone and camera toggles, screen share, and a
 * "Devices" disclosure to pick the camera, microphone and speaker (remembered per origin;
 * hot-plugged devices appear). "Join call" opens a preview first: your own camera, a live
 * microphone level, the device choice, microphone and camera toggles and (when the relay
 * has not vouched for your name) your name; nothing is sent to anyone before "Join now".
 * `room.join()` from code joins at once. In the call, "Raise hand" (a toggle) shows your
 * raised hand on your tile for everyone, and "Reactions" opens a row of reactions that
 * show briefly on your tile. Every control is a native button, select or input with an
 * accessible name; toggles use `aria-pressed`; Escape closes the preview and the reactions.
 *
 * @csspart base - The button row.
 * @csspart button - Every button (also `join`, `leave`, `mic`, `camera`, `screen`, `hand`,
 *   `reactions-toggle`, `reaction` for each reaction, `devices`, `join-now`, `cancel`).
 * @csspart reactions - The row of reactions, while open.
 * @csspart preview - The pre-join panel.
 * @csspart preview-video - Your own camera in the preview.
 * @csspart level - The microphone level meter in the preview.
 * @csspart name - The name field in the preview.
 * @csspart devices - The device settings panel.
 * @csspart select - Each device `<select>`.
 * @csspart error - The message shown when the camera, microphone or screen failed.
 * @csspart icon - Each icon: an inline SVG drawn in the text colour.
 *
 * @cssprop --parley-accent - Join button colour.
 * @cssprop --parley-danger - Leave button and error colour.
 * @cssprop --parley-surface - Background of buttons, selects and panels; light-dark(#fff, #111827), so light or dark as the page's inherited `color-scheme`.
 * @cssprop --parley-text - Text colour; light-dark(#111827, #f9fafb).
 * @cssprop --parley-radius - Corner radius (8px).
 * @cssprop --parley-font - Font family (system-ui, sans-serif).
 */
export class ParleyControls extends LitElement {
  static override properties = {
    busy: { attribute: false },
    error: { attribute: false },
    devicesOpen: { attribute: false },
    deviceList: { attribute: false },
    previewing: { attribute: false },
    level: { attribute: false },
    reactionsOpen: { attribute: false },
  };

  static override styles = [tokens, styles, iconStyles];

  readonly #controller = new SessionController(this, {
    error: (error: ParleyError) => {
      if (['permission-denied', 'no-device', 'media', 'call-full'].includes(error.code)) {
        this.error = error;
      }
    },
  });
  readonly #l10n = new Localize(this);

  private busy = false;
  private error: ParleyError | null = null;
  private devicesOpen = false;
  private reactionsOpen = false;
  /** The pre-join preview is open. */
  private previewing = false;
  /** The preview's microphone level, 0 to 1. */
  private level = 0;
  #meter: { context: AudioContext; frame: number } | null = null;
  private deviceList: DeviceList = { camera: [], microphone: [], speaker: [] };
  #unwatch: (() => void) | null = null;

  override connectedCallback(): void {
    super.connectedCallback();
    this.#unwatch = watchDevices(() => void this.#refreshDevices());
    // The call's code loads while the page is idle, so that Join starts the camera at once.
    whenIdle(() => this.#controller.session?.prepareCall());
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#unwatch?.();
    if (this.previewing) this.#closePreview();
  }

  async #refreshDevices(): Promise<void> {
    this.deviceList = await listDevices();
  }

  #toggleDevices(): void {
    this.devicesOpen = !this.devicesOpen;
    if (this.devicesOpen) void this.#refreshDevices();
  }

  async #chooseDevice(kind: DeviceKind, event: Event): Promise<void> {
    const id = (event.target as HTMLSelectElement).value;
    this.error = null;
    try {
      await this.#controller.session?.setDevice(kind, id);
    } catch {
      // Reported through the error listener.
    }
  }

  /** The device in use: the live (or previewed) track's, else the remembered choice. */
  #currentDevice(kind: DeviceKind): string {
    const session = this.#controller.session;
    const stream = session?.localStream ?? session?.previewStream;
    const track = kind === 'camera' ? stream?.getVideoTracks()[0] : stream?.getAudioTracks()[0];
    return (kind !== 'speaker' && track?.getSettings().deviceId) || session?.devices[kind] || '';
  }

  #renderDevices() {
    const { t } = this.#l10n;
    const kinds = (['camera', 'microphone', 'speaker'] as const).filter((kind) => this.deviceList[kind].length);
    return html`<div part="devices" id="devices" role="group" aria-label=${t('Devices')}>
      ${kinds.length ? nothing : html`<p>${t('No cameras or microphones found.')}</p>`}
      ${kinds.map((kind) => {
        const current = this.#currentDevice(kind);
        return html`<label
          >${t({ camera: 'Camera', microphone: 'Microphone', speaker: 'Speaker' }[kind])}
          <select part="select" data-kind=${kind} @change=${(e: Event) => this.#chooseDevice(kind, e)}>
            ${this.deviceList[kind].map(
              (d) => html`<option value=${d.id} ?selected=${d.id === current}>${d.label}</option>`,
            )}
          </select></label
        >`;
      })}
    </div>`;
  }

  /** "Join call": camera and microphone for the person alone first (nothing is sent). */
  async #openPreview(): Promise<void> {
    const session = this.#controller.session;
    if (!session) return;
    this.error = null;
    // A full call says so at once (join() refuses before any capture), with no camera opened.
    const max = session.config.maxParticipants ?? MAX_PARTICIPANTS;
    if (session.participants().filter((p) => !p.isLocal && p.media).length >= max) return void session.join().catch(() => {});
    this.previewing = true;
    void this.#refreshDevices();
    void this.updateComplete.then(() => this.#button('join-now')?.focus());
    // Made inside the click: a page may start audio only on a user's gesture.
    const context = new AudioContext();
    try {
      const stream = await session.preview({ audio: true, video: true });
      if (this.previewing) this.#startMeter(context, stream);
      else void context.close();
    } catch {
      void context.close(); // no camera or microphone: "Join now" still joins, to watch and listen
    }
  }

  #startMeter(context: AudioContext, stream: MediaStream): void {
    const track = stream.getAudioTracks()[0];
    if (!track) return void context.close();
    const analyser = context.createAnalyser();
    analyser.fftSize = 512;
    context.createMediaStreamSource(new MediaStream([track])).connect(analyser);
    const samples = new Float32Array(analyser.fftSize);
    const meter = { context, frame: 0 };
    const read = () => {
      analyser.getFloatTimeDomainData(samples);
      const rms = Math.sqrt(samples.reduce((sum, x) => sum + x * x, 0) / samples.length);
      const level = track.enabled ? Math.min(1, rms * 4) : 0;
      if (Math.abs(level - this.level) > 0.02) this.level = level;
      meter.frame = requestAnimationFrame(read);
    };
    this.#meter = meter;
    read();
  }

  #stopMeter(): void {
    if (!this.#meter) return;
    cancelAnimationFrame(this.#meter.frame);
    void this.#meter.context.close();
    this.#meter = null;
    this.level = 0;
  }

  #closePreview(): void {
    this.#stopMeter();
    this.previewing = false;
    this.#controller.session?.stopPreview();
  }

  /** "Join now": into the call with the previewed camera and microphone, as left. */
  async #join(): Promise<void> {
    const session = this.#controller.session;
    if (!session) return;
    this.busy = true;
    this.error = null;
    try {
      await session.join({ audio: true, video: true });
      this.#stopMeter();
      this.previewing = false;
      this.#refocus('mic');
      if (this.devicesOpen) void this.#refreshDevices();
    } catch {
      // The session reported it as an error event (shown above via the listener).
    } finally {
      this.busy = false;
    }
  }

  #onPreviewKey = (event: KeyboardEvent) => {
    if (event.key !== 'Escape') return;
    event.stopPropagation();
    this.#closePreview();
    void this.updateComplete.then(() => this.#button('join')?.focus());
  };

  #button(part: string): HTMLButtonElement | null {
    return this.renderRoot.querySelector(`button[part~='${part}']`);
  }

  /**
   * After the next render, the focus to the button `part` if the render dropped it (the
   * focused button went, or was disabled while busy): a keyboard user is never left on
   * <body>. Focus elsewhere in the page stays where it is.
   */
  #refocus(part: string): void {
    void this.updateComplete.then(() => {
      const active = document.activeElement;
      if (!active || active === document.body || (active === this && !this.renderRoot.querySelector(':focus'))) this.#button(part)?.focus();
    });
  }

  /** The name others see: the room element's, so that it stays when the room re-renders. */
  #rename(event: Event): void {
    const name = (event.target as HTMLInputElement).value.trim();
    if (!name) return;
    const room = this.closest('parley-room') as (HTMLElement & { name?: string }) | null;
    if (room) room.name = name;
    else this.#controller.session?.configure({ name });
  }

  #renderPreview() {
    const session = this.#controller.session;
    const { t } = this.#l10n;
    const stream = session?.previewStream ?? null;
    const audio = stream?.getAudioTracks()[0];
    const camera = stream?.getVideoTracks()[0];
    const verified = session ? session.isVerified(session.id) : false;
    return html`<section part="preview" aria-label=${t('Before you join')} @keydown=${this.#onPreviewKey}>
      <video part="preview-video" aria-label=${t('Your camera')} .srcObject=${stream} .muted=${true} autoplay playsinline></video>
      <label
        >${t('Microphone level')}
        <meter part="level" min="0" max="1" .value=${this.level}></meter
      ></label>
      <div class="row">
        <button part="button mic" type="button" aria-pressed=${String(audio ? !audio.enabled : false)} ?disabled=${!audio} @click=${() => this.#togglePreview('audio')}>
          ${icon(audio?.enabled ? mic : micOff)} ${t('Mute')}
        </button>
        <button part="button camera" type="button" aria-pressed=${String(camera ? !camera.enabled : false)} ?disabled=${!camera} @click=${() => this.#togglePreview('video')}>
          ${icon(camera?.enabled ? video : videoOff)} ${t('Camera off')}
        </button>
      </div>
      ${this.#renderDevices()}
      ${verified
        ? nothing
        : html`<label
            >${t('Your name')}
            <input part="name" type="text" maxlength="64" autocomplete="name" .value=${session?.localPresence.user?.name ?? ''} @change=${this.#rename}
          /></label>`}
      <div class="row">
        <button part="button join join-now" type="button" ?disabled=${this.busy} @click=${this.#join}>
          ${icon(phone)} ${t(this.busy ? 'Joining…' : 'Join now')}
        </button>
        <button
          part="button cancel"
          type="button"
          @click=${() => {
            this.#closePreview();
            this.#refocus('join');
          }}
        >
          ${t('Cancel')}
        </button>
      </div>
    </section>`;
  }

  #togglePreview(kind: 'audio' | 'video'): void {
    const session = this.#controller.session;
    const stream = session?.previewStream;
    const track = kind === 'audio' ? stream?.getAudioTracks()[0] : stream?.getVideoTracks()[0];
    if (!session || !track) return;
    if (kind === 'audio') session.setAudioEnabled(!track.enabled);
    else session.setVideoEnabled(!track.enabled);
    this.requestUpdate();
  }

  #leave(): void {
    const session = this.#controller.session;
    if (!session) return;
    raiseHand(session, false);
    this.reactionsOpen = false;
    session.leave();
    this.#refocus('join');
  }

  #toggleHand(): void {
    const session = this.#controller.session;
    if (session) raiseHand(session, !raisedHands(session).has(session.id));
  }

  #onReactionsKey = (event: KeyboardEvent) => {
    if (event.key !== 'Escape') return;
    event.stopPropagation();
    this.reactionsOpen = false;
    this.#button('reactions-toggle')?.focus();
  };

  #renderReactions() {
    const { t } = this.#l10n;
    return html`<div part="reactions" id="reactions" role="group" aria-label=${t('Reactions')} @keydown=${this.#onReactionsKey}>
      ${REACTIONS.map(
        (name) => html`<button
          part="button reaction"
          type="button"
          aria-label=${t(reactionLooks[name].label)}
          @click=${() => sendReaction(this.#controller.session!, name)}
        >
          ${icon(reactionLooks[name].icon)}
        </button>`,
      )}
    </div>`;
  }

  #toggleMic(): void {
    const session = this.#controller.session;
    session?.setAudioEnabled(!session.localPresence.media?.audio);
  }

  #toggleCamera(): void {
    const session = this.#controller.session;
    session?.setVideoEnabled(!session.localPresence.media?.video);
  }

  async #toggleScreen(): Promise<void> {
    const session = this.#controller.session;
    if (!session) return;
    if (session.screenStream) {
      session.stopScreenShare();
      return;
    }
    this.error = null;
    try {
      await session.startScreenShare();
    } catch {
      // Reported through the error listener.
    }
  }

  override render() {
    const session = this.#controller.session;
    const media = session?.localPresence.media;
    const inCall = session?.inCall ?? false;
    const { t } = this.#l10n;
    return html`
      <div part="base" role="group" aria-label=${t('Call controls')}>
        ${inCall
          ? html`
              <button part="button mic" type="button" aria-pressed=${String(!media?.audio)} @click=${this.#toggleMic}>
                ${icon(media?.audio ? mic : micOff)} ${t('Mute')}
              </button>
              <button
                part="button camera"
                type="button"
                aria-pressed=${String(!media?.video)}
                @click=${this.#toggleCamera}
              >
                ${icon(media?.video ? video : videoOff)} ${t('Camera off')}
              </button>
              <button
                part="button screen"
                type="button"
                aria-pressed=${String(Boolean(session?.screenStream))}
                @click=${this.#toggleScreen}
              >
                ${icon(monitorUp)} ${t('Share screen')}
              </button>
              <button part="button hand" type="button" aria-pressed=${String(raisedHands(session!).has(session!.id))} @click=${this.#toggleHand}>
                ${icon(hand)} ${t('Raise hand')}
              </button>
              <button
                part="button reactions-toggle"
                type="button"
                aria-expanded=${String(this.reactionsOpen)}
                aria-controls=${this.reactionsOpen ? 'reactions' : nothing}
                @click=${() => (this.reactionsOpen = !this.reactionsOpen)}
                @keydown=${this.#onReactionsKey}
              >
                ${icon(reactionLooks.laugh.icon)} ${t('Reactions')}
              </button>
              ${this.reactionsOpen ? this.#renderReactions() : nothing}
              <button part="button leave" type="button" @click=${this.#leave}>${icon(phoneOff)} ${t('Leave call')}</button>
            `
          : this.previewing
            ? nothing
            : html`<button part="button join" type="button" ?disabled=${this.busy || !session} @click=${this.#openPreview}>
                ${icon(phone)} ${t('Join call')}
              </button>`}
        <button
          part="button devices"
          type="button"
          aria-expanded=${String(this.devicesOpen)}
          aria-controls=${this.devicesOpen ? 'devices' : nothing}
          @click=${this.#toggleDevices}
        >
          ${icon(settings)} ${t('Devices')}
        </button>
        ${this.previewing && !inCall ? this.#renderPreview() : this.devicesOpen ? this.#renderDevices() : nothing}
        <p part="error" role="alert">${this.error ? errorText(this.#l10n, this.error) : nothing}</p>
      </div>
    `;
  }
}

/** Runs `task` once the page is idle (at the latest after 2 s; Safari has no requestIdleCallback). */
function whenIdle(task: () => void): void {
  if (typeof requestIdleCallback === 'function') requestIdleCallback(task, { timeout: 2000 });
  else setTimeout(task, 500);
}
