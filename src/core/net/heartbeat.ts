// A connection's heartbeat: a ping on its data channel every HEARTBEAT_MS from each side
// (hearing the other's is the sign of life), and ICE restarted when the other side has been
// silent too long while nothing at all arrives on the wire. A busy page (ours stalled, or
// theirs slow to ping while its packets or ICE checks still arrive) is never taken for a
// dead path.
import { log } from '../errors.js';

/** The heartbeat: a ping this often on the data channel, from each side. */
export const HEARTBEAT_MS = 500;
/**
 * Nothing heard for this long: the path is dead (a frozen tab, a lost network), so ICE is
 * restarted. The polite side waits a little longer, so that in a cut both sides see, the
 * impolite side's restart usually arrives first and the offers do not collide.
 */
export const SILENCE_MS = 2000;
const POLITE_EXTRA_SILENCE_MS = 500;
/**
 * A tick of our own that comes this late means our own page was stalled (a busy machine,
 * a background tab), not the peer: the silence it shows is forgiven.
 */
const STALLED_TICK_MS = HEARTBEAT_MS + 700;
/**
 * A connection that carries no media (only the form, or the mesh while Janus carries the
 * call) shows a live path only by the answers to our ICE checks, which the other browser
 * sends from its network thread however busy its page is (our checks go out every 2.5 s
 * from Chromium, every 5 s from Firefox, and `bytesReceived` counts neither). Its silence
 * is a dead path only once this long has passed without an answer; with media arriving,
 * a second without a packet is enough.
 */
export const CHECKS_WINDOW_MS = 6500;
/** Media whose last packet came this recently when the silence began was flowing. */
const MEDIA_RECENT_MS = 3000;

export interface HeartbeatHost {
  readonly pc: RTCPeerConnection;
  readonly id: string;
  readonly polite: boolean;
  closed(): boolean;
  ping(): void;
  restartIce(): void;
}

/** What arrived on a connection so far, as the heartbeat compares it across a silence. */
interface Traffic {
  /** When it was read (performance.now()). */
  at: number;
  /** Bytes (media, data) and responses to our ICE checks received on every candidate pair. */
  count: number;
  /** Whether media was arriving: some stream's last packet came within MEDIA_RECENT_MS. */
  media: boolean;
}

export class Heartbeat {
  #timer: ReturnType<typeof setInterval> | undefined;
  #lastHeard = 0;
  #lastTick = 0;
  #restarting = false;
  /** What had arrived when the current silence began (null: being read). */
  #before: Traffic | null | undefined;

  constructor(private readonly host: HeartbeatHost) {}

  /** The data channel opened (again): beat from now on. */
  start(): void {
    this.#lastHeard = this.#lastTick = performance.now();
    clearInterval(this.#timer);
    this.#timer = setInterval(() => this.#beat(), HEARTBEAT_MS);
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  /** Anything arrived from the peer on the data channel. */
  heard(): void {
    this.#lastHeard = performance.now();
    this.#restarting = false;
  }

  /** Whether the peer was heard from lately (in-band signals get through). */
  get recent(): boolean {
    return performance.now() - this.#lastHeard < HEARTBEAT_MS * 3;
  }

  /** One heartbeat: ping, and restart ICE when the other side has been silent too long. */
  #beat(): void {
    const { host } = this;
    const now = performance.now();
    // Our own page was stalled: whatever the peer sent waits in our queue. Not its fault.
    if (now - this.#lastTick > STALLED_TICK_MS) this.#lastHeard = Math.max(this.#lastHeard, now - HEARTBEAT_MS);
    this.#lastTick = now;
    host.ping();
    const silence = now - this.#lastHeard;
    if (silence < HEARTBEAT_MS * 2) return void (this.#before = undefined);
    // Silent for a while: note what has arrived on the wire so far, to compare with.
    if (this.#before === undefined) {
      this.#before = null;
      void received(host.pc).then((traffic) => this.#before === null && (this.#before = traffic));
      return;
    }
    const before = this.#before;
    const limit = SILENCE_MS + (host.polite ? POLITE_EXTRA_SILENCE_MS : 0);
    if (silence < limit || this.#restarting || before === null) return;
    // Without media, only ICE checks show the path alive: wait until one is due.
    if (!before.media && now - before.at < CHECKS_WINDOW_MS) return;
    // The polite side leaves the restart to the other side if its offer is already here.
    if (host.polite && host.pc.signalingState !== 'stable') return;
    this.#restarting = true; // one check (and restart) at a time
    void received(host.pc).then((traffic) => {
      if (host.closed()) return;
      if (traffic.count > before.count) {
        // Packets still arrive (its media, its ICE checks): the path is alive and the other
        // page is only busy, as on a loaded machine. Not a reason to restart anything.
        this.#before = traffic;
        this.#restarting = false;
        return;
      }
      log.debug(`${host.id} silent for ${Math.round(performance.now() - this.#lastHeard)} ms: restarting ICE`);
      host.restartIce();
    });
  }
}

interface ReceivedStats {
  type: string;
  timestamp: number;
  bytesReceived?: number;
  responsesReceived?: number;
  lastPacketReceivedTimestamp?: number;
}

/** What a connection received so far (bytes and ICE check responses, on every candidate pair), and whether media was arriving. */
async function received(pc: RTCPeerConnection): Promise<Traffic> {
  const traffic = { at: performance.now(), count: 0, media: false };
  try {
    (await pc.getStats()).forEach((r: ReceivedStats) => {
      if (r.type === 'candidate-pair') traffic.count += (r.bytesReceived ?? 0) + (r.responsesReceived ?? 0);
      // (A stream with no packet yet has no timestamp: the difference is NaN, not recent.)
      else if (r.type === 'inbound-rtp') traffic.media ||= r.timestamp - r.lastPacketReceivedTimestamp! < MEDIA_RECENT_MS;
    });
  } catch {
    // A closing connection reports nothing.
  }
  return traffic;
}
