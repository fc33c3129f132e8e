import { LitElement, html, nothing } from 'lit';
import { SessionController } from '../shared/session-controller.js';
import { tokens } from '../shared/theme.js';
import { Localize } from '../shared/messages.js';
import { errorText } from '../shared/error-text.js';
import { whenIdle } from '../shared/idle.js';
import { styles } from './controls.styles.js';
import { JoinPreview, refocusIfLost } from './preview.js';
import { renderDevicePanel } from './device-panel.js';
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
  readonly #preview = new JoinPreview(this, () => this.#controller.session, () => void this.#refreshDevices());

  private busy = false;
  private error: ParleyError | null = null;
  private devicesOpen = false;
  private reactionsOpen = false;
  private deviceList: DeviceList = { camera: [], microphone: [], speaker: [] };
  #unwatch: (() => void) | null = null;

  override connectedCallback(): void {
    super.connectedCallback();
    this.#unwatch = watchDevices(() => void this.#refreshDevices());
    // The call's code loads while the page is idle, so that Join starts the camera at once.
    whenIdle(() => this.#controller.session?.prepareCall(), 2000);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#unwatch?.();
    if (this.#preview.open) this.#preview.close();
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

  /** "Join call": camera and microphone for the person alone first (nothing is sent). */
  async #openPreview(): Promise<void> {
    const session = this.#controller.session;
    if (!session) return;
    this.error = null;
    // A full call says so at once (join() refuses before any capture), with no camera opened;
    // unless the media server may take this person past the mesh (a room password, or
    // media-encryption="none", and media other than "mesh"): then the preview opens as usual.
    const { config } = session;
    const max = config.maxParticipants ?? MAX_PARTICIPANTS;
    const viaServer = config.media !== 'mesh' && Boolean(config.password || config.mediaEncryption === 'none');
    if (!viaServer && session.participants().filter((p) => !p.isLocal && p.media).length >= max) return void session.join().catch(() => {});
    await this.#preview.start(session);
  }

  #renderDevices() {
    return renderDevicePanel(this.#l10n, this.deviceList, this.#controller.session, (kind, event) => this.#chooseDevice(kind, event));
  }

  /** "Join now": into the call with the previewed camera and microphone, as left. */
  async #join(): Promise<void> {
    const session = this.#controller.session;
    if (!session) return;
    this.busy = true;
    this.error = null;
    try {
      await session.join({ audio: true, video: true });
      this.#preview.joined();
      refocusIfLost(this, 'mic');
      if (this.devicesOpen) void this.#refreshDevices();
    } catch {
      // The session reported it as an error event (shown above via the listener).
    } finally {
      this.busy = false;
    }
  }

  #leave(): void {
    const session = this.#controller.session;
    if (!session) return;
    raiseHand(session, false);
    this.reactionsOpen = false;
    session.leave();
    refocusIfLost(this, 'join');
  }

  #toggleHand(): void {
    const session = this.#controller.session;
    if (session) raiseHand(session, !raisedHands(session).has(session.id));
  }

  #onReactionsKey = (event: KeyboardEvent) => {
    if (event.key !== 'Escape') return;
    event.stopPropagation();
    this.reactionsOpen = false;
    this.renderRoot.querySelector<HTMLButtonElement>("button[part~='reactions-toggle']")?.focus();
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
          : this.#preview.open
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
        ${this.#preview.open && !inCall
          ? this.#preview.render(this.#l10n, { busy: this.busy, devices: this.#renderDevices(), join: () => this.#join() })
          : this.devicesOpen ? this.#renderDevices() : nothing}
        <p part="error" role="alert">${this.error ? errorText(this.#l10n, this.error) : nothing}</p>
      </div>
    `;
  }
}
