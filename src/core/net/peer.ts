// One RTCPeerConnection to one remote peer. The impolite side builds the pair and its first
// offer already carries every m-line a call can need (microphone, camera, screen, screen
// audio, and the data channels), so media never renegotiates: joining, leaving, muting,
// camera on/off, a device switch and a screen share are `replaceTrack` on those pre-made
// transceivers. The only offers after the first are ICE restarts, handled with "perfect
// negotiation" (the polite side rolls back on a collision). Signals are handled strictly in
// order (one queue per peer). Until the data channel opens, signals travel over the relay;
// after, over the channel itself while the path is alive. A heartbeat on the channel finds
// a dead path in seconds, and a channel that closes while the connection lives is opened
// again on the same connection.
import { createNanoEvents } from 'nanoevents';
import { CHUNK_BYTES, FrameAssembler, FrameKind, encodeFrames } from './frames.js';
import { ParleyError, log } from '../errors.js';
import { isRecord } from './signaling.js';

/** Negotiated data channel shared by Yjs sync, in-band signaling and the heartbeat. */
const DATA_CHANNEL = { label: 'parley', id: 0 };
/** Negotiated data channel for file transfer only (files.ts), so a big file never delays an edit. */
const FILE_CHANNEL = { label: 'parley-files', id: 1 };
/** The file channel asks for more data (a `files-drain` event) when its queue falls below this. */
export const FILE_CHANNEL_LOW_WATER = 512 * 1024;
/** How long a `disconnected` connection may try to recover before we restart ICE. */
export const DISCONNECTED_GRACE_MS = 4000;
/**
 * An offer still unanswered after this long is sent again. It can be lost for good: an ICE
 * restart offer goes through the relay, which drops what a frozen tab can't take, and once
 * the tab thaws we would wait forever and never restart again.
 */
export const OFFER_RESEND_MS = 5000;
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
/** A channel re-opened after a close that does not open within this: the peer is gone. */
export const REOPEN_TIMEOUT_MS = 5000;

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

export interface Signal {
  description?: RTCSessionDescriptionInit;
  candidate?: RTCIceCandidateInit | null;
}

export interface PeerEvents {
  /** A signal to deliver to the remote peer over the relay (channel not open or path dead). */
  signal: (signal: Signal) => void;
  /** The data channel is open (first time, or again after it was re-opened): (re)sync. */
  open: () => void;
  /** A complete sync message arrived. */
  sync: (payload: Uint8Array) => void;
  /** Remote media started or stopped arriving on one of the streams. */
  streams: () => void;
  /** The file channel is open (again). */
  'files-open': () => void;
  /** The file channel closed while the connection lives; it is being re-opened. */
  'files-closed': () => void;
  /** A message arrived on the file channel. */
  files: (message: Uint8Array) => void;
  /** The file channel's send queue fell below FILE_CHANNEL_LOW_WATER. */
  'files-drain': () => void;
  /** The connection is gone for good. */
  closed: () => void;
  error: (error: ParleyError) => void;
}

export interface PeerOptions {
  iceServers?: RTCIceServer[];
}

export class Peer {
  readonly events = createNanoEvents<PeerEvents>();
  readonly pc: RTCPeerConnection;
  /**
   * What this peer sends us, as two streams that live as long as the connection: the
   * microphone and camera, and the screen share with its sound. A `<video>` showing one
   * keeps showing it through every change of the other side's media.
   */
  readonly camera = new MediaStream();
  readonly screen = new MediaStream();
  /** Offers this side has sent (the first one, then ICE restarts only). */
  offers = 0;
  closed = false;
  /** Closed because a description could not be applied (the pair is rebuilt at once). */
  wedged = false;

  readonly #polite: boolean;
  #channel!: RTCDataChannel;
  #files!: RTCDataChannel;
  #assembler = new FrameAssembler();
  /** The media transceivers by slot, once known (at once on the offerer, at the first offer on the answerer). */
  #transceivers: Partial<Record<MediaSlot, RTCRtpTransceiver>> = {};
  #tracks: LocalTracks = {};
  #scale: number | undefined;
  #makingOffer = false;
  #ignoreOffer = false;
  #queue: Promise<void> = Promise.resolve();
  #graceTimer: ReturnType<typeof setTimeout> | undefined;
  #offerTimer: ReturnType<typeof setTimeout> | undefined;
  #heartbeat: ReturnType<typeof setInterval> | undefined;
  #lastHeard = 0;
  #lastTick = 0;
  #silentRestart = false;
  /** Bytes received on the connection when the current silence began (null: being read). */
  #bytesBefore: number | null | undefined;
  readonly #reopenTimers: Record<string, ReturnType<typeof setTimeout> | undefined> = {};

  constructor(
    readonly id: string,
    localId: string,
    options: PeerOptions = {},
  ) {
    // Any fixed, shared rule works; both sides agree on who yields. The impolite side is
    // also the one that builds the pair and offers first (the hello rule, mesh.ts).
    this.#polite = localId < id;
    this.pc = new RTCPeerConnection({ iceServers: options.iceServers ?? [] });
    this.pc.onnegotiationneeded = () => void this.#negotiate();
    this.pc.onicecandidate = ({ candidate }) => this.#sendSignal({ candidate: candidate?.toJSON() ?? null });
    this.pc.onconnectionstatechange = () => this.#onConnectionState();
    if (!this.#polite) {
      for (const slot of MEDIA_SLOTS) this.#transceivers[slot] = this.pc.addTransceiver(SLOT_KIND[slot], { direction: 'sendrecv' });
      this.#collectReceivers();
    }
    this.#openChannel();
    this.#openFiles();
  }

  /** Sends one message on the file channel; false when it is not open. */
  sendFiles(message: Uint8Array<ArrayBuffer>): boolean {
    if (this.#files.readyState !== 'open') return false;
    try {
      this.#files.send(message);
      return true;
    } catch {
      return false;
    }
  }

  /** Bytes queued on the file channel, not yet handed to the network. */
  get filesBuffered(): number {
    return this.#files.bufferedAmount;
  }

  /** Largest single data-channel message the remote accepts. */
  get maxMessageSize(): number {
    return this.pc.sctp?.maxMessageSize || CHUNK_BYTES;
  }

  get connected(): boolean {
    return this.#channel.readyState === 'open';
  }

  /** Feeds a signal from the remote peer; handled in arrival order. */
  handleSignal(signal: unknown): void {
    this.#queue = this.#queue.then(() => this.#applySignal(signal)).catch((cause) => this.#wedged(cause));
  }

  /**
   * A description could not be applied: this connection cannot negotiate any more. Close
   * it; the session rebuilds the pair (targeted `bye`, then `hello`).
   */
  #wedged(cause: unknown): void {
    if (this.closed) return;
    log.warn(`rebuilding the connection to ${this.id}`, cause);
    this.wedged = true;
    this.close();
  }

  /** Sends a sync message over the data channel (chunked). Dropped if not open. */
  sendSync(payload: Uint8Array): void {
    this.#sendFrames(FrameKind.sync, payload);
  }

  /**
   * Makes the connection send exactly these local tracks, each on its slot's transceiver
   * (`replaceTrack`: no renegotiation). `cameraScale` starts the camera at that fraction of
   * its resolution: an encoder that starts at 720p takes longer to its first frame, and
   * quality.ts raises it within seconds when the path and the remote tile want more.
   */
  setTracks(tracks: LocalTracks, cameraScale?: number): Promise<void> {
    if (this.closed) return Promise.resolve();
    const cameraChanged = tracks.camera !== this.#tracks.camera;
    this.#tracks = { ...tracks };
    this.#scale = cameraScale;
    return this.#applyTracks(cameraChanged);
  }

  /** The sender carrying this local track, if any (for quality adaptation and stats). */
  senderOf(track: MediaStreamTrack): RTCRtpSender | undefined {
    const slot = MEDIA_SLOTS.find((s) => this.#tracks[s] === track);
    return slot && this.#transceivers[slot]?.sender;
  }

  /** The receiver of one slot's remote media, once negotiated. */
  receiverOf(slot: MediaSlot): RTCRtpReceiver | undefined {
    return this.#transceivers[slot]?.receiver;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.#graceTimer);
    clearTimeout(this.#offerTimer);
    clearInterval(this.#heartbeat);
    for (const timer of Object.values(this.#reopenTimers)) clearTimeout(timer);
    for (const channel of [this.#channel, this.#files]) channel.onopen = channel.onclose = channel.onmessage = channel.onbufferedamountlow = null;
    this.pc.onnegotiationneeded = this.pc.onicecandidate = this.pc.onconnectionstatechange = null;
    this.pc.close();
    this.events.emit('closed');
  }

  /** Resolves once every slot carries its track (replaceTrack is asynchronous). */
  #applyTracks(cameraChanged = false): Promise<void> {
    const replaced: Array<Promise<void>> = [];
    for (const slot of MEDIA_SLOTS) {
      const transceiver = this.#transceivers[slot];
      if (!transceiver) continue; // the answerer learns its transceivers from the first offer
      const track = this.#tracks[slot] ?? null;
      if (transceiver.sender.track === track) continue;
      const { sender } = transceiver;
      // The camera's size is set before its first frame: changed after, the encoder restarts.
      const scaled = slot === 'camera' && track && cameraChanged ? this.#scaleCamera(sender) : undefined;
      const replacing = Promise.resolve(scaled)
        .then(() => sender.replaceTrack(track))
        .catch((cause) => {
          if (!this.closed) this.events.emit('error', new ParleyError('peer', `Could not send ${slot} to ${this.id}`, { cause }));
        });
      replaced.push(replacing);
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
      track.onmute = track.onunmute = () => this.events.emit('streams');
    }
  }

  /** The answerer's transceivers are the offer's m-lines, in order: take them as our slots. */
  #adoptTransceivers(): void {
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
    void this.#applyTracks(true);
  }

  #openChannel(): void {
    const channel = this.pc.createDataChannel(DATA_CHANNEL.label, { negotiated: true, id: DATA_CHANNEL.id });
    this.#channel = channel;
    this.#assembler = new FrameAssembler(); // a message cut by the close is gone with it
    channel.binaryType = 'arraybuffer';
    channel.bufferedAmountLowThreshold = CHUNK_BYTES * 4;
    channel.onopen = () => {
      clearTimeout(this.#reopenTimers.channel);
      this.#lastHeard = this.#lastTick = performance.now();
      clearInterval(this.#heartbeat);
      this.#heartbeat = setInterval(() => this.#beat(), HEARTBEAT_MS);
      this.events.emit('open');
    };
    channel.onclose = () => {
      clearInterval(this.#heartbeat);
      this.#reopen('channel', () => this.#openChannel());
    };
    channel.onmessage = (event) => this.#onChannelMessage(event.data);
  }

  #openFiles(): void {
    const files = this.pc.createDataChannel(FILE_CHANNEL.label, { negotiated: true, id: FILE_CHANNEL.id });
    this.#files = files;
    files.binaryType = 'arraybuffer';
    files.bufferedAmountLowThreshold = FILE_CHANNEL_LOW_WATER;
    files.onopen = () => {
      clearTimeout(this.#reopenTimers.files);
      this.events.emit('files-open');
    };
    files.onbufferedamountlow = () => this.events.emit('files-drain');
    files.onmessage = ({ data }) => {
      if (data instanceof ArrayBuffer) this.events.emit('files', new Uint8Array(data));
      else this.events.emit('error', new ParleyError('file', `Peer ${this.id} sent a text frame on the file channel; dropped`));
    };
    files.onclose = () => {
      this.events.emit('files-closed');
      this.#reopen('files', () => this.#openFiles());
    };
  }

  /**
   * A channel closed. If the connection is gone too (the other side closed it), so is the
   * peer. Else the channel alone was closed (by either side, or by the browser when its
   * send queue overflowed): open it again on the same connection, under the same id, as
   * the other side does; what ran on it resumes when it opens.
   */
  #reopen(which: 'channel' | 'files', open: () => void): void {
    if (this.closed) return;
    const state = this.pc.connectionState;
    if (state === 'closed' || this.pc.sctp?.state === 'closed') return this.close();
    // The id is free once the close is complete; the new channel opens when both sides have one.
    queueMicrotask(() => {
      if (this.closed) return;
      if (this.pc.sctp?.state === 'closed') return this.close();
      open();
    });
    clearTimeout(this.#reopenTimers[which]);
    this.#reopenTimers[which] = setTimeout(() => {
      const channel = which === 'channel' ? this.#channel : this.#files;
      if (!this.closed && channel.readyState !== 'open') this.close();
    }, REOPEN_TIMEOUT_MS);
  }

  /** One heartbeat: ping, and restart ICE when the other side has been silent too long. */
  #beat(): void {
    const now = performance.now();
    // Our own page was stalled: whatever the peer sent waits in our queue. Not its fault.
    if (now - this.#lastTick > STALLED_TICK_MS) this.#lastHeard = Math.max(this.#lastHeard, now - HEARTBEAT_MS);
    this.#lastTick = now;
    this.#sendFrames(FrameKind.ping, new Uint8Array(0));
    const silence = now - this.#lastHeard;
    if (silence < HEARTBEAT_MS * 2) return void (this.#bytesBefore = undefined);
    // Silent for a while: note how much has arrived on the wire so far, to compare with.
    if (this.#bytesBefore === undefined) {
      this.#bytesBefore = null;
      void receivedBytes(this.pc).then((bytes) => this.#bytesBefore === null && (this.#bytesBefore = bytes));
      return;
    }
    const limit = SILENCE_MS + (this.#polite ? POLITE_EXTRA_SILENCE_MS : 0);
    if (silence < limit || this.#silentRestart || this.#bytesBefore === null) return;
    // The polite side leaves the restart to the other side if its offer is already here.
    if (this.#polite && this.pc.signalingState !== 'stable') return;
    const before = this.#bytesBefore;
    this.#silentRestart = true; // one check (and restart) at a time
    void receivedBytes(this.pc).then((bytes) => {
      if (this.closed) return;
      if (bytes > before) {
        // Packets still arrive (its media, its ICE checks): the path is alive and the other
        // page is only busy, as on a loaded machine. Not a reason to restart anything.
        this.#bytesBefore = bytes;
        this.#silentRestart = false;
        return;
      }
      log.debug(`nothing from ${this.id} for ${Math.round(performance.now() - this.#lastHeard)} ms: restarting ICE`);
      this.#restartIce();
    });
  }

  /** Whether the data channel's path is alive (in-band signals get through). */
  get #pathAlive(): boolean {
    return this.connected && this.pc.connectionState === 'connected' && performance.now() - this.#lastHeard < HEARTBEAT_MS * 3;
  }

  async #negotiate(): Promise<void> {
    // The impolite side builds the pair and makes the first offer (the hello rule,
    // mesh.ts); until that offer is here, an offer of ours would only collide with it.
    if (this.#polite && !this.pc.remoteDescription) return;
    try {
      this.#makingOffer = true;
      await this.pc.setLocalDescription();
      this.offers++;
      this.#sendOffer();
    } catch (cause) {
      this.#wedged(cause);
    } finally {
      this.#makingOffer = false;
    }
  }

  /** Sends our pending offer, and again every OFFER_RESEND_MS until it is answered. */
  #sendOffer(): void {
    clearTimeout(this.#offerTimer);
    const offer = this.pc.localDescription;
    if (this.closed || this.pc.signalingState !== 'have-local-offer' || !offer) return;
    this.#sendSignal({ description: offer.toJSON() });
    this.#offerTimer = setTimeout(() => this.#sendOffer(), OFFER_RESEND_MS);
  }

  async #applySignal(signal: unknown): Promise<void> {
    if (this.closed || !isRecord(signal)) return;
    const { description, candidate } = signal;
    if (isRecord(description)) {
      if (description.type !== 'offer' && description.type !== 'answer') return;
      if (typeof description.sdp !== 'string') return;
      const offerCollision =
        description.type === 'offer' && (this.#makingOffer || this.pc.signalingState !== 'stable');
      this.#ignoreOffer = !this.#polite && offerCollision;
      if (this.#ignoreOffer) return;
      // An answer only fits a local offer; a stale one (after a rollback) is dropped.
      if (description.type === 'answer' && this.pc.signalingState !== 'have-local-offer') return;
      await this.pc.setRemoteDescription({ type: description.type, sdp: description.sdp });
      if (description.type === 'offer') {
        this.#adoptTransceivers();
        await this.pc.setLocalDescription();
        if (this.pc.localDescription) this.#sendSignal({ description: this.pc.localDescription.toJSON() });
      }
    } else if (candidate !== undefined) {
      try {
        await this.pc.addIceCandidate(isRecord(candidate) ? (candidate as RTCIceCandidateInit) : undefined);
      } catch (error) {
        if (!this.#ignoreOffer) log.debug('addIceCandidate failed', this.id, error);
      }
    }
  }

  #sendSignal(signal: Signal): void {
    if (this.closed) return;
    // In-band only while the path is alive: an ICE restart must go through the relay.
    if (this.#pathAlive) this.#sendFrames(FrameKind.signal, new TextEncoder().encode(JSON.stringify(signal)));
    else this.events.emit('signal', signal);
  }

  #sendFrames(kind: FrameKind, payload: Uint8Array): void {
    if (!this.connected) return;
    try {
      for (const frame of encodeFrames(kind, payload)) this.#channel.send(frame);
    } catch (cause) {
      this.events.emit('error', new ParleyError('peer', `Send to ${this.id} failed`, { cause }));
    }
  }

  #onChannelMessage(data: unknown): void {
    this.#heard();
    if (!(data instanceof ArrayBuffer)) {
      this.events.emit('error', new ParleyError('peer', `Peer ${this.id} sent a text frame; dropped`));
      return;
    }
    let message;
    try {
      message = this.#assembler.push(new Uint8Array(data));
    } catch (cause) {
      // A broken stream cannot be resynchronised: drop the connection, it will be rebuilt.
      this.events.emit('error', new ParleyError('peer', `Peer ${this.id} sent a malformed frame`, { cause }));
      this.close();
      return;
    }
    if (!message) return;
    switch (message.kind) {
      case FrameKind.sync:
        return void this.events.emit('sync', message.payload);
      case FrameKind.ping:
        return this.#sendFrames(FrameKind.pong, new Uint8Array(0));
      case FrameKind.pong:
        return;
    }
    let signal: unknown;
    try {
      signal = JSON.parse(new TextDecoder().decode(message.payload));
    } catch {
      this.events.emit('error', new ParleyError('peer', `Peer ${this.id} sent a malformed signal`));
      return;
    }
    this.handleSignal(signal);
  }

  #heard(): void {
    this.#lastHeard = performance.now();
    this.#silentRestart = false;
  }

  #onConnectionState(): void {
    const state = this.pc.connectionState;
    clearTimeout(this.#graceTimer);
    if (state === 'failed') {
      this.#restartIce();
    } else if (state === 'disconnected') {
      this.#graceTimer = setTimeout(() => {
        if (this.pc.connectionState === 'disconnected') this.#restartIce();
      }, DISCONNECTED_GRACE_MS);
    }
  }

  /**
   * Restarts ICE, in turn with the signal queue. An earlier offer that was never answered
   * (the other side was unreachable) would hold the restart back for good — negotiation
   * only starts from `stable` — so it is rolled back first and the restart offer replaces it.
   */
  #restartIce(): void {
    this.#queue = this.#queue.then(async () => {
      if (this.closed) return;
      if (this.pc.signalingState === 'have-local-offer') await this.pc.setLocalDescription({ type: 'rollback' });
      this.pc.restartIce();
    }).catch((cause) => this.events.emit('error', new ParleyError('peer', `ICE restart with ${this.id} failed`, { cause })));
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
