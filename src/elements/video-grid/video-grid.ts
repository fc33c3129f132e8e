import { LitElement, html, nothing } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import { SessionController } from '../shared/session-controller.js';
import { safeColor, tokens } from '../shared/theme.js';
import { styles } from './video-grid.styles.js';
import type { Participant } from '../../core/index.js';

interface Tile {
  key: string;
  participant: Participant;
  stream: MediaStream | null;
  screen: boolean;
}

/**
 * @tag parley-video-grid
 * @summary A tile per participant in the call (you included), with name and mic/camera
 * state; remote audio plays. A shared screen gets its own wide tile.
 *
 * @csspart base - The grid.
 * @csspart tile - One participant's tile (also `screen` for a shared screen).
 * @csspart video - The tile's video.
 * @csspart placeholder - Shown instead of the video when the camera is off.
 * @csspart avatar - The initial inside the placeholder.
 * @csspart name - The name label.
 * @csspart badge - The "muted" marker in the label.
 * @csspart empty - The message shown when nobody is in the call.
 *
 * @cssprop --parley-tile-min-width - Narrowest a tile gets before the grid wraps (160px).
 * @cssprop --parley-gap - Space between tiles (8px).
 * @cssprop --parley-tile-background - Tile background behind the video (#1f2937).
 * @cssprop --parley-radius - Corner radius (8px).
 */
export class ParleyVideoGrid extends LitElement {
  static override styles = [tokens, styles];

  readonly #controller = new SessionController(this);

  #tiles(): Tile[] {
    const session = this.#controller.session;
    if (!session) return [];
    const tiles: Tile[] = [];
    for (const participant of session.participants()) {
      if (!participant.media) continue;
      if (participant.media.camera || participant.isLocal) {
        tiles.push({ key: participant.id, participant, stream: participant.camera, screen: false });
      }
      if (participant.screen) {
        tiles.push({ key: `${participant.id}:screen`, participant, stream: participant.screen, screen: true });
      }
    }
    return tiles.filter((tile) => tile.stream || !tile.screen);
  }

  #renderTile({ participant, stream, screen }: Tile) {
    const name = participant.name || 'Guest';
    const label = screen ? `${name}'s screen` : participant.isLocal ? `${name} (you)` : name;
    const showVideo = screen || (participant.media?.video ?? false);
    const muted = !screen && !(participant.media?.audio ?? false);
    return html`
      <figure part=${screen ? 'tile screen' : 'tile'} aria-label=${label} data-peer=${participant.id}>
        ${stream
          ? html`<video
              part="video"
              .srcObject=${stream}
              .muted=${participant.isLocal}
              ?hidden=${!showVideo}
              autoplay
              playsinline
              aria-hidden="true"
            ></video>`
          : nothing}
        ${showVideo && stream
          ? nothing
          : html`<div part="placeholder">
              <span part="avatar" style="background:${safeColor(participant.color)}" aria-hidden="true"
                >${initial(name)}</span
              >
            </div>`}
        <figcaption part="name">
          ${label}${muted ? html`<span part="badge" role="img" aria-label="microphone off">🔇</span>` : nothing}
        </figcaption>
      </figure>
    `;
  }

  override render() {
    const tiles = this.#tiles();
    if (!tiles.length) return html`<p part="empty">Nobody is in the call yet.</p>`;
    return html`<div part="base">
      ${repeat(
        tiles,
        (tile) => tile.key,
        (tile) => this.#renderTile(tile),
      )}
    </div>`;
  }
}

function initial(name: string): string {
  return (Array.from(name.trim())[0] ?? '?').toUpperCase();
}
