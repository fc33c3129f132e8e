import { LitElement, html, nothing } from 'lit';
import { SessionController } from '../shared/session-controller.js';
import { tokens } from '../shared/theme.js';
import { Localize } from '../shared/messages.js';
import { errorText } from '../shared/error-text.js';
import { styles } from './controls.styles.js';
import { icon, iconStyles } from '../shared/icons.js';
import mic from 'lucide/dist/esm/icons/mic.mjs';
import micOff from 'lucide/dist/esm/icons/mic-off.mjs';
import monitorUp from 'lucide/dist/esm/icons/monitor-up.mjs';
import phone from 'lucide/dist/esm/icons/phone.mjs';
import phoneOff from 'lucide/dist/esm/icons/phone-off.mjs';
import settings from 'lucide/dist/esm/icons/settings.mjs';
import video from 'lucide/dist/esm/icons/video.mjs';
import videoOff from 'lucide/dist/esm/icons/video-off.mjs';
import { listDevices, watchDevices, type DeviceKind, type DeviceList, type ParleyError } from '../../core/index.js';

/**
 * @tag parley-controls
 * @summary Call controls: join / leave, microphone and camera toggles, screen share, and a
 * "Devices" disclosure to pick the camera, microphone and speaker (remembered per origin;
 * hot-plugged devices appear). Every control is a native button or select with an
 * accessible name; toggles use `aria-pressed`.
 *
 * @csspart base - The button row.
 * @csspart button - Every button (also `join`, `leave`, `mic`, `camera`, `screen`, `devices`).
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
  private deviceList: DeviceList = { camera: [], microphone: [], speaker: [] };
  #unwatch: (() => void) | null = null;

  override connectedCallback(): void {
    super.connectedCallback();
    this.#unwatch = watchDevices(() => void this.#refreshDevices());
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#unwatch?.();
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

  /** The device in use: the live track's, else the remembered choice. */
  #currentDevice(kind: DeviceKind): string {
    const session = this.#controller.session;
    const track = kind === 'camera' ? session?.localStream?.getVideoTracks()[0] : session?.localStream?.getAudioTracks()[0];
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

  async #join(): Promise<void> {
    const session = this.#controller.session;
    if (!session) return;
    this.busy = true;
    this.error = null;
    try {
      await session.join({ audio: true, video: true });
      if (this.devicesOpen) void this.#refreshDevices();
    } catch {
      // The session reported it as an error event (shown above via the listener).
    } finally {
      this.busy = false;
    }
  }

  #leave(): void {
    this.#controller.session?.leave();
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
              <button part="button leave" type="button" @click=${this.#leave}>${icon(phoneOff)} ${t('Leave call')}</button>
            `
          : html`<button part="button join" type="button" ?disabled=${this.busy || !session} @click=${this.#join}>
              ${icon(phone)} ${t(this.busy ? 'Joining…' : 'Join call')}
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
        ${this.devicesOpen ? this.#renderDevices() : nothing}
        <p part="error" role="alert">${this.error ? errorText(this.#l10n, this.error) : nothing}</p>
      </div>
    `;
  }
}
