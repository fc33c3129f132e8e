// The sizes <parley-video-grid> shows remote cameras at, in presence (`view`), so senders
// send no more than is shown (and, through a media server, we receive no more). Published
// after a pause (not inside the observer's callback), so resizing stays cheap and the
// re-render it causes cannot start a ResizeObserver loop.
import type { Session } from '../../core/index.js';

/** Remote camera tiles: not ours, not a shared screen. */
const REMOTE_CAMERA_TILES = '[part~=tile]:not([part~=self]):not([part~=screen])';

export class ViewSizes {
  readonly #resize = new ResizeObserver(() => {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#publish(), 250);
  });
  readonly #observed = new Set<HTMLElement>();
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly root: () => ShadowRoot | null,
    private readonly session: () => Session | null,
  ) {}

  /** After a render: watch the remote camera tiles there are now, and only those. */
  observe(): void {
    const tiles = this.#tiles();
    for (const tile of this.#observed) if (!tiles.includes(tile)) (this.#resize.unobserve(tile), this.#observed.delete(tile));
    for (const tile of tiles) if (!this.#observed.has(tile)) (this.#resize.observe(tile), this.#observed.add(tile));
  }

  stop(): void {
    this.#resize.disconnect();
    this.#observed.clear();
    clearTimeout(this.#timer);
  }

  #tiles(): HTMLElement[] {
    return [...(this.root()?.querySelectorAll<HTMLElement>(REMOTE_CAMERA_TILES) ?? [])];
  }

  #publish(): void {
    const session = this.session();
    if (!session) return;
    const view: Record<string, number> = {};
    // Rounded up to 160 device px, so resizing the window does not flood the room.
    for (const tile of this.#tiles()) view[tile.dataset.peer!] = Math.ceil((tile.clientWidth * devicePixelRatio) / 160) * 160;
    if (JSON.stringify(view) === JSON.stringify(session.localPresence.view ?? {})) return;
    session.setPresence({ view });
    // Through a media server: each person's simulcast layer that fits their tile.
    session.sfu?.fit();
  }
}
