// A negotiated data channel opens as soon as the connection can carry it, whether or not
// the other side has made its end yet. At the start both ends exist before the connection
// does; but a channel opened again after a close (peer.ts) opens first on one side, and
// Chromium drops what arrives for an end that does not exist yet: a file transfer's
// resume, or the document's sync step, would be lost. So each side says `ready` when its
// end opens and answers the first `ready` it hears (its own may have been the one lost);
// a channel is used once the other side's `ready` came, when both ends surely exist.

/** The one text frame on Parley's data channels (everything else there is binary). */
export const READY = 'ready';

export class BothEnds {
  /** The other side's end exists: what is sent now arrives. */
  ready = false;

  /** Takes over the channel's `open` event; its messages are to be shown to heard() first. */
  constructor(
    private readonly channel: RTCDataChannel,
    private readonly onReady: () => void,
  ) {
    channel.binaryType = 'arraybuffer';
    channel.onopen = () => this.#say();
  }

  /** Open at both ends: what is sent now arrives. */
  get open(): boolean {
    return this.ready && this.channel.readyState === 'open';
  }

  /** A message arrived on the channel: true when it was this handshake's, and is handled. */
  heard(data: unknown): boolean {
    if (data !== READY) return false;
    if (!this.ready) {
      this.ready = true;
      this.#say();
      this.onReady();
    }
    return true;
  }

  #say(): void {
    try {
      this.channel.send(READY);
    } catch {
      // Closed meanwhile: the channel is opened again, with a new handshake.
    }
  }
}
