// A Session is everything one page shares about one room, and the place its parts meet:
// the Y.Doc and its awareness (sync/), the mesh (net/: relay connection, one Peer per
// remote participant), this page's part in the call (call/call-media.ts), the people in the
// room (participants.ts) and the features that live as long as it (features.ts). Peers connect for the document as soon as they share the
// room; a call (join) only adds media to connections that already exist.
import * as Y from 'yjs';
import { Awareness } from 'y-protocols/awareness';
import { createNanoEvents } from 'nanoevents';
import { DocSync } from '../sync/sync.js';
import { DocStore } from '../sync/persistence.js';
import type { Peer } from '../net/peer.js';
import { Mesh } from '../net/mesh.js';
import { ParleyError } from '../errors.js';
import { randomHex } from '../hex.js';
import type { MediaRequest } from '../call/media.js';
import type { DeviceChoice, DeviceKind } from '../call/device-choice.js';
import { CallMedia } from '../call/call-media.js';
import type { SfuMedia } from '../sfu/sfu-media.js';
import { cameraStartScale, capName, PALETTE, type Participant, type PresenceState, type SessionConfig } from './presence.js';
import { Arrivals, Roster } from './participants.js';
import { Features, type Feature, type FeatureFactory } from './features.js';

export { defaultSignalingUrl } from '../net/mesh.js';

export interface SessionEvents {
  /** Participants, media or presence changed: re-render. */
  change: () => void;
  /**
   * Only where someone's caret is (the field they are in, their selection) changed: the
   * form elements re-render, the others have nothing new to show.
   */
  caret: () => void;
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

export class Session {
  readonly events = createNanoEvents<SessionEvents>();
  readonly doc = new Y.Doc();
  readonly awareness = new Awareness(this.doc);
  readonly id = randomHex(12);
  /** Remote peer id → its connection (the mesh's). */
  readonly peers: Map<string, Peer>;

  readonly #sync: DocSync;
  readonly #mesh: Mesh;
  readonly #call = new CallMedia(this, {
    // A new presence is a change already (awareness says so); the same one, with new local
    // streams behind it, is one too.
    publish: (media) => this.#setPresence({ media }) || this.#changed(),
    error: (error) => this.#error(error),
    changed: () => this.#changed(),
  });
  readonly #features = new Features<Session>(this);
  readonly #roster: Roster;
  readonly #arrivals = new Arrivals();
  #config: SessionConfig = {};
  #settle!: () => void;
  #settled = new Promise<void>((resolve) => (this.#settle = resolve));
  #synced = false;
  #persistence: DocStore | null = null;

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
      onIdentity: () => this.#changed(),
      peerOptions: () => ({ cameraScale: cameraStartScale(this.#config.quality) }),
    });
    this.peers = this.#mesh.peers;
    this.#roster = new Roster(this, {
      receivingMedia: () => this.#call.media?.active ?? false,
      identityOf: (peer) => this.#mesh.identityOf(peer),
      streamOf: (id, media, peer, slot) => (this.#call.media ? this.#call.media.streamOf(id, media, peer, slot) : peer[slot]),
    });
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

  /**
   * The feature `create` makes for this session (quality, active speaker, files, chat…):
   * made on first use, one per session, disposed when the session is destroyed.
   */
  feature<T extends Feature>(create: FeatureFactory<never, T>): T {
    return this.#features.get(create);
  }

  /** The camera and microphone stream while in the call. */
  get localStream(): MediaStream | null {
    return this.#call.media?.stream ?? null;
  }

  /** The camera and microphone of a preview (see preview()): shown here, sent to no one. */
  get previewStream(): MediaStream | null {
    return this.#call.media?.preview ?? null;
  }

  /** The shared screen, while sharing. */
  get screenStream(): MediaStream | null {
    return this.#call.media?.screen ?? null;
  }

  /**
   * The media server (Janus) this page's call goes through, while it does (`media: 'sfu'`):
   * its `upstream` and `downstream` connections, for stats.
   */
  get sfu(): SfuMedia | null {
    return this.#call.media?.sfu ?? null;
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
    if (before.quality !== this.#config.quality) void this.#call.applyProfile();
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
   * only to people who joined). You are in the call, receiving, from the moment the browser
   * is asked for them (a permission prompt, a camera starting), with audio and video shown
   * off to the others until they are on. Rejects with a ParleyError (also an `error` event) when
   * capture fails; when it was refused (`permission-denied`) or there is no such device
   * (`no-device`) you are still in the call without them, seeing and hearing the others,
   * until leave() (join() again once the device is allowed). Rejects with code `media`
   * when the session is destroyed before the camera starts (it is turned off again).
   */
  async join(request: MediaRequest = { audio: true, video: true }): Promise<void> {
    if (this.localStream) return;
    return (await this.#call.load()).join(request);
  }

  /**
   * Starts camera and/or microphone for a look before joining (a pre-join screen): nothing
   * is sent to anyone. setDevice(), setAudioEnabled() and setVideoEnabled() act on it, and
   * join() then uses these tracks as they are, without capturing again. Rejects like join().
   */
  async preview(request: MediaRequest = { audio: true, video: true }): Promise<MediaStream> {
    return (await this.#call.load()).startPreview(request);
  }

  /**
   * Loads the call's code ahead of the first join, when the page is idle (a page showing
   * call controls does): join() then starts the camera at once. Captures nothing.
   */
  prepareCall(): void {
    void this.#call.load().then((media) => media.prepare(), () => {});
  }

  /** Turns the preview's camera and microphone off without joining. */
  stopPreview(): void {
    this.#call.media?.stopPreview();
  }

  /**
   * Leaves the call: stops capture and removes media from every peer. Data sync goes on. A
   * join() still waiting for the camera is called off (it resolves, out of the call).
   */
  leave(): void {
    this.#call.media?.leave();
  }

  setAudioEnabled(enabled: boolean): void {
    this.#call.media?.setEnabled('audio', enabled);
  }

  setVideoEnabled(enabled: boolean): void {
    this.#call.media?.setEnabled('video', enabled);
  }

  /**
   * The chosen camera, microphone and speaker (remembered per origin); empty until the
   * call's code has loaded (a join, a preview, or call controls on the page, when idle).
   */
  get devices(): Readonly<DeviceChoice> {
    return this.#call.devices;
  }

  /**
   * Uses this camera, microphone or speaker from now on and remembers the choice. In a
   * call, the new track replaces the old one in every connection without renegotiating.
   */
  setDevice(kind: DeviceKind, deviceId: string): Promise<void> {
    return this.#call.setDevice(kind, deviceId);
  }

  /** Shares a screen, window or tab the user picks; rejects like join() does. */
  async startScreenShare(): Promise<void> {
    return (await this.#call.load()).startScreenShare();
  }

  stopScreenShare(): void {
    this.#call.media?.stopScreenShare();
  }

  /**
   * Everyone in the room with their presence and streams, local participant first (none
   * once destroyed). Each person is the same object for as long as they are in the room.
   */
  participants(): Participant[] {
    return [...this.#roster.list()];
  }

  /** The person with this peer id (the session's own id: the local participant), if in the room. */
  participant(id: string): Participant | undefined {
    return this.#roster.get(id);
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
    return client === this.doc.clientID ? this.id : (this.#arrivals.writers.get(client) ?? null);
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
    this.#features.dispose();
    this.#call.destroy(); // leaves while the peers are still there to hear it
    this.#mesh.destroy();
    this.#sync.destroy();
    void this.#persistence?.destroy();
    this.awareness.off('change', this.#onPresence);
    globalThis.removeEventListener?.('pagehide', this.#onPageHide);
    this.awareness.destroy();
    this.doc.destroy();
    this.#roster.invalidate();
  }

  /**
   * A new connection: sync the document over it and send it the local media. A connection
   * made again after one was lost brings the person's presence back over it, and that
   * change renders its new streams.
   */
  #attach(peer: Peer): void {
    const id = peer.id;
    peer.events.on('open', () => this.#sync.addPeer(id, (bytes) => peer.sendSync(bytes)));
    peer.events.on('sync', (bytes) => this.#sync.receive(id, bytes));
    peer.events.on('slots', () => void this.#call.media?.sendTo(peer));
    peer.events.on('error', (error) => this.#error(error));
    void this.#call.media?.sendTo(peer);
    this.#roster.invalidate();
    this.events.emit('peer', peer);
  }

  #detach(peer: Peer): void {
    const id = peer.id;
    this.#sync.removePeer(id);
    this.#checkSynced();
    this.#roster.invalidate();
    const name = this.#arrivals.left(id);
    if (name !== undefined) this.events.emit('peer-left', { id, name });
    this.#changed();
  }

  #checkSynced(): void {
    const synced = [...this.peers.values()].some((p) => p.connected) && this.#sync.allPeersHaveOurState();
    if (synced === this.#synced) return;
    this.#synced = synced;
    if (synced) this.events.emit('synced');
  }

  /**
   * Changes our presence; a patch that changes nothing sends nothing (each change goes to
   * everyone). Whether it changed anything (and so emitted `change`, through #onPresence).
   */
  #setPresence(patch: Partial<PresenceState>): boolean {
    const current: Partial<PresenceState> = this.localPresence ?? {};
    if (Object.entries(patch).every(([key, value]) => JSON.stringify(current[key as keyof PresenceState]) === JSON.stringify(value))) return false;
    this.awareness.setLocalState({ ...this.localPresence, ...patch });
    return true;
  }

  #onPresence = () => {
    const states = this.awareness.getStates() as Map<number, Partial<PresenceState>>;
    const { arrived, changed } = this.#arrivals.update(states, this, (presence) => this.nameOf(presence));
    // A caret that moved changes no participant. Otherwise who is in the call may have
    // changed too (sending to someone already sent to costs nothing).
    if (changed) {
      this.#roster.invalidate();
      void this.#call.media?.send();
    }
    for (const person of arrived) this.events.emit('peer-joined', person);
    this.events.emit(changed ? 'change' : 'caret');
  };

  /**
   * The page goes away (navigation, tab closed, or into the back/forward cache): camera,
   * microphone and screen stop now. A page kept in that cache would otherwise hold the
   * camera, unseen, and the browser's other pages would get no frames from it.
   */
  #onPageHide = () => {
    if (this.#call.media?.active) this.leave();
    else this.#call.media?.stopPreview();
  };

  /** Participants, media or presence changed: the roster rebuilds on its next read. */
  #changed(): void {
    this.#roster.invalidate();
    this.events.emit('change');
  }

  #error(error: ParleyError): void {
    this.events.emit('error', error);
  }
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
