// The picture of a call recording (recorder.ts): every participant's camera and shared
// screen drawn in a grid on a canvas, with their names, captured as one video track. It
// keeps drawing in a hidden tab (ticker()).
import type { Session } from '../session/session.js';
import type { Participant } from '../session/presence.js';

export interface GridOptions {
  /** Size of the composited grid. */
  width?: number;
  height?: number;
  frameRate?: number;
}

/** Draws every participant's camera (and shared screens) in a grid on a canvas. */
export class GridCompositor {
  readonly track: MediaStreamTrack;
  readonly #canvas = document.createElement('canvas');
  readonly #ctx: CanvasRenderingContext2D;
  readonly #videos = new Map<MediaStream, HTMLVideoElement>();
  readonly #stopTicker: () => void;

  constructor(readonly session: Session, { width = 1280, height = 720, frameRate = 30 }: GridOptions) {
    this.#canvas.width = width;
    this.#canvas.height = height;
    this.#ctx = this.#canvas.getContext('2d')!;
    this.#draw();
    this.track = this.#canvas.captureStream(frameRate).getVideoTracks()[0];
    this.#stopTicker = ticker(1000 / frameRate, () => this.#draw());
  }

  #video(stream: MediaStream): HTMLVideoElement {
    let video = this.#videos.get(stream);
    if (!video) {
      video = document.createElement('video');
      video.muted = video.playsInline = true;
      video.srcObject = stream;
      void video.play().catch(() => {});
      this.#videos.set(stream, video);
    }
    return video;
  }

  #draw(): void {
    if (!this.session.awareness.getLocalState()) return; // the session is gone
    const ctx = this.#ctx;
    const { width, height } = this.#canvas;
    const tiles: Array<{ p: Participant; stream: MediaStream | null }> = [];
    for (const p of this.session.participants()) {
      if (p.screen) tiles.push({ p, stream: p.screen });
      if (p.media || p.camera) tiles.push({ p, stream: p.media?.video === false ? null : p.camera });
    }
    const live = new Set(tiles.map((t) => t.stream));
    for (const [stream, video] of this.#videos) {
      if (!live.has(stream)) {
        video.srcObject = null;
        this.#videos.delete(stream);
      }
    }
    ctx.fillStyle = '#111827';
    ctx.fillRect(0, 0, width, height);
    const cols = Math.ceil(Math.sqrt(tiles.length));
    const rows = Math.ceil(tiles.length / cols);
    const w = width / cols;
    const h = height / rows;
    ctx.font = `${Math.round(h / 12)}px system-ui, sans-serif`;
    tiles.forEach(({ p, stream }, i) => {
      const x = (i % cols) * w;
      const y = Math.floor(i / cols) * h;
      const video = stream && this.#video(stream);
      if (video && video.videoWidth) {
        const scale = Math.min(w / video.videoWidth, h / video.videoHeight);
        const vw = video.videoWidth * scale;
        const vh = video.videoHeight * scale;
        ctx.drawImage(video, x + (w - vw) / 2, y + (h - vh) / 2, vw, vh);
      } else {
        ctx.fillStyle = '#374151';
        ctx.fillRect(x + 4, y + 4, w - 8, h - 8);
      }
      ctx.fillStyle = '#fff';
      ctx.fillText(p.name || 'Guest', x + 12, y + h - 12, w - 24);
    });
  }

  destroy(): void {
    this.#stopTicker();
    this.track.stop();
    for (const video of this.#videos.values()) video.srcObject = null;
    this.#videos.clear();
  }
}

/**
 * Calls `tick` every `ms`, from a worker when possible: a hidden tab throttles its own
 * timers to once a second, which would freeze the recorded grid. At most one tick waits at
 * a time: on a machine too busy to draw at the frame rate, the recording gets fewer frames,
 * and the page is not flooded with draws that starve its own rendering.
 */
function ticker(ms: number, tick: () => void): () => void {
  try {
    const source = `let waiting = 0; onmessage = () => (waiting = 0); setInterval(() => waiting || ((waiting = 1), postMessage(0)), ${ms})`;
    const url = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
    const worker = new Worker(url);
    worker.onmessage = () => {
      try {
        tick();
      } finally {
        worker.postMessage(0); // a tick that threw must not stop the next
      }
    };
    return () => {
      worker.terminate();
      URL.revokeObjectURL(url);
    };
  } catch {
    const timer = setInterval(tick, ms);
    return () => clearInterval(timer);
  }
}
