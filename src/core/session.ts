// A Session is everything one page shares about one room: the Y.Doc and its awareness,
// the relay connection, one Peer per remote participant, and the local camera/mic/screen.
// Peers connect for the document as soon as they share the room; a call (join) only adds
// media to connections that already exist.
import * as Y from 'yjs';
import { Awareness } from 'y-protocols/awareness';
import { createNanoEvents } from 'nanoevents';
import { SignalingClient, isRecord } from './signaling.js';
import { DocSync } from './sync.js';
import { Peer } from './peer.js';
import { ParleyError } from './errors.js';
import { captureScreen, captureUserMedia, type MediaRequest } from './media.js';

export interface SessionConfig {
  /** Relay WebSocket URL. Default: ws(s)://<page host>:4444. */
  signaling?: string;
  /** JWT for a relay that requires one. */
  token?: string;
  /** Display name shown to others. */
  name?: string;
  /** Display colour (any CSS colour). Default: derived from the client id. */
  color?: string;
  iceServers?: RTCIceServer[];
}

export interface MediaState {
  audio: boolean;
  video: boolean;
  /** Stream ids, so receivers can tell the camera from a screen share. */
  camera?: string;
  screen?: string;
}

/** What each participant publishes in awareness. */
export interface PresenceState {
  user: { name: string; color: string };
  peer: string;
  media: MediaState | null;
  /** Key of the field this participant is in, if any. */
  field?: string | null;
}

export interface Participant {
  /** Peer id; for the local participant, the session's own id. */
  id: string;
  isLocal: boolean;
  name: string;
  color: string;
  media: MediaState | null;
  camera: MediaStream | null;
  screen: MediaStream | null;
}

export interface SessionEvents {
  /** Participants, media or presence changed: re-render. */
  change: () => void;
  'peer-joined': (peer: { id: string; name: string }) => void;
  'peer-left': (peer: { id: string; name: string }) => void;
  error: (error: ParleyError) => void;
}

type RelayMessage =
  | { type: 'hello'; from: string }
  | { type: 'signal'; from: string; to: string; signal: unknown }
  | { type: 'bye'; from: string };

const PALETTE = ['#d1495b', '#00798c', '#edae49', '#66a182', '#8d5a97', '#2e4057', '#f26419', '#3d5a80'];

export class Session {
  readonly events = createNanoEvents<SessionEvents>();
  readonly doc = new Y.Doc();
  readonly awareness = new Awareness(this.doc);
  readonly id = randomId();
  readonly peers = new Map<string, Peer>();
  localStream: MediaStream | null = null;
  screenStream: MediaStream | null = null;

  readonly #sync: DocSync;
  readonly #joined = new Map<string, string>(); // peer id → name, once we have its presence
  #config: SessionConfig = {};
  #signaling: SignalingClient | null = null;
  #started = false;

  constructor(readonly room: string, config: SessionConfig = {}) {
    this.#config = { ...config };
    this.#sync = new DocSync(this.doc, this.awareness, (peerId, cause) =>
      this.#error(new ParleyError('sync', `Dropped a malformed message from ${peerId}`, { cause })),
    );
    this.awareness.setLocalState({
      user: { name: config.name ?? '', color: config.color ?? PALETTE[this.doc.clientID % PALETTE.length] },
      peer: this.id,
      media: null,
    } satisfies PresenceState);
    this.awareness.on('change', this.#onPresence);
  }

  get config(): Readonly<SessionConfig> {
    return this.#config;
  }

  get inCall(): boolean {
    return this.localStream !== null;
  }

  /** Updates the configuration; a changed relay URL or token reconnects. */
  configure(config: SessionConfig): void {
    const before = this.#config;
    this.#config = { ...before, ...stripUndefined(config) };
    const user = this.localPresence.user;
    if (config.name !== undefined || config.color !== undefined) {
      this.#setPresence({ user: { name: config.name ?? user.name, color: config.color ?? user.color } });
    }
    if (this.#started && (before.signaling !== this.#config.signaling || before.token !== this.#config.token)) {
      this.#signaling?.close();
      this.#signaling = null;
      this.#connectSignaling();
    }
  }

  /** Connects to the relay; peers follow. Idempotent. */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#connectSignaling();
    globalThis.addEventListener?.('pagehide', this.#onPageHide);
  }

  get localPresence(): PresenceState {
    return this.awareness.getLocalState() as PresenceState;
  }

  /** Starts camera and/or microphone and sends them to every peer. */
  async join(request: MediaRequest = { audio: true, video: true }): Promise<void> {
    if (this.localStream) return;
    try {
      this.localStream = await captureUserMedia(request);
    } catch (error) {
      this.#error(error as ParleyError);
      throw error;
    }
    this.#publishMedia();
  }

  /** Leaves the call: stops capture and removes media from every peer. Data sync goes on. */
  leave(): void {
    this.stopScreenShare();
    this.localStream?.getTracks().forEach((t) => t.stop());
    this.localStream = null;
    this.#publishMedia();
  }

  setAudioEnabled(enabled: boolean): void {
    this.localStream?.getAudioTracks().forEach((t) => (t.enabled = enabled));
    this.#publishMedia();
  }

  setVideoEnabled(enabled: boolean): void {
    this.localStream?.getVideoTracks().forEach((t) => (t.enabled = enabled));
    this.#publishMedia();
  }

  async startScreenShare(): Promise<void> {
    if (this.screenStream) return;
    try {
      this.screenStream = await captureScreen();
    } catch (error) {
      this.#error(error as ParleyError);
      throw error;
    }
    // The browser's own "Stop sharing" ends the track.
    this.screenStream.getVideoTracks()[0]?.addEventListener('ended', () => this.stopScreenShare());
    this.#publishMedia();
  }

  stopScreenShare(): void {
    if (!this.screenStream) return;
    this.screenStream.getTracks().forEach((t) => t.stop());
    this.screenStream = null;
    this.#publishMedia();
  }

  /** Everyone in the room with their presence and streams, local participant first. */
  participants(): Participant[] {
    const local = this.localPresence;
    const list: Participant[] = [
      {
        id: this.id,
        isLocal: true,
        name: local.user.name,
        color: local.user.color,
        media: local.media,
        camera: this.localStream,
        screen: this.screenStream,
      },
    ];
    for (const [, state] of this.awareness.getStates()) {
      const presence = state as Partial<PresenceState>;
      if (!presence.peer || presence.peer === this.id || !presence.user) continue;
      const peer = this.peers.get(presence.peer);
      if (!peer || peer.closed) continue;
      const media = presence.media ?? null;
      const streams = [...peer.streams.values()];
      const screen = media?.screen ? (peer.streams.get(media.screen) ?? null) : null;
      const camera = media
        ? ((media.camera ? peer.streams.get(media.camera) : undefined) ?? streams.find((s) => s !== screen) ?? null)
        : null;
      list.push({
        id: presence.peer,
        isLocal: false,
        name: String(presence.user.name ?? ''),
        color: String(presence.user.color ?? PALETTE[0]),
        media,
        camera,
        screen,
      });
    }
    return list;
  }

  /** Sets (part of) the local presence, e.g. the field the user is in. */
  setPresence(patch: Partial<Pick<PresenceState, 'field'>>): void {
    this.#setPresence(patch);
  }

  destroy(): void {
    this.leave();
    this.#signaling?.publish(this.room, { type: 'bye', from: this.id } satisfies RelayMessage);
    this.#signaling?.close();
    for (const peer of this.peers.values()) peer.close();
    this.#sync.destroy();
    this.awareness.off('change', this.#onPresence);
    this.awareness.destroy();
    this.doc.destroy();
    globalThis.removeEventListener?.('pagehide', this.#onPageHide);
  }

  #connectSignaling(): void {
    const signaling = new SignalingClient(this.#config.signaling ?? defaultSignalingUrl(), this.#config.token);
    this.#signaling = signaling;
    signaling.events.on('open', () => signaling.publish(this.room, { type: 'hello', from: this.id }));
    signaling.events.on('message', (_topic, data) => this.#onRelayMessage(data));
    signaling.events.on('error', (error) => this.#error(error));
    signaling.subscribe(this.room);
    signaling.connect();
  }

  #onRelayMessage(data: unknown): void {
    if (!isRecord(data) || typeof data.from !== 'string' || data.from === this.id || data.from.length > 64) return;
    const from = data.from;
    switch (data.type) {
      case 'hello': {
        const existing = this.peers.get(from);
        if (!existing || existing.closed) this.#createPeer(from);
        break;
      }
      case 'signal':
        if (data.to !== this.id) return;
        (this.peers.get(from) ?? this.#createPeer(from)).handleSignal(data.signal);
        break;
      case 'bye':
        this.peers.get(from)?.close();
        break;
    }
  }

  #createPeer(id: string): Peer {
    this.peers.get(id)?.close();
    const peer = new Peer(id, this.id, { iceServers: this.#config.iceServers });
    this.peers.set(id, peer);
    peer.events.on('signal', (signal) =>
      this.#signaling?.publish(this.room, { type: 'signal', from: this.id, to: id, signal } satisfies RelayMessage),
    );
    peer.events.on('open', () => this.#sync.addPeer(id, (bytes) => peer.sendSync(bytes)));
    peer.events.on('sync', (bytes) => this.#sync.receive(id, bytes));
    peer.events.on('streams', () => this.events.emit('change'));
    peer.events.on('error', (error) => this.#error(error));
    peer.events.on('closed', () => {
      if (this.peers.get(id) === peer) this.peers.delete(id);
      this.#sync.removePeer(id);
      const name = this.#joined.get(id);
      if (name !== undefined) {
        this.#joined.delete(id);
        this.events.emit('peer-left', { id, name });
      }
      this.events.emit('change');
    });
    peer.setTracks(this.#localTracks());
    return peer;
  }

  #localTracks(): Array<{ track: MediaStreamTrack; stream: MediaStream }> {
    const tracks: Array<{ track: MediaStreamTrack; stream: MediaStream }> = [];
    for (const stream of [this.localStream, this.screenStream]) {
      for (const track of stream?.getTracks() ?? []) tracks.push({ track, stream: stream! });
    }
    return tracks;
  }

  #publishMedia(): void {
    const tracks = this.#localTracks();
    for (const peer of this.peers.values()) peer.setTracks(tracks);
    const stream = this.localStream;
    this.#setPresence({
      media: stream
        ? {
            audio: stream.getAudioTracks().some((t) => t.enabled),
            video: stream.getVideoTracks().some((t) => t.enabled),
            camera: stream.id,
            screen: this.screenStream?.id,
          }
        : this.screenStream
          ? { audio: false, video: false, screen: this.screenStream.id }
          : null,
    });
    this.events.emit('change');
  }

  #setPresence(patch: Partial<PresenceState>): void {
    this.awareness.setLocalState({ ...this.localPresence, ...patch });
  }

  #onPresence = () => {
    for (const [, state] of this.awareness.getStates()) {
      const presence = state as Partial<PresenceState>;
      const id = presence.peer;
      if (typeof id !== 'string' || id === this.id || this.#joined.has(id) || !this.peers.has(id)) continue;
      const name = String(presence.user?.name ?? '');
      this.#joined.set(id, name);
      this.events.emit('peer-joined', { id, name });
    }
    this.events.emit('change');
  };

  #onPageHide = () => {
    this.#signaling?.publish(this.room, { type: 'bye', from: this.id } satisfies RelayMessage);
  };

  #error(error: ParleyError): void {
    this.events.emit('error', error);
  }
}

export function defaultSignalingUrl(): string {
  const loc = globalThis.location;
  const secure = loc?.protocol === 'https:';
  return `${secure ? 'wss' : 'ws'}://${loc?.hostname || '127.0.0.1'}:4444`;
}

function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
