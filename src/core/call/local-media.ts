// This page's camera, microphone and screen in a room's call (loaded with capture on the
// first join or share: a page with only a form never loads it): capture, a device switch
// mid-call, and putting the tracks on every connection's
// pre-made transceivers — or taking them off — with replaceTrack only: nothing here ever
// renegotiates. Media goes only to peers whose presence says they are in the call; through
// the room's media server when the call goes there (sfu-link.ts).
import { ParleyError } from '../errors.js';
import { isRecord } from '../net/signaling.js';
import type { LocalTracks, Peer } from '../net/peer.js';
import type { MediaRequest } from './media.js';
import { loadDeviceChoice, saveDeviceChoice, type DeviceChoice, type DeviceKind } from './device-choice.js';
import { captureShape } from './profiles.js';
import { sendTracks } from './send-tracks.js';
import { SfuLink, type SfuHost } from './sfu-link.js';
import { cameraStartScale, MAX_PARTICIPANTS, type MediaState, type PresenceState } from '../session/presence.js';
import type { CallHooks, CallSession } from './call-media.js';
import type { SfuMedia } from '../sfu/sfu-media.js';

/** The quality monitor loads with this code, on the first join (call-media.ts starts it). */
export { qualityOf } from './quality.js';
export { AUTO_SFU_AT } from './sfu-link.js';

/** What local media needs from its session. */
export interface MediaHost extends SfuHost {
  readonly peers: ReadonlyMap<string, Peer>;
  publish(media: MediaState | null): void;
}

/**
 * What a LocalMedia reads of its session and tells it, made from what CallMedia holds
 * (call-media.ts); built here, in the call's own code, which a page with only a form never
 * loads. `destroyed` says whether the call has ended (its session destroyed).
 */
export function mediaHost(session: CallSession, hooks: CallHooks, destroyed: () => boolean): MediaHost {
  return {
    get config() {
      return session.config;
    },
    get destroyed() {
      return destroyed();
    },
    room: session.room,
    id: session.id,
    peers: session.peers,
    presences: () => session.awareness.getStates().values() as Iterable<Partial<PresenceState>>,
    othersInCall: () => session.participants().filter((p) => !p.isLocal && p.media).length,
    publish: (media) => hooks.publish(media),
    error: (error) => hooks.error(error),
    changed: () => hooks.changed(),
  };
}

export class LocalMedia {
  stream: MediaStream | null = null;
  screen: MediaStream | null = null;
  /** Camera and microphone captured for a look before joining (pre-join): sent to no one. */
  preview: MediaStream | null = null;
  #previewing: Promise<MediaStream> | null = null;
  /** Bumped when the preview is stopped: a capture that arrives after belongs to none. */
  #previewRound = 0;
  /** In the call without camera or microphone (capture was refused): receiving only. */
  #watching = false;
  #joining: Promise<void> | null = null;
  /** leave() calls so far: a join whose camera starts after one is called off. */
  #leaves = 0;
  /** The media server our camera and microphone go through (media `sfu`, or `auto` once moved). */
  readonly #link: SfuLink;

  constructor(private readonly host: MediaHost) {
    this.#link = new SfuLink(host, { publish: () => this.#publish(), leave: () => this.leave() });
  }

  /** Loads the capture code ahead of a join (see Session.prepareCall()). */
  prepare(): void {
    void loadCapture().catch(() => {}); // join() loads it again, and reports a failure
  }

  /** The chosen camera, microphone and speaker, remembered for this origin. */
  devices: Readonly<DeviceChoice> = loadDeviceChoice();

  /** Picks a device (switched at once in a call or preview) and remembers it. */
  async setDevice(kind: DeviceKind, deviceId: string): Promise<void> {
    await this.switchDevice(kind, deviceId);
    this.devices = { ...this.devices, [kind]: deviceId };
    saveDeviceChoice(this.devices);
  }

  /** In the call (camera or microphone), or sharing a screen without joining. */
  get active(): boolean {
    return this.stream !== null || this.screen !== null || this.#watching;
  }

  join(request: MediaRequest): Promise<void> {
    if (this.stream) return Promise.resolve();
    // A second call while the first waits for the camera (a double click) shares it; after a
    // leave() the first is called off, and a join is a new one.
    if (!this.#joining) {
      const joining: Promise<void> = this.#join(request).finally(() => {
        if (this.#joining === joining) this.#joining = null;
      });
      this.#joining = joining;
    }
    return this.#joining;
  }

  async #join(request: MediaRequest): Promise<void> {
    const { host } = this;
    if (host.destroyed) throw ended();
    const max = host.config.maxParticipants ?? MAX_PARTICIPANTS;
    const inCall = host.othersInCall();
    // A full mesh takes one more person only through the media server (`auto`, when it opens).
    if (host.config.media !== 'sfu' && inCall >= max && (host.config.media === 'mesh' || !(await this.#link.open()))) {
      throw this.#fail(
        new ParleyError(
          'call-full',
          'This call is full: {count} people are in it, the most it takes ({max}). You can still edit the form; try joining again when someone leaves.',
          { params: { count: inCall, max } },
        ),
      );
    }
    const watching = this.#watching;
    const leaves = this.#leaves;
    // In the call once the camera is asked for, receiving while it starts: the others begin
    // sending then, not once they see us with a camera, so a join waits for one capture, not
    // for both sides' in turn. Only when someone is in the call to send: otherwise saying so
    // brings nothing, and the work it makes on every page (renders, here and there) slows the
    // cameras starting at the same moment, ours too (two people joining at once: about 30 ms
    // later to the first frame, bench:call). Not when the media server may take the call
    // (the others would send us their media over the mesh meanwhile).
    const announce = () => {
      if (!host.othersInCall() || this.#link.wanted || host.destroyed || this.#leaves !== leaves) return;
      this.#watching = true;
      this.#publish();
    };
    let stream: MediaStream;
    try {
      // Joining from a preview takes its tracks as they are (device, on/off): no new capture.
      stream = (await this.#previewing?.catch(() => null)) ?? this.preview ?? (await this.#capture(request, announce));
      this.preview = null;
      if (request.audio === false) dropTracks(stream, stream.getAudioTracks());
      if (request.video === false) dropTracks(stream, stream.getVideoTracks());
    } catch (error) {
      // No camera or microphone (denied, or none there): still in the call, to see and
      // hear the others; join() again once the device is allowed.
      const code = (error as ParleyError).code;
      if (this.#leaves !== leaves) throw error as ParleyError; // left meanwhile: nothing to undo
      if (!host.destroyed && (code === 'permission-denied' || code === 'no-device')) {
        this.#watching = true;
        await this.#link.open();
        this.#publish();
      } else if (!host.destroyed && this.#watching !== watching) {
        this.#watching = watching; // out of the call again, as before this join
        this.#publish();
      }
      throw this.#fail(error as ParleyError);
    }
    // Destroyed while the camera started (the page removed the room during the prompt), or
    // left (Leave pressed during it): turn it off again rather than leave it on with nobody
    // to see, or join a call the person has left.
    const calledOff = () => {
      if (!host.destroyed && this.#leaves === leaves) return false;
      stream.getTracks().forEach((t) => t.stop());
      if (host.destroyed) throw ended();
      return true;
    };
    if (calledOff()) return;
    await this.#link.open();
    if (calledOff()) return;
    this.stream = stream;
    this.#publish();
  }

  /**
   * Captures camera and/or microphone to show the person before they join: nothing is sent
   * until join(), which then uses these very tracks.
   */
  startPreview(request: MediaRequest): Promise<MediaStream> {
    if (this.stream) return Promise.resolve(this.stream);
    if (this.preview) return Promise.resolve(this.preview);
    const round = this.#previewRound;
    this.#previewing ??= this.#capture(request)
      .then((stream) => {
        if (this.host.destroyed || round !== this.#previewRound) {
          stream.getTracks().forEach((t) => t.stop());
          throw ended();
        }
        this.preview = stream;
        this.host.changed();
        return stream;
      })
      .catch((error: ParleyError) => {
        throw this.#fail(error);
      })
      .finally(() => {
        if (round === this.#previewRound) this.#previewing = null;
      });
    return this.#previewing;
  }

  /** Turns the preview's camera and microphone off (closed without joining). */
  stopPreview(): void {
    this.#previewRound++; // a capture still starting is stopped when it arrives
    this.#previewing = null;
    if (!this.preview) return;
    this.preview.getTracks().forEach((t) => t.stop());
    this.preview = null;
    this.host.changed();
  }

  leave(): void {
    this.#leaves++;
    this.#joining = null;
    this.stopPreview();
    this.#watching = false;
    this.stopScreenShare();
    this.stream?.getTracks().forEach((t) => t.stop());
    this.stream = null;
    this.#link.close();
    this.#publish();
  }

  /** The SFU that forwards our media, while it does (for stats and tests). */
  get sfu(): SfuMedia | null {
    return this.#link.sfu;
  }

  /**
   * The stream a person's camera (or shared screen) reaches us in: the media server's when
   * both of us send there (null until their feed is known there: a placeholder, not their
   * empty connection stream), else their connection's.
   */
  streamOf(id: string, media: MediaState, peer: Peer, slot: 'camera' | 'screen'): MediaStream | null {
    const sfu = this.#link.sfu;
    return sfu && media.feed ? sfu.streamOf(id, media.feed, slot) : peer[slot];
  }

  setEnabled(kind: 'audio' | 'video', enabled: boolean): void {
    const stream = this.stream ?? this.preview;
    const tracks = kind === 'audio' ? stream?.getAudioTracks() : stream?.getVideoTracks();
    tracks?.forEach((t) => (t.enabled = enabled));
    if (this.stream) this.#publish();
    else this.host.changed();
  }

  /** In a call or a preview, captures from this camera or microphone and swaps it in for the current one. */
  async switchDevice(kind: DeviceKind, deviceId: string): Promise<void> {
    const stream = this.stream ?? this.preview;
    const old = kind === 'camera' ? stream?.getVideoTracks()[0] : kind === 'microphone' ? stream?.getAudioTracks()[0] : undefined;
    if (!stream || !old || kind === 'speaker') return;
    let next: MediaStreamTrack;
    try {
      const { captureTrack } = await loadCapture();
      next = await captureTrack(kind, deviceId, captureShape(this.host.config.quality));
    } catch (error) {
      throw this.#fail(error as ParleyError);
    }
    // Left the call or preview, or another switch replaced the track, while this one was starting.
    if ((this.stream ?? this.preview) !== stream || !stream.getTracks().includes(old)) return next.stop();
    next.enabled = old.enabled;
    stream.removeTrack(old);
    stream.addTrack(next);
    old.stop();
    if (stream === this.stream) await this.send(); // replaceTrack on every connection: no renegotiation
    else this.host.changed();
  }

  async startScreenShare(): Promise<void> {
    if (this.screen) return;
    let stream: MediaStream;
    try {
      const { captureScreen } = await loadCapture();
      stream = await captureScreen();
    } catch (error) {
      throw this.#fail(error as ParleyError);
    }
    if (this.host.destroyed || this.screen) {
      stream.getTracks().forEach((t) => t.stop());
      if (this.host.destroyed) throw ended();
      return;
    }
    this.screen = stream;
    // The browser's own "Stop sharing" ends the track.
    stream.getVideoTracks()[0]?.addEventListener('ended', () => this.stopScreenShare());
    this.#publish();
  }

  stopScreenShare(): void {
    if (!this.screen) return;
    this.screen.getTracks().forEach((t) => t.stop());
    this.screen = null;
    this.#publish();
  }

  /**
   * Puts the local tracks on a connection's pre-made transceivers, or takes them off: a
   * peer that is not in the call (it shares the form only) receives no media at all.
   */
  sendTo(peer: Peer): Promise<void> {
    const tracks: LocalTracks = {};
    const media = this.#mediaOf(peer.id);
    if (media) {
      // Through the media server to those who take it from there; over the mesh to the others.
      if (!this.#link.sfu || !media.feed) {
        tracks.microphone = this.stream?.getAudioTracks()[0];
        tracks.camera = this.stream?.getVideoTracks()[0];
        tracks.screen = this.screen?.getVideoTracks()[0];
      }
      // A screen's sound goes over the mesh in both cases (the media server takes its picture).
      tracks['screen-audio'] = this.screen?.getAudioTracks()[0];
    }
    return sendTracks(peer, tracks, cameraStartScale(this.host.config.quality), (error) => this.host.error(error));
  }

  /** sendTo() every connection: after our media changed, or who is in the call did. */
  send(): Promise<void> {
    // Who is in the call changed: with `auto`, the fifth person moves everyone's media.
    if (!this.#link.sfu && !this.#link.opening && (this.stream || this.#watching)) {
      void this.#link.open().then((moved) => moved && this.#publish());
    }
    return Promise.all([...this.host.peers.values()].map((peer) => this.sendTo(peer))).then(() => {});
  }

  /** A remote peer's media state when it is in the call, by its presence: only then does it get our media. */
  #mediaOf(id: string): Partial<MediaState> | null {
    for (const presence of this.host.presences()) {
      if (presence.peer === id) return isRecord(presence.media) ? presence.media : null;
    }
    return null;
  }

  #publish(): void {
    void this.send();
    const stream = this.stream;
    const sfu = this.#link.sfu;
    if (sfu) void sfu.publish(stream, this.screen).catch((error: unknown) => this.host.error(error as ParleyError));
    this.host.publish(
      stream
        ? {
            audio: stream.getAudioTracks().some((t) => t.enabled),
            video: stream.getVideoTracks().some((t) => t.enabled),
            camera: stream.id,
            screen: this.screen?.id,
            ...(sfu?.feed && { feed: sfu.feed }),
          }
        : this.screen || this.#watching
          ? { audio: false, video: false, screen: this.screen?.id, ...(sfu?.feed && { feed: sfu.feed }) }
          : null,
    );
  }

  /** Captures camera and/or microphone; `asked` runs once the browser has been asked. */
  async #capture(request: MediaRequest, asked?: () => void): Promise<MediaStream> {
    const { captureUserMedia } = await loadCapture();
    const capturing = captureUserMedia(request, this.devices, captureShape(this.host.config.quality));
    asked?.();
    return capturing;
  }

  #fail(error: ParleyError): ParleyError {
    this.host.error(error);
    return error;
  }
}

function dropTracks(stream: MediaStream, tracks: MediaStreamTrack[]): void {
  for (const track of tracks) {
    track.stop();
    stream.removeTrack(track);
  }
}

/** What join() and startScreenShare() reject with once the session is destroyed. */
const ended = () => new ParleyError('media', 'This session has ended.');

/** Capture code, loaded when someone first joins or shares (a form-only page never does). */
const loadCapture = () => import('./media.js');
