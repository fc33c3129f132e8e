// A connection's heartbeat: a ping on its data channel every HEARTBEAT_MS (the other side
// answers at once), and ICE restarted when the other side has been silent too long while
// nothing at all arrives on the wire. A busy page (ours stalled, or theirs slow to answer
// while its packets still arrive) is never taken for a dead path.
import { log } from '../errors.js';

/** The heartbeat: a ping this often on the data channel; the other side answers at once. */
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

export interface HeartbeatHost {
  readonly pc: RTCPeerConnection;
  readonly id: string;
  readonly polite: boolean;
  closed(): boolean;
  ping(): void;
  restartIce(): void;
}

export class Heartbeat {
  #timer: ReturnType<typeof setInterval> | undefined;
  #lastHeard = 0;
  #lastTick = 0;
  #restarting = false;
  /** Bytes received on the connection when the current silence began (null: being read). */
  #bytesBefore: number | null | undefined;

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
    if (silence < HEARTBEAT_MS * 2) return void (this.#bytesBefore = undefined);
    // Silent for a while: note how much has arrived on the wire so far, to compare with.
    if (this.#bytesBefore === undefined) {
      this.#bytesBefore = null;
      void receivedBytes(host.pc).then((bytes) => this.#bytesBefore === null && (this.#bytesBefore = bytes));
      return;
    }
    const limit = SILENCE_MS + (host.polite ? POLITE_EXTRA_SILENCE_MS : 0);
    if (silence < limit || this.#restarting || this.#bytesBefore === null) return;
    // The polite side leaves the restart to the other side if its offer is already here.
    if (host.polite && host.pc.signalingState !== 'stable') return;
    const before = this.#bytesBefore;
    this.#restarting = true; // one check (and restart) at a time
    void receivedBytes(host.pc).then((bytes) => {
      if (host.closed()) return;
      if (bytes > before) {
        // Packets still arrive (its media, its ICE checks): the path is alive and the other
        // page is only busy, as on a loaded machine. Not a reason to restart anything.
        this.#bytesBefore = bytes;
        this.#restarting = false;
        return;
      }
      log.debug(`${host.id} silent for ${Math.round(performance.now() - this.#lastHeard)} ms: restarting ICE`);
      host.restartIce();
    });
  }
}

/** Bytes received so far on every candidate pair of a connection (media, data, ICE checks). */
async function receivedBytes(pc: RTCPeerConnection): Promise<number> {
  let bytes = 0;
  try {
    (await pc.getStats()).forEach((r: { type: string; bytesReceived?: number }) => {
      if (r.type === 'candidate-pair') bytes += r.bytesReceived ?? 0;
    });
  } catch {
    // A closing connection reports nothing.
  }
  return bytes;
}
