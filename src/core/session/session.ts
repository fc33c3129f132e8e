// A Session is everything one page shares about one room: the Y.Doc and its awareness,
// the mesh (relay connection, one Peer per remote participant), and the local
// camera/mic/screen. Peers connect for the document as soon as they share the room; a call
// (join) only adds media to connections that already exist.
import * as Y from 'yjs';
import { Awareness } from 'y-protocols/awareness';
import { createNanoEvents } from 'nanoevents';
import { DocSync } from '../sync/sync.js';
import { DocStore } from '../sync/persistence.js';
import type { CursorState } from '../forms/form-binding.js';
import type { LocalTracks, Peer } from '../net/peer.js';
import { Mesh } from '../net/mesh.js';
import { ParleyError } from '../errors.js';
import { isRecord, MAX_NAME_LENGTH } from '../net/signaling.js';
import { randomHex } from '../hex.js';
import type { MediaRequest } from '../call/media.js';
import { loadDeviceChoice, saveDeviceChoice, type DeviceChoice, type DeviceKind } from '../call/device-choice.js';
import { QualityMonitor, captureShape, type QualityProfile } from '../call/quality.js';

export { defaultSignalingUrl, REANNOUNCE_DELAY_MS } from '../net/mesh.js';

export interface SessionConfig {
  /** Relay WebSocket URL. Default: ws(s)://<page host>:4444. */
  signaling?: string;
  /** JWT for a relay that requires one. */
  token?: string;
  /**
   * Room password: seals every message through the relay (only people with the same
   * password see each other; the relay reads nothing). See docs/security.md.
   */
  password?: string;
  /** Display name shown to others when the relay vouches for none (a token without a name). */
  name?: string;
  /** Display colour (any CSS colour). Default: derived from the client id. */
  color?: string;
  iceServers?: RTCIceServer[];
  /**
   * Most people in the call (media), you included; the next one is refused with a
   * `call-full` error. Default MAX_PARTICIPANTS. See docs/mesh-and-sfu.md for why.
   */
  maxParticipants?: number;
  /** Camera quality: a fixed profile, or `auto` (default) to adapt per peer to the network. */
  quality?: QualityProfile;
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
  /** Where in that field (for remote carets), see form-binding.ts. */
  cursor?: CursorState | null;
  /** Width in device pixels at which this participant shows each peer's camera (quality.ts). */
  view?: Record<string, number>;
  /** Recording the call (recorder.ts): everyone shows it. */
  recording?: boolean;
}

export interface Participant {
  /** Peer id; for the local participant, the session's own id. */
  id: string;
  isLocal: boolean;
  /** The name the relay vouched for (the host app's token), else the one they set. */
  name: string;
  /** Whether `name` is vouched for by the relay; else anyone could have typed it. */
  verified: boolean;
  color: string;
  media: MediaState | null;
  camera: MediaStream | null;
  screen: MediaStream | null;
  /** Recording the call right now. */
  recording: boolean;
}

export interface SessionEvents {
  /** Participants, media or presence changed: re-render. */
  change: () => void;
  'peer-joined': (peer: { id: string; name: string }) => void;
  'peer-left': (peer: { id: string; name: string }) => void;
  /** A connection to a remote peer was created: features (files) attach to its channels. */
  peer: (peer: Peer) => void;
  /** Every connected peer now holds all of the local document state. */
  synced: () => void;
  error: (error: ParleyError) => void;
}

/**
 * How long a new session waits to hear the room's existing state before it considers
 * itself alone (fields then seed their server-rendered values).
 */
export const SETTLE_TIMEOUT_MS = 2500;

/**
 * Default most people in one call. Every participant uploads their video once per other
 * participant (a mesh), so upload bandwidth and encoder CPU grow with each person.
 */
export const MAX_PARTICIPANTS = 6;

// Participant colours: each carries white text at a contrast of at least 4.5:1 (WCAG AA).
const PALETTE = ['#b3261e', '#00695c', '#8a5300', '#2e7d32', '#6a1b9a', '#1f4e79', '#ad1457', '#37474f'];

export class Session {
  readonly events = createNanoEvents<SessionEvents>();
  readonly doc = new Y.Doc();
  readonly awareness = new Awareness(this.doc);
  readonly id = randomId();
  /** Remote peer id → its connection (the mesh's). */
  readonly peers: Map<string, Peer>;
  /** Per-peer stats and send-quality adaptation. */
  readonly quality: QualityMonitor = new QualityMonitor(this);
  localStream: MediaStream | null = null;
  screenStream: MediaStream | null = null;

  readonly #sync: DocSync;
  readonly #mesh: Mesh;
  readonly #joined = new Map<string, string>(); // peer id → name, once we have its presence
  /** Document client → the peer id it belongs to, as its own presence said (sync.ts checks who may say it). */
  readonly #writers = new Map<number, string>();
  #config: SessionConfig = {};
  #settle!: () => void;
  #settled = new Promise<void>((resolve) => (this.#settle = resolve));
  #synced = false;
  #destroyed = false;
  #joining: Promise<void> | null = null;
  /** In the call without camera or microphone (capture was refused): receiving only. */
  #watching = false;
  /** Who was in the call at the last presence change (peer ids), to tell when it changes. */
  #inCallPeers = '';
  #persistence: DocStore | null = null;
  #devices: DeviceChoice = loadDeviceChoice();

  constructor(readonly room: string, config: SessionConfig = {}) {
    this.#config = { ...config };
    this.#sync = new DocSync(this.doc, this.awareness, {
      onError: (peerId, cause) =>
        this.#error(new ParleyError('sync', `Dropped a malformed message from ${peerId}`, { cause })),
      onPeerSynced: () => this.#settle(),
      onStateVector: () => this.#checkSynced(),
      onRefused: (peerId, reason) => this.#error(new ParleyError('trust', `Dropped ${reason} from ${peerId}: a peer speaks only for itself`)),
    });
    this.#mesh = new Mesh(room, this.id, {
      config: () => this.#config,
      onPeer: (peer) => this.#attach(peer),
      onPeerClosed: (peer) => this.#detach(peer),
      onAlone: () => this.#settle(),
      onError: (error) => this.#error(error),
      onIdentity: () => this.events.emit('change'),
    });
    this.peers = this.#mesh.peers;
    this.awareness.setLocalState({
      user: { name: config.name ?? '', color: config.color ?? PALETTE[this.doc.clientID % PALETTE.length] },
      peer: this.id,
      media: null,
    } satisfies PresenceState);
    this.awareness.on('change', this.#onPresence);
    globalThis.addEventListener?.('pagehide', this.#onPageHide);
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
    if (before.signaling !== this.#config.signaling || before.token !== this.#config.token || before.password !== this.#config.password) {
      this.#mesh.reconnect();
    }
    if (before.quality !== this.#config.quality) void this.quality.applyProfile();
  }

  /**
   * Resolves once this session has either received a peer's full document state, learned
   * from the relay that it is alone in the room, or waited SETTLE_TIMEOUT_MS.
   */
  whenSettled(): Promise<void> {
    return this.#persistence ? Promise.all([this.#settled, this.#persistence.loaded]).then(() => {}) : this.#settled;
  }

  /**
   * Keeps the room's document in this browser's IndexedDB, so edits survive a reload (and
   * merge with the room when it is back). Call before binding fields. Idempotent.
   */
  persist(): Promise<void> {
    this.#persistence ??= new DocStore(this.room, this.doc, (cause) =>
      this.#error(new ParleyError('sync', 'Could not keep the form in this browser (IndexedDB)', { cause })),
    );
    return this.#persistence.loaded;
  }

  /** Whether every connected peer holds all of the local document state. */
  get synced(): boolean {
    return this.#synced;
  }

  /** Connects to the relay; peers follow. Idempotent. */
  start(): void {
    if (this.#mesh.started) return;
    setTimeout(() => this.#settle(), SETTLE_TIMEOUT_MS);
    this.#mesh.start();
    this.quality.start();
  }

  /**
   * Goes offline: closes the relay connection and every peer connection. The document
   * and everything typed meanwhile stay, and merge with the room on the next start().
   */
  disconnect(): void {
    this.#mesh.disconnect();
  }

  get localPresence(): PresenceState {
    return this.awareness.getLocalState() as PresenceState;
  }

  /**
   * Starts camera and/or microphone and sends them to everyone in the call (media goes
   * only to people who joined). Rejects with a ParleyError (also an `error` event) when
   * capture fails; when it was refused (`permission-denied`) or there is no such device
   * (`no-device`) you are still in the call without them, seeing and hearing the others,
   * until leave() (join() again once the device is allowed). Rejects with code `media`
   * when the session is destroyed before the camera starts (it is turned off again).
   */
  join(request: MediaRequest = { audio: true, video: true }): Promise<void> {
    if (this.localStream) return Promise.resolve();
    // A second call while the first waits for the camera (a double click) shares it.
    this.#joining ??= this.#join(request).finally(() => (this.#joining = null));
    return this.#joining;
  }

  async #join(request: MediaRequest): Promise<void> {
    if (this.#destroyed) throw ended();
    const max = this.#config.maxParticipants ?? MAX_PARTICIPANTS;
    const inCall = this.participants().filter((p) => !p.isLocal && p.media).length;
    if (inCall >= max) {
      const error = new ParleyError(
        'call-full',
        `This call is full: ${inCall} people are in it, the most it takes (${max}). You can still edit the form; try joining again when someone leaves.`,
      );
      this.#error(error);
      throw error;
    }
    let stream: MediaStream;
    try {
      const { captureUserMedia } = await loadMedia();
      stream = await captureUserMedia(request, this.#devices, captureShape(this.#config.quality));
    } catch (error) {
      // No camera or microphone (denied, or none there): still in the call, to see and
      // hear the others; join() again once the device is allowed.
      const code = (error as ParleyError).code;
      if (!this.#destroyed && (code === 'permission-denied' || code === 'no-device')) {
        this.#watching = true;
        this.#publishMedia();
      }
      this.#error(error as ParleyError);
      throw error;
    }
    // Destroyed while the camera started (the page removed the room during the prompt):
    // turn it off again rather than leave it on with nobody to see.
    if (this.#destroyed) {
      stream.getTracks().forEach((t) => t.stop());
      throw ended();
    }
    this.localStream = stream;
    this.#publishMedia();
  }

  /** Leaves the call: stops capture and removes media from every peer. Data sync goes on. */
  leave(): void {
    this.#watching = false;
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

  /** The chosen camera, microphone and speaker (remembered per origin). */
  get devices(): Readonly<DeviceChoice> {
    return this.#devices;
  }

  /**
   * Uses this camera, microphone or speaker from now on and remembers the choice. In a
   * call, the new track replaces the old one in every connection without renegotiating.
   */
  async setDevice(kind: DeviceKind, deviceId: string): Promise<void> {
    const stream = this.localStream;
    const old = kind === 'camera' ? stream?.getVideoTracks()[0] : kind === 'microphone' ? stream?.getAudioTracks()[0] : undefined;
    if (stream && old && kind !== 'speaker') {
      let next: MediaStreamTrack;
      try {
        const { captureTrack } = await loadMedia();
        next = await captureTrack(kind, deviceId, captureShape(this.#config.quality));
      } catch (error) {
        this.#error(error as ParleyError);
        throw error;
      }
      // Left the call, or another switch replaced the track, while this one was starting.
      if (this.localStream !== stream || !stream.getTracks().includes(old)) return next.stop();
      next.enabled = old.enabled;
      stream.removeTrack(old);
      stream.addTrack(next);
      old.stop();
      await this.#sendMedia(); // replaceTrack on every connection: no renegotiation
    }
    this.#devices = { ...this.#devices, [kind]: deviceId };
    saveDeviceChoice(this.#devices);
    this.events.emit('change');
  }

  /** Shares a screen, window or tab the user picks; rejects like join() does. */
  async startScreenShare(): Promise<void> {
    if (this.screenStream) return;
    let stream: MediaStream;
    try {
      const { captureScreen } = await loadMedia();
      stream = await captureScreen();
    } catch (error) {
      this.#error(error as ParleyError);
      throw error;
    }
    if (this.#destroyed || this.screenStream) {
      stream.getTracks().forEach((t) => t.stop());
      if (this.#destroyed) throw ended();
      return;
    }
    this.screenStream = stream;
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

  /** Everyone in the room with their presence and streams, local participant first (none once destroyed). */
  participants(): Participant[] {
    const local = this.localPresence as PresenceState | null;
    if (!local) return [];
    const own = this.#mesh.identityOf(this.id);
    const list: Participant[] = [
      {
        id: this.id,
        isLocal: true,
        name: own?.name || capName(local.user.name),
        verified: own !== null,
        color: local.user.color,
        media: local.media,
        camera: this.localStream,
        screen: this.screenStream,
        recording: local.recording === true,
      },
    ];
    for (const [, state] of this.awareness.getStates()) {
      const presence = state as Partial<PresenceState>;
      if (!presence.peer || presence.peer === this.id || !presence.user) continue;
      const peer = this.peers.get(presence.peer);
      if (!peer || peer.closed) continue;
      const media = presence.media ?? null;
      // Media reaches us only while we are in the call too (see #sendMedia on their side).
      const receiving = this.#inCallOrSharing;
      const camera = receiving && media?.camera ? peer.camera : null;
      const screen = receiving && media?.screen ? peer.screen : null;
      const identity = this.#mesh.identityOf(presence.peer);
      list.push({
        id: presence.peer,
        isLocal: false,
        name: identity?.name || capName(String(presence.user.name ?? '')),
        verified: identity !== null,
        color: String(presence.user.color ?? PALETTE[0]),
        media,
        camera,
        screen,
        recording: presence.recording === true,
      });
    }
    return list;
  }

  /**
   * The name to show for someone's presence: the one the relay vouched for behind its peer
   * id, else the name it declared (capped to MAX_NAME_LENGTH), else "Guest".
   */
  nameOf(presence: Partial<PresenceState>): string {
    const identity = typeof presence.peer === 'string' ? this.#mesh.identityOf(presence.peer) : null;
    return identity?.name || capName(String(presence.user?.name ?? '')) || 'Guest';
  }

  /**
   * The peer whose document client wrote something (an item's `id.client`), once this page
   * has heard that client's own presence; null when it never has. Locks, assignments and
   * chat entries count only when written by the peer they name.
   */
  writerOf(client: number): string | null {
    return client === this.doc.clientID ? this.id : (this.#writers.get(client) ?? null);
  }

  /** Whether the relay vouched for the name of the peer behind `peer`. */
  isVerified(peer: string): boolean {
    return this.#mesh.identityOf(peer) !== null;
  }

  /** Sets (part of) the local presence, e.g. the field the user is in. */
  setPresence(patch: Partial<Pick<PresenceState, 'field' | 'cursor' | 'view'>>): void {
    this.#setPresence(patch);
  }

  destroy(): void {
    this.#destroyed = true;
    this.quality.stop();
    this.leave(); // while the peers are still there to hear it
    this.#mesh.destroy();
    this.#sync.destroy();
    void this.#persistence?.destroy();
    this.awareness.off('change', this.#onPresence);
    globalThis.removeEventListener?.('pagehide', this.#onPageHide);
    this.awareness.destroy();
    this.doc.destroy();
  }

  /** A new connection: sync the document over it and send it the local media. */
  #attach(peer: Peer): void {
    const id = peer.id;
    peer.events.on('open', () => this.#sync.addPeer(id, (bytes) => peer.sendSync(bytes)));
    peer.events.on('sync', (bytes) => this.#sync.receive(id, bytes));
    peer.events.on('streams', () => this.events.emit('change'));
    peer.events.on('error', (error) => this.#error(error));
    void this.#sendMediaTo(peer);
    this.events.emit('peer', peer);
  }

  #detach(peer: Peer): void {
    const id = peer.id;
    this.#sync.removePeer(id);
    this.#checkSynced();
    const name = this.#joined.get(id);
    if (name !== undefined) {
      this.#joined.delete(id);
      this.events.emit('peer-left', { id, name });
    }
    this.events.emit('change');
  }

  #checkSynced(): void {
    const synced = [...this.peers.values()].some((p) => p.connected) && this.#sync.allPeersHaveOurState();
    if (synced === this.#synced) return;
    this.#synced = synced;
    if (synced) this.events.emit('synced');
  }

  /** In the call (camera or microphone), or sharing a screen without joining. */
  get #inCallOrSharing(): boolean {
    return this.localStream !== null || this.screenStream !== null || this.#watching;
  }

  /** Whether a remote peer is in the call, by its presence: only then does it get our media. */
  #peerInCall(id: string): boolean {
    for (const state of this.awareness.getStates().values()) {
      const presence = state as Partial<PresenceState>;
      if (presence.peer === id) return isRecord(presence.media);
    }
    return false;
  }

  /**
   * Puts the local tracks on a connection's pre-made transceivers, or takes them off: a
   * peer that is not in the call (it shares the form only) receives no media at all.
   */
  #sendMediaTo(peer: Peer): Promise<void> {
    const tracks: LocalTracks = {};
    if (this.#peerInCall(peer.id)) {
      tracks.microphone = this.localStream?.getAudioTracks()[0];
      tracks.camera = this.localStream?.getVideoTracks()[0];
      tracks.screen = this.screenStream?.getVideoTracks()[0];
      tracks['screen-audio'] = this.screenStream?.getAudioTracks()[0];
    }
    // In auto, the camera starts at half size (a faster first frame) and quality.ts adapts it.
    return peer.setTracks(tracks, (this.#config.quality ?? 'auto') === 'auto' ? 2 : undefined);
  }

  #sendMedia(): Promise<void> {
    return Promise.all([...this.peers.values()].map((peer) => this.#sendMediaTo(peer))).then(() => {});
  }

  #publishMedia(): void {
    void this.#sendMedia();
    const stream = this.localStream;
    this.#setPresence({
      media: stream
        ? {
            audio: stream.getAudioTracks().some((t) => t.enabled),
            video: stream.getVideoTracks().some((t) => t.enabled),
            camera: stream.id,
            screen: this.screenStream?.id,
          }
        : this.screenStream || this.#watching
          ? { audio: false, video: false, screen: this.screenStream?.id }
          : null,
    });
    this.events.emit('change');
  }

  #setPresence(patch: Partial<PresenceState>): void {
    this.awareness.setLocalState({ ...this.localPresence, ...patch });
  }

  #onPresence = () => {
    for (const [client, state] of this.awareness.getStates()) {
      const peer = (state as Partial<PresenceState>).peer;
      if (typeof peer === 'string' && !this.#writers.has(client)) this.#writers.set(client, peer);
    }
    // Presence changes with every caret move; tracks change only when who is in the call does.
    const inCall = [...this.awareness.getStates().values()]
      .filter((s) => isRecord((s as Partial<PresenceState>).media))
      .map((s) => (s as Partial<PresenceState>).peer)
      .join();
    if (inCall !== this.#inCallPeers) {
      this.#inCallPeers = inCall;
      void this.#sendMedia();
    }
    for (const [, state] of this.awareness.getStates()) {
      const presence = state as Partial<PresenceState>;
      const id = presence.peer;
      if (typeof id !== 'string' || id === this.id || this.#joined.has(id) || !this.peers.has(id)) continue;
      const name = this.nameOf(presence);
      this.#joined.set(id, name);
      this.events.emit('peer-joined', { id, name });
    }
    this.events.emit('change');
  };

  /**
   * The page goes away (navigation, tab closed, or into the back/forward cache): camera,
   * microphone and screen stop now. A page kept in that cache would otherwise hold the
   * camera, unseen, and the browser's other pages would get no frames from it.
   */
  #onPageHide = () => {
    if (this.#inCallOrSharing) this.leave();
  };

  #error(error: ParleyError): void {
    this.events.emit('error', error);
  }
}

/** Longest self-declared name shown (a verified one is capped by the relay client). */
const capName = (name: string) => name.slice(0, MAX_NAME_LENGTH);

function randomId(): string {
  return randomHex(12);
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** What join() and startScreenShare() reject with once the session is destroyed. */
const ended = () => new ParleyError('media', 'This session has ended.');

/** Capture code, loaded when someone first joins or shares (a form-only page never does). */
const loadMedia = () => import('../call/media.js');
