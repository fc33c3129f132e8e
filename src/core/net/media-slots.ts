// The media one connection carries: one transceiver per slot (microphone, camera, screen,
// screen audio), negotiated once with no track, and the two remote streams they feed. A
// local track is put on or taken off with `replaceTrack`, never a new m-line, so media
// never renegotiates (see peer.ts).
import { ParleyError } from '../errors.js';

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
  #tracks: LocalTracks = {};
  /**
   * The track each slot's sender was last asked to carry: `sender.track` changes only once
   * replaceTrack resolves, so two calls close together would otherwise replace it twice.
   */
  readonly #requested = new Map<MediaSlot, { track: MediaStreamTrack | null; done: Promise<void> }>();
  #scale: number | undefined;

  /**
   * @param offerer whether this side makes the first offer, and so creates the slots;
   *   the answerer adopts them from that offer (adopt()).
   * @param cameraScale the camera's first sending size (2: half), set before any track so
   *   that putting the camera on (a join) is a replaceTrack alone, with no setParameters
   *   before it.
   */
  constructor(
    private readonly pc: RTCPeerConnection,
    private readonly peerId: string,
    offerer: boolean,
    cameraScale: number | undefined,
    private readonly on: { streams: () => void; error: (error: ParleyError) => void; closed: () => boolean },
  ) {
    this.#scale = cameraScale;
    if (!offerer) return;
    for (const slot of MEDIA_SLOTS) {
      const sendEncodings = slot === 'camera' && cameraScale ? [{ scaleResolutionDownBy: cameraScale }] : undefined;
      this.#transceivers[slot] = pc.addTransceiver(SLOT_KIND[slot], { direction: 'sendrecv', sendEncodings });
    }
    this.#collectReceivers();
  }

  /** See Peer.setTracks. */
  set(tracks: LocalTracks, cameraScale?: number): Promise<void> {
    const cameraChanged = tracks.camera !== this.#tracks.camera;
    this.#tracks = { ...tracks };
    this.#scale = cameraScale;
    return this.#apply(cameraChanged);
  }

  senderOf(track: MediaStreamTrack): RTCRtpSender | undefined {
    const slot = MEDIA_SLOTS.find((s) => this.#tracks[s] === track);
    return slot && this.#transceivers[slot]?.sender;
  }

  receiverOf(slot: MediaSlot): RTCRtpReceiver | undefined {
    return this.#transceivers[slot]?.receiver;
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
    const camera = this.#transceivers.camera?.sender;
    if (camera && !this.#tracks.camera) void this.#scaleCamera(camera);
    void this.#apply(true);
  }

  /** Resolves once every slot carries its track (replaceTrack is asynchronous). */
  #apply(cameraChanged: boolean): Promise<void> {
    const replaced: Array<Promise<void>> = [];
    for (const slot of MEDIA_SLOTS) {
      const transceiver = this.#transceivers[slot];
      if (!transceiver) continue; // the answerer learns its transceivers from the first offer
      const track = this.#tracks[slot] ?? null;
      const { sender } = transceiver;
      const requested = this.#requested.get(slot);
      if (requested ? requested.track === track : sender.track === track) {
        if (requested) replaced.push(requested.done);
        continue;
      }
      // The camera's size is set before its first frame: changed after, the encoder restarts.
      const scaled = slot === 'camera' && track && cameraChanged ? this.#scaleCamera(sender) : undefined;
      const done = Promise.resolve(scaled)
        .then(() => sender.replaceTrack(track))
        .catch((cause) => {
          if (this.#requested.get(slot)?.done === done) this.#requested.delete(slot); // the next call tries again
          if (!this.on.closed()) this.on.error(new ParleyError('peer', `Could not send ${slot} to ${this.peerId}`, { cause }));
        });
      this.#requested.set(slot, { track, done });
      replaced.push(done);
    }
    return Promise.all(replaced).then(() => {});
  }

  #scaleCamera(sender: RTCRtpSender): Promise<void> | undefined {
    const params = sender.getParameters();
    const encoding = params.encodings?.[0];
    if (!encoding || (encoding.scaleResolutionDownBy ?? 1) === (this.#scale ?? 1)) return; // not negotiated yet: quality.ts applies its own target soon
    encoding.scaleResolutionDownBy = this.#scale ?? 1;
    return sender.setParameters(params).catch(() => {}); // not supported: starts full size
  }

  /** Puts each slot's receiving track into the stream it belongs to (once per slot). */
  #collectReceivers(): void {
    for (const slot of MEDIA_SLOTS) {
      const track = this.#transceivers[slot]?.receiver.track;
      const stream = slot === 'microphone' || slot === 'camera' ? this.camera : this.screen;
      if (!track || stream.getTracks().includes(track)) continue;
      stream.addTrack(track);
      track.onmute = track.onunmute = () => this.on.streams();
    }
  }
}
