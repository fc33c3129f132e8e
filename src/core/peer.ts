// One RTCPeerConnection to one remote peer, with "perfect negotiation": both sides may
// add or remove media at any time; on an offer collision the polite side rolls back and
// the impolite side ignores the other's offer. Signals are handled strictly in order (one
// queue per peer). Until the data channel opens, signals travel over the relay; after,
// over the channel itself, so renegotiation works while the relay is down.
import { createNanoEvents } from 'nanoevents';
import { CHUNK_BYTES, FrameAssembler, FrameKind, encodeFrames } from './frames.js';
import { ParleyError, log } from './errors.js';
import { isRecord } from './signaling.js';

/** Negotiated data channel shared by Yjs sync and in-band signaling. */
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
 * the tab thaws the old path works again, leaving us waiting forever and unable to
 * renegotiate (add a screen share, say).
 */
export const OFFER_RESEND_MS = 5000;

export interface Signal {
  description?: RTCSessionDescriptionInit;
  candidate?: RTCIceCandidateInit | null;
}

export interface PeerEvents {
  /** A signal to deliver to the remote peer over the relay (channel not open yet). */
  signal: (signal: Signal) => void;
  /** The data channel is open: start syncing. */
  open: () => void;
  /** A complete sync message arrived. */
  sync: (payload: Uint8Array) => void;
  /** The remote streams changed (a track arrived or went away). */
  streams: () => void;
  /** The file channel is open. */
  'files-open': () => void;
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
  iceTransportPolicy?: RTCIceTransportPolicy;
}

export class Peer {
  readonly events = createNanoEvents<PeerEvents>();
  readonly pc: RTCPeerConnection;
  /** Remote streams by id: camera/mic, and a screen share when there is one. */
  readonly streams = new Map<string, MediaStream>();
  closed = false;
  /** Closed because a description could not be applied (the pair is rebuilt at once). */
  wedged = false;

  readonly #polite: boolean;
  readonly #channel: RTCDataChannel;
  readonly #files: RTCDataChannel;
  readonly #assembler = new FrameAssembler();
  readonly #senders = new Map<MediaStreamTrack, RTCRtpSender>();
  #makingOffer = false;
  #ignoreOffer = false;
  #queue: Promise<void> = Promise.resolve();
  #graceTimer: ReturnType<typeof setTimeout> | undefined;
  #offerTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    readonly id: string,
    localId: string,
    options: PeerOptions = {},
  ) {
    // Any fixed, shared rule works; both sides agree on who yields.
    this.#polite = localId < id;
    this.pc = new RTCPeerConnection({
      iceServers: options.iceServers ?? [],
      iceTransportPolicy: options.iceTransportPolicy ?? 'all',
    });
    this.pc.onnegotiationneeded = () => void this.#negotiate();
    this.pc.onicecandidate = ({ candidate }) => this.#sendSignal({ candidate: candidate?.toJSON() ?? null });
    this.pc.ontrack = (event) => this.#onTrack(event);
    this.pc.onconnectionstatechange = () => this.#onConnectionState();

    this.#channel = this.pc.createDataChannel(DATA_CHANNEL.label, { negotiated: true, id: DATA_CHANNEL.id });
    this.#channel.binaryType = 'arraybuffer';
    this.#channel.bufferedAmountLowThreshold = CHUNK_BYTES * 4;
    this.#channel.onopen = () => this.events.emit('open');
    this.#channel.onclose = () => this.close();
    this.#channel.onmessage = (event) => this.#onChannelMessage(event.data);

    this.#files = this.pc.createDataChannel(FILE_CHANNEL.label, { negotiated: true, id: FILE_CHANNEL.id });
    this.#files.binaryType = 'arraybuffer';
    this.#files.bufferedAmountLowThreshold = FILE_CHANNEL_LOW_WATER;
    this.#files.onopen = () => this.events.emit('files-open');
    this.#files.onbufferedamountlow = () => this.events.emit('files-drain');
    this.#files.onmessage = ({ data }) => {
      if (data instanceof ArrayBuffer) this.events.emit('files', new Uint8Array(data));
      else this.events.emit('error', new ParleyError('file', `Peer ${this.id} sent a text frame on the file channel; dropped`));
    };
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
   * A description could not be applied: this connection cannot negotiate any more (e.g.
   * Chromium refusing Firefox's offer after its own rollback: "RTP extension ID
   * reassignment"). Close it; the session rebuilds the pair (targeted `bye`, then `hello`).
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
   * Makes the connection carry exactly these local tracks (adds and removes senders). A
   * track with `scale` starts sending at that fraction of its resolution: an encoder that
   * starts at 720p takes about 100 ms longer to its first frame (bench/call.mjs), and
   * quality.ts raises it within seconds when the path and the remote tile want more.
   */
  setTracks(tracks: Array<{ track: MediaStreamTrack; stream: MediaStream; scale?: number }>): void {
    if (this.closed) return;
    const wanted = new Set(tracks.map((t) => t.track));
    for (const [track, sender] of this.#senders) {
      if (!wanted.has(track)) {
        this.pc.removeTrack(sender);
        this.#senders.delete(track);
      }
    }
    for (const { track, stream, scale } of tracks) {
      if (this.#senders.has(track)) continue;
      const sender = this.pc.addTrack(track, stream);
      this.#senders.set(track, sender);
      const params = sender.getParameters();
      if (scale && params.encodings?.[0]) {
        params.encodings[0].scaleResolutionDownBy = scale;
        sender.setParameters(params).catch(() => {}); // not supported: starts full size
      }
    }
  }

  /**
   * Swaps one local track for another in place (a new camera or microphone): the sender
   * keeps its transceiver, so there is no renegotiation and the call never drops.
   */
  async replaceTrack(old: MediaStreamTrack, next: MediaStreamTrack): Promise<void> {
    const sender = this.#senders.get(old);
    if (!sender || this.closed) return;
    this.#senders.delete(old);
    this.#senders.set(next, sender);
    await sender.replaceTrack(next);
  }

  /** The sender carrying this local track, if any (for quality adaptation and stats). */
  senderOf(track: MediaStreamTrack): RTCRtpSender | undefined {
    return this.#senders.get(track);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.#graceTimer);
    clearTimeout(this.#offerTimer);
    this.#channel.onclose = this.#channel.onmessage = null;
    this.#files.onopen = this.#files.onmessage = this.#files.onbufferedamountlow = null;
    this.pc.onnegotiationneeded = this.pc.onicecandidate = this.pc.ontrack = null;
    this.pc.onconnectionstatechange = null;
    this.pc.close();
    this.streams.clear();
    this.events.emit('closed');
  }

  async #negotiate(): Promise<void> {
    try {
      this.#makingOffer = true;
      await this.pc.setLocalDescription();
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
    // In-band only while the path is healthy: an ICE restart must go through the relay.
    if (this.connected && this.pc.connectionState === 'connected') this.#sendFrames(FrameKind.signal, new TextEncoder().encode(JSON.stringify(signal)));
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
    if (message.kind === FrameKind.sync) {
      this.events.emit('sync', message.payload);
    } else {
      let signal: unknown;
      try {
        signal = JSON.parse(new TextDecoder().decode(message.payload));
      } catch {
        this.events.emit('error', new ParleyError('peer', `Peer ${this.id} sent a malformed signal`));
        return;
      }
      this.handleSignal(signal);
    }
  }

  #onTrack({ track, streams }: RTCTrackEvent): void {
    const stream = streams[0] ?? new MediaStream([track]);
    if (!this.streams.has(stream.id)) {
      this.streams.set(stream.id, stream);
      stream.addEventListener('removetrack', () => {
        if (stream.getTracks().length === 0) this.streams.delete(stream.id);
        this.events.emit('streams');
      });
    }
    track.addEventListener('ended', () => this.events.emit('streams'));
    this.events.emit('streams');
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
