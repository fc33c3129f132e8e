import { LitElement, html, nothing } from 'lit';
import { state } from 'lit/decorators.js';
import { SessionController } from '../shared/session-controller.js';
import { tokens } from '../shared/theme.js';
import { styles } from './controls.styles.js';
import type { ParleyError } from '../../core/index.js';

/**
 * @tag parley-controls
 * @summary Call controls: join / leave, microphone and camera toggles, screen share.
 * Every control is a native button with an accessible name; toggles use `aria-pressed`.
 *
 * @csspart base - The button row.
 * @csspart button - Every button (also `join`, `leave`, `mic`, `camera`, `screen`).
 * @csspart error - The message shown when the camera, microphone or screen failed.
 *
 * @cssprop --parley-accent - Join button colour.
 * @cssprop --parley-danger - Leave button and error colour.
 */
export class ParleyControls extends LitElement {
  static override styles = [tokens, styles];

  readonly #controller = new SessionController(this, {
    error: (error: ParleyError) => {
      if (error.code === 'permission-denied' || error.code === 'no-device' || error.code === 'media') {
        this.error = error.message;
      }
    },
  });

  @state() private busy = false;
  @state() private error = '';

  async #join(): Promise<void> {
    const session = this.#controller.session;
    if (!session) return;
    this.busy = true;
    this.error = '';
    try {
      await session.join({ audio: true, video: true });
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
    this.error = '';
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
    return html`
      <div part="base" role="group" aria-label="Call controls">
        ${inCall
          ? html`
              <button part="button mic" type="button" aria-pressed=${String(!media?.audio)} @click=${this.#toggleMic}>
                Mute
              </button>
              <button
                part="button camera"
                type="button"
                aria-pressed=${String(!media?.video)}
                @click=${this.#toggleCamera}
              >
                Camera off
              </button>
              <button
                part="button screen"
                type="button"
                aria-pressed=${String(Boolean(session?.screenStream))}
                @click=${this.#toggleScreen}
              >
                Share screen
              </button>
              <button part="button leave" type="button" @click=${this.#leave}>Leave call</button>
            `
          : html`<button part="button join" type="button" ?disabled=${this.busy || !session} @click=${this.#join}>
              ${this.busy ? 'Joining…' : 'Join call'}
            </button>`}
        <p part="error" role="alert">${this.error || nothing}</p>
      </div>
    `;
  }
}
