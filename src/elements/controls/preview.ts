// The pre-join preview of <parley-controls>: the person's own camera, a live microphone
// level, microphone and camera toggles and (when the relay has not vouched for their name)
// their name, before "Join now". Nothing is sent to anyone while it is open.
import { html, nothing, type LitElement, type TemplateResult } from 'lit';
import { icon } from '../shared/icons.js';
import type { Localize } from '../shared/messages.js';
import mic from 'lucide/dist/esm/icons/mic.mjs';
import micOff from 'lucide/dist/esm/icons/mic-off.mjs';
import phone from 'lucide/dist/esm/icons/phone.mjs';
import video from 'lucide/dist/esm/icons/video.mjs';
import videoOff from 'lucide/dist/esm/icons/video-off.mjs';
import type { Session } from '../../core/index.js';

/** What the preview shows that belongs to the controls around it. */
export interface PreviewParts {
  /** "Join now" is under way. */
  busy: boolean;
  /** The device choice. */
  devices: TemplateResult;
  join: () => void;
}

export class JoinPreview {
  /** The preview is open. */
  open = false;
  /** The microphone level, 0 to 1. */
  level = 0;
  #meter: { context: AudioContext; frame: number } | null = null;

  constructor(
    private readonly host: LitElement,
    private readonly session: () => Session | null,
    /** The preview opened (its device list wants refreshing). */
    private readonly opened: () => void,
  ) {}

  /**
   * Opens the preview: camera and microphone for the person alone. Call it inside the
   * click: a page may start audio only on a user's gesture.
   */
  async start(session: Session): Promise<void> {
    this.open = true;
    this.host.requestUpdate();
    this.opened();
    void this.host.updateComplete.then(() => this.#button('join-now')?.focus());
    const context = new AudioContext();
    try {
      const stream = await session.preview({ audio: true, video: true });
      if (this.open) this.#startMeter(context, stream);
      else void context.close();
    } catch {
      void context.close(); // no camera or microphone: "Join now" still joins, to watch and listen
    }
  }

  /** Closed without joining: the preview's camera and microphone go off. */
  close(): void {
    this.#stopMeter();
    this.open = false;
    this.host.requestUpdate();
    this.session()?.stopPreview();
  }

  /** Joined: the call took the previewed tracks over. */
  joined(): void {
    this.#stopMeter();
    this.open = false;
    this.host.requestUpdate();
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
      if (Math.abs(level - this.level) > 0.02) this.#setLevel(level);
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
    this.#setLevel(0);
  }

  #setLevel(level: number): void {
    this.level = level;
    this.host.requestUpdate();
  }

  #toggle(kind: 'audio' | 'video'): void {
    const session = this.session();
    const stream = session?.previewStream;
    const track = kind === 'audio' ? stream?.getAudioTracks()[0] : stream?.getVideoTracks()[0];
    if (!session || !track) return;
    if (kind === 'audio') session.setAudioEnabled(!track.enabled);
    else session.setVideoEnabled(!track.enabled);
    this.host.requestUpdate();
  }

  /** The name others see: the room element's, so that it stays when the room re-renders. */
  #rename = (event: Event): void => {
    const name = (event.target as HTMLInputElement).value.trim();
    if (!name) return;
    const room = this.host.closest('parley-room') as (HTMLElement & { name?: string }) | null;
    if (room) room.name = name;
    else this.session()?.configure({ name });
  };

  #onKey = (event: KeyboardEvent) => {
    if (event.key !== 'Escape') return;
    event.stopPropagation();
    this.close();
    void this.host.updateComplete.then(() => this.#button('join')?.focus());
  };

  #button(part: string): HTMLButtonElement | null {
    return this.host.renderRoot.querySelector(`button[part~='${part}']`);
  }

  render({ t }: Localize, { busy, devices, join }: PreviewParts) {
    const session = this.session();
    const stream = session?.previewStream ?? null;
    const audio = stream?.getAudioTracks()[0];
    const camera = stream?.getVideoTracks()[0];
    const verified = session ? session.isVerified(session.id) : false;
    return html`<section part="preview" aria-label=${t('Before you join')} @keydown=${this.#onKey}>
      <video part="preview-video" aria-label=${t('Your camera')} .srcObject=${stream} .muted=${true} autoplay playsinline></video>
      <label
        >${t('Microphone level')}
        <meter part="level" min="0" max="1" .value=${this.level}></meter
      ></label>
      <div class="row">
        <button part="button mic" type="button" aria-pressed=${String(audio ? !audio.enabled : false)} ?disabled=${!audio} @click=${() => this.#toggle('audio')}>
          ${icon(audio?.enabled ? mic : micOff)} ${t('Mute')}
        </button>
        <button part="button camera" type="button" aria-pressed=${String(camera ? !camera.enabled : false)} ?disabled=${!camera} @click=${() => this.#toggle('video')}>
          ${icon(camera?.enabled ? video : videoOff)} ${t('Camera off')}
        </button>
      </div>
      ${devices}
      ${verified
        ? nothing
        : html`<label
            >${t('Your name')}
            <input part="name" type="text" maxlength="64" autocomplete="name" .value=${session?.localPresence.user?.name ?? ''} @change=${this.#rename}
          /></label>`}
      <div class="row">
        <button part="button join join-now" type="button" ?disabled=${busy} @click=${join}>
          ${icon(phone)} ${t(busy ? 'Joining…' : 'Join now')}
        </button>
        <button
          part="button cancel"
          type="button"
          @click=${() => {
            this.close();
            refocusIfLost(this.host, 'join');
          }}
        >
          ${t('Cancel')}
        </button>
      </div>
    </section>`;
  }
}

/**
 * After `host`'s next render, the focus to its button `part` if the render dropped it (the
 * focused button went, or was disabled while busy): a keyboard user is never left on
 * <body>. Focus elsewhere in the page stays where it is.
 */
export function refocusIfLost(host: LitElement, part: string): void {
  void host.updateComplete.then(() => {
    const active = document.activeElement;
    const lost = !active || active === document.body || (active === host && !host.renderRoot.querySelector(':focus'));
    if (lost) host.renderRoot.querySelector<HTMLButtonElement>(`button[part~='${part}']`)?.focus();
  });
}
