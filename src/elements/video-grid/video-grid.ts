import { LitElement, html, nothing, type PropertyValues } from 'lit';
import { keyed } from 'lit/directives/keyed.js';
import { live } from 'lit/directives/live.js';
import { repeat } from 'lit/directives/repeat.js';
import { SessionController } from '../shared/session-controller.js';
import { emit } from '../shared/emit.js';
import { whenIdle } from '../shared/idle.js';
import { safeColor, tokens } from '../shared/theme.js';
import { styles } from './video-grid.styles.js';
import { Localize } from '../shared/messages.js';
import { icon, iconStyles } from '../shared/icons.js';
import circle from 'lucide/dist/esm/icons/circle.mjs';
import eye from 'lucide/dist/esm/icons/eye.mjs';
import eyeOff from 'lucide/dist/esm/icons/eye-off.mjs';
import hand from 'lucide/dist/esm/icons/hand.mjs';
import info from 'lucide/dist/esm/icons/info.mjs';
import micOff from 'lucide/dist/esm/icons/mic-off.mjs';
import pin from 'lucide/dist/esm/icons/pin.mjs';
import question from 'lucide/dist/esm/icons/circle-question-mark.mjs';
import { reactionLooks } from '../shared/reactions.js';
import { CallAnnouncer } from './announcer.js';
import { renderNetwork, renderStats } from './tile-stats.js';
import { ViewSizes } from './view-sizes.js';
import { featuredTile, tilesOf, type GridLayout, type Tile } from './tiles.js';
import { qualityOf, speakerOf, Reactions, raisedHands, type QualityMonitor, type Session } from '../../core/index.js';

export type { GridLayout } from './tiles.js';

/**
 * My self-view starts this long after my camera does (a join). When a camera goes on, an
 * encoder starts for each person in the call, and their first frames are what the others
 * wait for; a <video> starting on the same camera at that moment competes with them for
 * the cores. On two cores, bench/call.mjs's floor case (bare connections) put the others'
 * first frame of me about 110 ms later with two people, 0.6 s with four, with a self-view
 * started at once (FLOOR_SELF_VIEW=0), and nothing with one started 100 ms after the
 * camera. With this grid, two people: p50 372 → 343 ms (40 joins each, interleaved).
 */
const SELF_VIEW_AFTER_MS = 150;

/**
 * The first <video> a page shows costs the browser a one-time setup: in Firefox 20–30 ms of
 * main thread when it enters the document on an idle page, 100–220 ms during a join, when
 * the camera and the connections start at the same moment (that insertion is what held the
 * first remote tile, and Firefox's replaceTrack behind it, in a Chromium ↔ Firefox join);
 * Chromium parses its 125 KB stylesheet for media elements at the first one's style. Any
 * <video> pays it once per page, even a hidden one removed at once, so the grid pays it
 * early, when the page is idle. Once per page, for all grids.
 */
let mediaWarmed = false;

function warmMedia(root: ShadowRoot): void {
  if (mediaWarmed) return;
  mediaWarmed = true;
  whenIdle(() => {
    if (!root.host.isConnected) return void (mediaWarmed = false); // removed meanwhile: the next grid does it
    const video = document.createElement('video');
    video.hidden = true;
    root.append(video);
    getComputedStyle(video).getPropertyValue('display'); // styled now: Chromium styles lazily
    video.remove();
  }, 200);
}

/**
 * @tag parley-video-grid
 * @summary A tile per participant in the call (you included), with name, mic state and a
 * speaking highlight; remote audio plays. A shared screen gets its own large tile
 * (presenter layout) with everyone else still visible below it. Any tile can be pinned to
 * be shown large; your self-view can be minimized. A raised hand shows on the person's
 * tile, and a reaction floats briefly over it (shown still with `prefers-reduced-motion`).
 * While you are in the call, one polite live region (`part="announcement"`, visually
 * hidden) tells screen-reader users who joined or left the call, raised a hand or started
 * sharing a screen, by the name the relay vouched for.
 *
 * @fires parley-active-speaker - The loudest participant changed, detected from audio
 *   levels. `detail: { id, name, isLocal }`; `id` is null when nobody speaks.
 * @fires parley-error - A peer's reaction was dropped (not one of the set, or too many):
 *   `detail: { code: 'trust', message, error }`.
 *
 * @csspart base - The grid.
 * @csspart tile - One participant's tile (also `screen` for a shared screen, `self` for
 *   yours, `featured` for the large one, `speaking` for the active speaker, `minimized`).
 * @csspart video - The tile's video.
 * @csspart placeholder - Shown instead of the video when the camera is off.
 * @csspart avatar - The initial inside the placeholder.
 * @csspart name - The name label.
 * @csspart badge - A marker in the label: "muted", `unverified` (a name the relay did not
 *   vouch for: anyone can type any name), `recording` (● REC) on the tile of
 *   anyone recording the call, or `hand` ("Ada raised a hand") while their hand is up.
 * @csspart reaction - A reaction over the sender's tile, shown for a few seconds.
 * @csspart announcement - The polite live region (visually hidden) that announces joins,
 *   leaves, raised hands and screen shares.
 * @csspart actions - The tile's buttons (pin, stats, hide self-view).
 * @csspart button - Every button (also `pin`, `stats-toggle`, `self-view`, `enable-audio`).
 * @csspart network - The network-quality indicator on a remote tile (`data-quality`:
 *   good, fair or poor).
 * @csspart stats - The stats panel: bitrate, RTT, loss, codec, resolution, fps.
 * @csspart empty - The message shown when nobody is in the call.
 * @csspart icon - Each icon: an inline SVG drawn in the text colour.
 *
 * @cssprop --parley-tile-min-width - Narrowest a tile gets before the grid wraps (160px).
 * @cssprop --parley-gap - Space between tiles (8px).
 * @cssprop --parley-tile-background - Tile background behind the video (#1f2937).
 * @cssprop --parley-radius - Corner radius (8px).
 * @cssprop --parley-accent - The active speaker's outline.
 * @cssprop --parley-muted - Secondary text; light-dark(#6b7280, #9ca3af).
 * @cssprop --parley-font - Font family (system-ui, sans-serif).
 */
export class ParleyVideoGrid extends LitElement {
  static override properties = {
    activeSpeaker: { attribute: false },
    pinned: { attribute: false },
    selfHidden: { attribute: false },
    audioBlocked: { attribute: false },
    statsOpen: { attribute: false },
    layout: { reflect: true },
  };

  static override styles = [tokens, styles, iconStyles];

  readonly #controller = new SessionController(this);
  readonly #l10n = new Localize(this);
  /** The session whose active speaker and quality stats this grid follows, and how to stop. */
  #followed: Session | null = null;
  #quality: QualityMonitor | null = null;
  #unfollow: Array<() => void> = [];
  #reactions: Reactions | null = null;
  readonly #announcer = new CallAnnouncer();
  /** Remote camera tiles' sizes go into presence, so senders send no more than is shown. */
  readonly #views = new ViewSizes(() => this.shadowRoot, () => this.#controller.session);
  /** My camera streams old enough to show (SELF_VIEW_AFTER_MS), and the wait for the newest. */
  readonly #selfViews = new WeakSet<MediaStream>();
  #selfViewWait: ReturnType<typeof setTimeout> | undefined;

  private activeSpeaker: string | null = null;
  private pinned: string | null = null;
  private selfHidden = false;
  private audioBlocked = false;
  private statsOpen = new Set<string>();

  /**
   * `grid`: equal tiles, with a shared screen or pinned tile shown large. `speaker`: the
   * pinned tile, else the shared screen, else the active speaker, large; the rest small.
   */
  layout: GridLayout = 'grid';

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#follow(null);
    this.#views.stop();
    clearTimeout(this.#selfViewWait);
    this.#selfViewWait = undefined;
  }

  /** Whether my camera's stream may show yet; if not, the grid renders again when it may. */
  #selfViewReady(stream: MediaStream): boolean {
    if (this.#selfViews.has(stream)) return true;
    this.#selfViewWait ??= setTimeout(() => {
      this.#selfViewWait = undefined;
      this.#selfViews.add(stream);
      this.requestUpdate();
    }, SELF_VIEW_AFTER_MS);
    return false;
  }

  /** Pins a tile (a participant id, or `<id>:screen`) so it is shown large; null unpins. */
  pin(key: string | null): void {
    this.pinned = key;
  }

  /** The session's active speaker (watched while this grid shows it) and quality stats. */
  #follow(session: Session | null): void {
    this.#unfollow.forEach((off) => off());
    this.#reactions?.stop();
    this.#reactions = session && new Reactions(session);
    this.#reactions?.events.on('change', () => this.requestUpdate());
    // A reaction that is not one of the set, or a flood of them: dropped, and said here.
    this.#reactions?.events.on('error', (error) => emit(this, 'parley-error', { code: error.code, message: error.message, error }));
    this.#followed = session;
    this.#quality = session && qualityOf(session);
    const speaker = session && speakerOf(session);
    this.activeSpeaker = speaker?.current ?? null;
    this.#unfollow = speaker
      ? [speaker.events.on('change', this.#onSpeaker), speaker.watch(), this.#quality!.events.on('stats', () => this.requestUpdate())]
      : [];
  }

  #onSpeaker = (id: string | null) => {
    this.activeSpeaker = id;
    const participant = id ? this.#controller.session?.participant(id) : undefined;
    emit(this, 'parley-active-speaker', { id, name: participant?.name ?? '', isLocal: participant?.isLocal ?? false });
  };

  async #enableAudio(): Promise<void> {
    this.audioBlocked = false;
    await this.updateComplete;
    // Runs inside the click: the browser now lets the videos play with sound.
    for (const video of this.#remoteVideos()) await this.#play(video);
  }

  #remoteVideos(): HTMLVideoElement[] {
    return [...(this.shadowRoot?.querySelectorAll<HTMLVideoElement>('video[data-remote]') ?? [])];
  }

  async #play(video: HTMLVideoElement): Promise<void> {
    try {
      await video.play();
    } catch (error) {
      // Autoplay with sound refused: play muted now and offer a button to unmute.
      if ((error as DOMException)?.name === 'NotAllowedError' && !video.muted) this.audioBlocked = true;
    }
  }

  /** What to announce: compared with the last render (announcer.ts). */
  protected override willUpdate(changed: PropertyValues<this>): void {
    super.willUpdate(changed);
    this.#announcer.update(this.#l10n, this.#controller.session?.participants() ?? [], this.#hands);
  }

  /** Peer ids of everyone whose hand is up. */
  get #hands(): Set<string> {
    const session = this.#controller.session;
    return session ? raisedHands(session) : new Set();
  }

  protected override firstUpdated(changed: PropertyValues<this>): void {
    super.firstUpdated(changed);
    warmMedia(this.shadowRoot!);
  }

  protected override updated(changed: PropertyValues<this>): void {
    super.updated(changed);
    const session = this.#controller.session;
    if (session !== this.#followed) this.#follow(session);
    this.#views.observe();
    const sink = session?.devices.speaker;
    for (const video of this.#remoteVideos()) {
      if (video.paused) void this.#play(video);
      if (sink && 'setSinkId' in video && video.sinkId !== sink) void video.setSinkId(sink).catch(() => {});
    }
  }

  #toggleStats(key: string): void {
    const open = new Set(this.statsOpen);
    if (!open.delete(key)) open.add(key);
    this.statsOpen = open;
  }

  // Keyed by its stream, a <video> lives exactly as long as the stream it shows. srcObject
  // is live(): Lit sets an object-valued property on every render, and setting srcObject,
  // even to the stream it already has, reloads the video (a blank, then it starts again).
  #renderVideo(stream: MediaStream, local: boolean, shown: boolean) {
    return html`<video
      part="video"
      .srcObject=${live(stream)}
      .muted=${local || this.audioBlocked}
      ?data-remote=${!local}
      ?hidden=${!shown}
      autoplay
      playsinline
      aria-hidden="true"
    ></video>`;
  }

  #renderTile({ key, participant, stream, screen }: Tile, featured: boolean) {
    const { t } = this.#l10n;
    const name = participant.name || t('Guest');
    const label = screen ? t("{name}'s screen", { name }) : participant.isLocal ? t('{name} (you)', { name }) : name;
    const self = participant.isLocal && !screen;
    if (self && stream && !this.#selfViewReady(stream)) stream = null; // my placeholder until then
    const minimized = self && this.selfHidden;
    const showVideo = !minimized && (screen || (participant.media?.video ?? false));
    const muted = !screen && !(participant.media?.audio ?? false);
    const speaking = !screen && participant.id === this.activeSpeaker;
    const remote = !participant.isLocal && !screen;
    const stats = remote ? this.#quality?.stats.get(participant.id) : undefined;
    const handUp = !screen && this.#hands.has(participant.id);
    const reaction = screen ? undefined : this.#reactions?.showing.get(participant.id);
    const look = reaction && reactionLooks[reaction];
    const parts = ['tile', screen && 'screen', self && 'self', featured && 'featured', speaking && 'speaking', minimized && 'minimized'];
    return html`
      <figure part=${parts.filter(Boolean).join(' ')} aria-label=${label} data-peer=${participant.id} ?data-speaking=${speaking}>
        ${stream && !minimized ? keyed(stream, this.#renderVideo(stream, participant.isLocal, showVideo)) : nothing}
        ${showVideo && stream
          ? nothing
          : minimized
            ? nothing
            : html`<div part="placeholder">
                <span part="avatar" style="background:${safeColor(participant.color)}" aria-hidden="true"
                  >${initial(name)}</span
                >
              </div>`}
        <figcaption part="name">
          ${remote ? renderNetwork(this.#l10n, stats) : nothing}${label}${!participant.isLocal && !participant.verified
            ? html`<span part="badge unverified" role="img" aria-label=${t('name not verified')} title=${t('Name not verified: anyone can type any name')}>${icon(question)}</span>`
            : nothing}${muted
            ? html`<span part="badge" role="img" aria-label=${t('microphone off')}>${icon(micOff)}</span>`
            : nothing}${participant.recording && !screen
            ? html`<span part="badge recording" role="img" aria-label=${t('recording')}>${icon(circle)}${t('REC')}</span>`
            : nothing}${handUp ? html`<span part="badge hand">${icon(hand, t('{name} raised a hand', { name }))}</span>` : nothing}
        </figcaption>
        ${look ? html`<span part="reaction">${icon(look.icon, t('{name} reacted: {reaction}', { name, reaction: t(look.label) }))}</span>` : nothing}
        ${remote && this.statsOpen.has(key) ? renderStats(this.#l10n, stats) : nothing}
        <div part="actions">
          ${remote
            ? html`<button
                part="button stats-toggle"
                type="button"
                aria-expanded=${String(this.statsOpen.has(key))}
                aria-label=${t('Connection stats for {name}', { name: label })}
                @click=${() => this.#toggleStats(key)}
              >
                ${icon(info)}
              </button>`
            : nothing}
          ${minimized
            ? nothing
            : html`<button
                part="button pin"
                type="button"
                aria-pressed=${String(this.pinned === key)}
                aria-label=${t('Pin {name}', { name: label })}
                @click=${() => this.pin(this.pinned === key ? null : key)}
              >
                ${icon(pin)}
              </button>`}
          ${self
            ? html`<button part="button self-view" type="button" @click=${() => (this.selfHidden = !this.selfHidden)}>
                ${icon(minimized ? eye : eyeOff)} ${t(minimized ? 'Show self-view' : 'Hide self-view')}
              </button>`
            : nothing}
        </div>
      </figure>
    `;
  }

  override render() {
    const tiles = tilesOf(this.#controller.session);
    const { t } = this.#l10n;
    const featured = featuredTile(tiles, this.pinned, this.layout, this.activeSpeaker);
    // Tiles keyed by whose stream they show: a tile added or removed elsewhere in the list
    // (a screen share) never hands another tile's DOM, and its playing <video>, to a
    // different stream. The large tile is placed by CSS, so featuring one moves nothing.
    // The live region stays one element from the first render on (one that is added with
    // its text already in it is not always read out).
    return html`${!tiles.length
        ? html`<p part="empty">${t('Nobody is in the call yet.')}</p>`
        : html`${this.audioBlocked
              ? html`<button part="button enable-audio" type="button" @click=${this.#enableAudio}>${t('Click to enable audio')}</button>`
              : nothing}
            <div part="base">
              ${repeat(tiles, (tile) => tile.key, (tile) => this.#renderTile(tile, tile.key === featured))}
            </div>`}
      <p part="announcement" aria-live="polite">${this.#announcer.text}</p>`;
  }
}

function initial(name: string): string {
  return (Array.from(name.trim())[0] ?? '?').toUpperCase();
}
