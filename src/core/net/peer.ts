// One RTCPeerConnection to one remote peer. The impolite side builds the pair and its first
// offer already carries every m-line a call can need (microphone, camera, screen, screen
// audio, and the data channels), so media never renegotiates: joining, leaving, muting,
// camera on/off, a device switch and a screen share are `replaceTrack` on those pre-made
// transceivers. The only offers after the first are ICE restarts (negotiation.ts). Until
// the data channel opens, signals travel over the relay; after, over the channel itself
// while the path is alive. A heartbeat on the channel finds a dead path in seconds; a
// channel that closes while the connection lives reopens on it.
import { createNanoEvents } from 'nanoevents';
import { CHUNK_BYTES, FrameAssembler, FrameKind, encodeFrames } from './frames.js';
import { ParleyError, log } from '../errors.js';
import { Heartbeat } from './heartbeat.js';
import { BothEnds } from './both-ends.js';
import { MediaSlots, type MediaSlot } from './media-slots.js';
import { negotiate, type Negotiation, type Signal } from './negotiation.js';

export type { LocalTracks, MediaSlot } from './media-slots.js';
export { DISCONNECTED_GRACE_MS, OFFER_RESEND_MS, type Signal } from './negotiation.js';

/** Negotiated data channel shared by Yjs sync, in-band signaling and the heartbeat. */
const DATA_CHANNEL = { label: 'parley', id: 0 };
/** Negotiated data channel for file transfer only (files.ts), so a big file never delays an edit. */
const FILE_CHANNEL = { label: 'parley-files', id: 1 };
/** The file channel asks for more data (a `files-drain` event) when its queue falls below this. */
export const FILE_CHANNEL_LOW_WATER = 512 * 1024;
/** A channel re-opened after a close that does not open within this: the peer is gone. */
export const REOPEN_TIMEOUT_MS = 5000;

export interface PeerEvents {
  /** A signal to deliver to the remote peer over the relay (channel not open or path dead). */
  signal: (signal: Signal) => void;
  /** The data channel is open (first time, or again after it was re-opened): (re)sync. */
  open: () => void;
  /** A complete sync message arrived. */
  sync: (payload: Uint8Array) => void;
  /** The answerer learned the media slots from the first offer: local tracks can go on. */
  slots: () => void;
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
  /** TURN only: the `relay` ICE policy. */
  relay?: boolean;
  /** The camera's first sending size (4: a quarter), set before any track (see MediaSlots). */
  cameraScale?: number;
}

export class Peer {
  readonly events = createNanoEvents<PeerEvents>();
  readonly pc: RTCPeerConnection;
  /** What this peer sends us: microphone and camera, and the screen share with its sound. */
  readonly camera: MediaStream;
  readonly screen: MediaStream;
  /** Offers this side has sent (the first one, then ICE restarts only). */
  offers = 0;
  closed = false;
  /** Closed because a description could not be applied (the pair is rebuilt at once). */
  wedged = false;

  readonly #media: MediaSlots;
  readonly #negotiation: Negotiation;
  readonly #heartbeat: Heartbeat;
  #channel!: RTCDataChannel;
  #files!: RTCDataChannel;
  /** Whether each channel's other end is known to exist (both-ends.ts). */
  #channelEnds!: BothEnds;
  #filesEnds!: BothEnds;
  #assembler = new FrameAssembler();
  readonly #reopenTimers: Record<string, ReturnType<typeof setTimeout> | undefined> = {};

  constructor(
    readonly id: string,
    localId: string,
    options: PeerOptions = {},
  ) {
    // Any fixed, shared rule works; both sides agree on who yields. The impolite side is
    // also the one that builds the pair and offers first (the hello rule, mesh.ts).
    const polite = localId < id;
    this.pc = new RTCPeerConnection({ iceServers: options.iceServers ?? [], iceTransportPolicy: options.relay ? 'relay' : 'all' });
    this.#media = new MediaSlots(this.pc, !polite, options.cameraScale, () => this.events.emit('slots'));
    this.#negotiation = negotiate(this.pc, id, polite, this.#media, {
      send: (signal) => this.#sendSignal(signal),
      offered: () => this.offers++,
      // A description could not be applied: this connection cannot negotiate any more.
      // Close it; the session rebuilds the pair (targeted `bye`, then `hello`).
      wedged: (cause) => {
        if (this.closed) return;
        log.warn(`rebuilding the connection to ${this.id}`, cause);
        this.wedged = true;
        this.close();
      },
      error: (error) => this.events.emit('error', error),
    });
    this.camera = this.#media.camera;
    this.screen = this.#media.screen;
    this.#heartbeat = new Heartbeat({
      pc: this.pc,
      id,
      polite,
      closed: () => this.closed,
      ping: () => this.#sendFrames(FrameKind.ping, new Uint8Array(0)),
      restartIce: () => this.#negotiation.restartIce(),
    });
    this.#openChannel();
    this.#openFiles();
  }

  /** Sends one message on the file channel; false when it is not open. */
  sendFiles(message: Uint8Array<ArrayBuffer>): boolean {
    if (!this.#filesEnds.open) return false;
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
    return this.#channelEnds.open;
  }

  /** Feeds a signal from the remote peer; handled in arrival order. */
  handleSignal(signal: unknown): void {
    this.#negotiation.handle(signal);
  }

  /** Sends a sync message over the data channel (chunked). Dropped if not open. */
  sendSync(payload: Uint8Array): void {
    this.#sendFrames(FrameKind.sync, payload);
  }

  /** The transceiver of one media slot, once known (see MediaSlots). */
  transceiver(slot: MediaSlot): RTCRtpTransceiver | undefined {
    return this.#media.transceiver(slot);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.#negotiation.stop();
    this.#heartbeat.stop();
    for (const timer of Object.values(this.#reopenTimers)) clearTimeout(timer);
    for (const channel of [this.#channel, this.#files]) channel.onopen = channel.onclose = channel.onmessage = channel.onbufferedamountlow = null;
    this.pc.close();
    this.events.emit('closed');
  }

  #openChannel(): void {
    const channel = this.pc.createDataChannel(DATA_CHANNEL.label, { negotiated: true, id: DATA_CHANNEL.id });
    this.#channel = channel;
    this.#assembler = new FrameAssembler(); // a message cut by the close is gone with it
    channel.bufferedAmountLowThreshold = CHUNK_BYTES * 4;
    this.#channelEnds = new BothEnds(channel, () => {
      clearTimeout(this.#reopenTimers.channel);
      this.#heartbeat.start();
      this.events.emit('open');
    });
    channel.onclose = () => {
      this.#heartbeat.stop();
      this.#reopen('channel', () => this.#openChannel());
    };
    channel.onmessage = (event) => this.#onChannelMessage(event.data);
  }

  #openFiles(): void {
    const files = this.pc.createDataChannel(FILE_CHANNEL.label, { negotiated: true, id: FILE_CHANNEL.id });
    this.#files = files;
    files.bufferedAmountLowThreshold = FILE_CHANNEL_LOW_WATER;
    this.#filesEnds = new BothEnds(files, () => {
      clearTimeout(this.#reopenTimers.files);
      this.events.emit('files-open');
    });
    files.onbufferedamountlow = () => this.events.emit('files-drain');
    files.onmessage = ({ data }) => {
      if (this.#filesEnds.heard(data)) return;
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
      if (!this.closed && !(which === 'channel' ? this.#channelEnds : this.#filesEnds).open) this.close();
    }, REOPEN_TIMEOUT_MS);
  }

  /** Whether the data channel's path is alive (in-band signals get through). */
  get #pathAlive(): boolean {
    return this.connected && this.pc.connectionState === 'connected' && this.#heartbeat.recent;
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
    this.#heartbeat.heard();
    if (this.#channelEnds.heard(data)) return;
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
      // The heartbeat: each side pings every HEARTBEAT_MS, and hearing the other's pings is
      // the sign of life. (A pong, which older versions sent back, adds nothing.)
      case FrameKind.ping:
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
}
