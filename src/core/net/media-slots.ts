// The media one connection carries: one transceiver per slot (microphone, camera, screen,
// screen audio), negotiated once with no track, and the two remote streams they feed. A
// local track is put on or taken off with `replaceTrack` (call/send-tracks.ts, loaded with
// the call), never a new m-line, so media never renegotiates (see peer.ts).

/**
 * The media a connection carries, one transceiver each, in m-line order. Every pair
 * negotiates all of them once, with no track; a track is put on or taken off later.
 */
export const MEDIA_SLOTS = ['microphone', 'camera', 'screen', 'screen-audio'] as const;
export type MediaSlot = (typeof MEDIA_SLOTS)[number];
const SLOT_KIND: Record<MediaSlot, 'audio' | 'video'> = {
  microphone: 'audio',
  camera: 'video',
  screen: 'video',
  'screen-audio': 'audio',
};

/** What the local side sends on each slot (absent: nothing). */
export type LocalTracks = Partial<Record<MediaSlot, MediaStreamTrack>>;

export class MediaSlots {
  /**
   * What the peer sends us, as two streams that live as long as the connection: the
   * microphone and camera, and the screen share with its sound. A `<video>` showing one
   * keeps showing it through every change of the other side's media.
   */
  readonly camera = new MediaStream();
  readonly screen = new MediaStream();
  /** The transceivers by slot, once known (at once on the offerer, at the first offer on the answerer). */
  #transceivers: Partial<Record<MediaSlot, RTCRtpTransceiver>> = {};

  /**
   * @param offerer whether this side makes the first offer, and so creates the slots;
   *   the answerer adopts them from that offer (adopt()).
   * @param cameraScale the camera's first sending size (4: a quarter), set before any track so
   *   that putting the camera on (a join) is a replaceTrack alone, with no setParameters
   *   before it.
   * @param adopted called when the answerer has taken the offer's slots as its own.
   */
  constructor(
    private readonly pc: RTCPeerConnection,
    offerer: boolean,
    private readonly cameraScale: number | undefined,
    private readonly adopted: () => void,
  ) {
    if (!offerer) return;
    for (const slot of MEDIA_SLOTS) {
      const sendEncodings = slot === 'camera' && cameraScale ? [{ scaleResolutionDownBy: cameraScale }] : undefined;
      this.#transceivers[slot] = pc.addTransceiver(SLOT_KIND[slot], { direction: 'sendrecv', sendEncodings });
    }
    this.#collectReceivers();
  }

  /** The slot's transceiver, once known. */
  transceiver(slot: MediaSlot): RTCRtpTransceiver | undefined {
    return this.#transceivers[slot];
  }

  /** The answerer's transceivers are the offer's m-lines, in order: take them as our slots. */
  adopt(): void {
    if (this.#transceivers.microphone) return;
    const media = this.pc.getTransceivers().filter((t) => t.receiver.track);
    if (media.length < MEDIA_SLOTS.length) return; // an offer without our slots: receive nothing
    MEDIA_SLOTS.forEach((slot, i) => {
      const transceiver = media[i];
      if (transceiver.receiver.track.kind !== SLOT_KIND[slot]) return;
      transceiver.direction = 'sendrecv';
      this.#transceivers[slot] = transceiver;
    });
    this.#collectReceivers();
    // The camera's starting size, as the offerer's was made with (before any track).
    const sender = this.#transceivers.camera?.sender;
    const params = sender?.getParameters();
    const encoding = params?.encodings?.[0];
    if (sender && encoding && this.cameraScale && !sender.track) {
      encoding.scaleResolutionDownBy = this.cameraScale;
      void sender.setParameters(params!).catch(() => {}); // not supported: starts full size
    }
    this.adopted();
  }

  /**
   * Puts each slot's receiving track into the stream it belongs to (once per slot). A
   * track's mute and unmute (media stops or starts arriving) change nothing on the page: a
   * `<video>` on the stream shows whatever arrives, so they cause no render.
   */
  #collectReceivers(): void {
    for (const slot of MEDIA_SLOTS) {
      const track = this.#transceivers[slot]?.receiver.track;
      const stream = slot === 'microphone' || slot === 'camera' ? this.camera : this.screen;
      if (track && !stream.getTracks().includes(track)) stream.addTrack(track);
    }
  }
}
