// A call's media through Janus's VideoRoom instead of the mesh (loaded only when a room's
// media is `sfu`): one RTCPeerConnection up, publishing the camera as three simulcast
// layers and the microphone, and one down, subscribed to every other publisher in the
// room's VideoRoom (multistream: one m-line per remote track, renegotiated by Janus as
// people come and go). Frames are sealed with the room's media key (e2ee.ts) unless the
// page chose no media encryption. The relay's `/sfu` says which Janus and hands the tokens
// (fetched again at half their life); document, chat and files stay on the mesh.
//
// Who is who: a publisher's `display` is its peer id, and its presence names the feed id
// Janus gave it (MediaState.feed). A feed is shown as a person's camera only when both
// agree, so nobody can put their video on someone else's tile.
import { ParleyError } from '../errors.js';
import { relayEndpoint } from '../net/ice-servers.js';
import { JanusClient, unavailable, type JanusMessage } from './janus-client.js';
import { frameApi, mediaKey, transformFrames, type FrameKind } from './e2ee.js';

const VIDEOROOM = 'janus.plugin.videoroom';
/** VideoRoom error code for "room already exists": someone else created it first. */
const ROOM_EXISTS = 427;
/** Simulcast layers, highest first as Janus reads the rids (its substreams 2, 1, 0). */
const LAYERS: RTCRtpEncodingParameters[] = [
  { rid: 'h', maxBitrate: 900_000 },
  { rid: 'm', maxBitrate: 300_000, scaleResolutionDownBy: 2 },
  { rid: 'l', maxBitrate: 100_000, scaleResolutionDownBy: 4 },
];
/** How our screen-share m-line is described to Janus, which tells subscribers (feed_description). */
const SCREEN = 'screen';

/** What the relay's `/sfu` answers (docs/protocol.md). */
export interface SfuGrant {
  url: string;
  room: string;
  token: string;
  roomToken: string;
  expires: number;
}

export interface SfuOptions {
  room: string;
  /** Our peer id: the display name of our feed. */
  peerId: string;
  signaling: string;
  token?: string;
  /** The room password the media key derives from; absent only with `encryption: 'none'`. */
  password?: string;
  encryption?: 'password' | 'none';
  iceServers?: RTCIceServer[];
  /** Reach Janus through TURN only (the room's `relay-only`). */
  relayOnly?: boolean;
  /** The width (device px) at which this page shows a person's camera, if it shows it. */
  shown?(peerId: string): number | undefined;
  /** Remote feeds or our own feed id changed. */
  changed(): void;
  /**
   * Janus went away (or refused us) after the start; `feeds` is how many other people's
   * feeds we knew there then (everyone else at Janus, as Janus last said).
   */
  ended(error: ParleyError, feeds: number): void;
}

interface RemoteFeed {
  display: string;
  /** Camera and microphone. */
  stream: MediaStream;
  /** The shared screen, while its m-line carries one. */
  screen: MediaStream;
}

function isGrant(value: unknown): value is SfuGrant {
  const g = value as Partial<SfuGrant> | null;
  return typeof g === 'object' && g !== null && typeof g.url === 'string' && /^wss?:\/\//.test(g.url) && typeof g.room === 'string' && typeof g.token === 'string' && typeof g.roomToken === 'string' && typeof g.expires === 'number';
}

/** Asks the relay where the room's media goes. Rejects with a ParleyError that says why not. */
/** How long asking the relay for the media server, or reaching that server, may take. */
export const CONNECT_TIMEOUT_MS = 10_000;

export async function fetchSfuGrant(signaling: string, room: string, token?: string): Promise<SfuGrant> {
  let response: Response;
  // A relay that does not answer must not hold the call's move forever (its body included).
  const signal = AbortSignal.timeout(CONNECT_TIMEOUT_MS);
  try {
    response = await fetch(relayEndpoint(signaling, 'sfu', { room, token }), { signal });
  } catch (cause) {
    throw unavailable('Could not ask the relay for a media server', cause);
  }
  if (response.status === 404) throw new ParleyError('sfu', 'This relay has no media server: the call stays peer-to-peer (mesh).');
  if (response.status === 401 || response.status === 403) throw new ParleyError('sfu', 'The relay refused a media server for this room (token).');
  const body: unknown = await response.json().catch(() => null);
  if (signal.aborted) throw unavailable(`The relay's answer about its media server did not come within ${CONNECT_TIMEOUT_MS / 1000} s`);
  if (!response.ok || !isGrant(body)) {
    const message = `The relay's answer about its media server did not parse (HTTP ${response.status})`;
    throw response.status >= 500 ? unavailable(message) : new ParleyError('sfu', message);
  }
  return body;
}

export class SfuMedia {
  /** Our feed id in the VideoRoom, once joined. */
  feed: string | null = null;
  readonly #options: SfuOptions;
  readonly #client: JanusClient;
  readonly #grant: SfuGrant;
  readonly #key: CryptoKey | null;
  #publisher = 0;
  #subscriber = 0;
  #up: RTCPeerConnection | null = null;
  #down: RTCPeerConnection | null = null;
  readonly #senders: Partial<Record<FrameKind | 'screen', RTCRtpSender>> = {};
  /** Feeds in the room (not ours), by feed id. */
  readonly #feeds = new Map<string, RemoteFeed>();
  /** Feeds we are subscribed to. */
  readonly #subscribed = new Set<string>();
  /** Subscription m-line → its feed, and whether it carries that feed's screen. */
  readonly #mids = new Map<string, { feed: string; screen: boolean }>();
  /** Video m-lines of the subscription → the simulcast layer asked of Janus for it ("mid feed" keys). */
  readonly #layers = new Map<string, number>();
  readonly #decrypting = new WeakSet<RTCRtpReceiver>();
  /** Subscriber negotiations, one at a time. */
  #queue: Promise<unknown> = Promise.resolve();
  #refresh: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  private constructor(options: SfuOptions, client: JanusClient, grant: SfuGrant, key: CryptoKey | null) {
    this.#options = options;
    this.#client = client;
    this.#grant = grant;
    this.#key = key;
    client.onclose = (reason) => {
      if (!this.#closed) this.#end(unavailable(`The media server went away (${reason}).`));
    };
  }

  /**
   * Connects to the room's Janus (as the relay says), creates the VideoRoom if nobody has,
   * and joins it. Rejects with a ParleyError (code `sfu`): no password without
   * `encryption: 'none'`, a browser that cannot encrypt frames, no media server, refused.
   */
  static async open(options: SfuOptions): Promise<SfuMedia> {
    const encrypt = options.encryption !== 'none';
    if (encrypt && !options.password) {
      throw new ParleyError('sfu', 'A call through the media server needs a room password (its key encrypts the media end to end), or media-encryption="none".');
    }
    if (encrypt && !frameApi()) throw new ParleyError('sfu', 'This browser cannot encrypt media end to end (no encoded-transform API).');
    const [grant, key] = await Promise.all([
      fetchSfuGrant(options.signaling, options.room, options.token),
      encrypt ? mediaKey(options.password!, options.room) : null,
    ]);
    const client = await JanusClient.connect(grant.url, grant.token);
    const media = new SfuMedia(options, client, grant, key);
    try {
      await media.#join();
    } catch (error) {
      media.close();
      throw error;
    }
    return media;
  }

  /**
   * The camera (and microphone) stream, or the screen, of the feed a person publishes, if
   * they and it agree.
   */
  streamOf(peerId: string, feed: string, slot: 'camera' | 'screen' = 'camera'): MediaStream | null {
    const remote = this.#feeds.get(feed);
    return remote?.display !== peerId ? null : slot === 'screen' ? remote.screen : remote.stream;
  }

  /** Every remote feed's streams, by feed id (for tests and diagnostics). */
  get feeds(): ReadonlyMap<string, Readonly<RemoteFeed>> {
    return this.#feeds;
  }

  /** The connection that publishes (null before publish()); for stats. */
  get upstream(): RTCPeerConnection | null {
    return this.#up;
  }

  /** The connection that receives; for stats. */
  get downstream(): RTCPeerConnection | null {
    return this.#down;
  }

  /**
   * Publishes the camera and microphone, and the shared screen (the first call negotiates
   * an m-line for each, the screen's too; later ones only replace tracks), or stops sending
   * them with null.
   */
  async publish(stream: MediaStream | null, screen: MediaStream | null = null): Promise<void> {
    const audio = stream?.getAudioTracks()[0] ?? null;
    const video = stream?.getVideoTracks()[0] ?? null;
    const shared = screen?.getVideoTracks()[0] ?? null;
    if (this.#up) {
      await Promise.all([this.#senders.audio?.replaceTrack(audio), this.#senders.video?.replaceTrack(video), this.#senders.screen?.replaceTrack(shared)]);
      return;
    }
    if (!stream && !screen) return;
    const pc = (this.#up = this.#connection(this.#publisher));
    this.#senders.audio = pc.addTransceiver(audio ?? 'audio', { direction: 'sendonly' }).sender;
    this.#senders.video = pc.addTransceiver(video ?? 'video', { direction: 'sendonly', sendEncodings: LAYERS }).sender;
    const screenLine = pc.addTransceiver(shared ?? 'video', { direction: 'sendonly' });
    this.#senders.screen = screenLine.sender;
    if (this.#key) for (const kind of ['audio', 'video', 'screen'] as const) transformFrames(this.#senders[kind]!, this.#key, 'encrypt', kind === 'audio' ? kind : 'video');
    await pc.setLocalDescription(await pc.createOffer());
    const descriptions = [{ mid: screenLine.mid, description: SCREEN }];
    const reply = await this.#client.message(this.#publisher, { request: 'publish', descriptions }, pc.localDescription!.toJSON());
    const data = pluginData(reply);
    if (!reply.jsep) throw new ParleyError('sfu', `The media server did not take our media: ${String(data.error ?? 'no answer')}`);
    await pc.setRemoteDescription(reply.jsep);
  }

  /**
   * Asks Janus for each person's simulcast layer that fits the tile this page shows them in
   * (SfuOptions.shown): the low one (a quarter) for a tile up to 320 device px wide, the
   * middle one (half) up to 640, else the full picture. Call it when those sizes change.
   */
  fit(): void {
    const asked: string[] = [];
    const streams: Array<{ mid: string; substream: number }> = [];
    for (const [key, current] of this.#layers) {
      const [mid, feed] = key.split(' ');
      const width = this.#options.shown?.(this.#feeds.get(feed)?.display ?? '');
      const substream = !width ? 2 : width <= 320 ? 0 : width <= 640 ? 1 : 2;
      if (substream === current) continue;
      this.#layers.set(key, substream);
      asked.push(key);
      streams.push({ mid, substream });
    }
    if (!streams.length) return;
    // Behind any subscription under way. A refusal leaves the layer unknown: asked again next time.
    this.#queue = this.#queue
      .then(async () => {
        const data = pluginData(await this.#client.message(this.#subscriber, { request: 'configure', streams }));
        if (data.error) throw refused(data);
      })
      .catch(() => asked.forEach((key) => this.#layers.has(key) && this.#layers.set(key, -1)));
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#refresh);
    this.#client.close();
    this.#up?.close();
    this.#down?.close();
    this.#feeds.clear();
  }

  async #join(): Promise<void> {
    const { room, roomToken } = this.#grant;
    this.#publisher = await this.#client.attach(VIDEOROOM, (event) => this.#onPublisherEvent(event));
    const created = pluginData(await this.#client.message(this.#publisher, { request: 'create', room, signed_tokens: true, publishers: 100, videocodec: 'vp8', audiocodec: 'opus' }));
    if (created.videoroom !== 'created' && created.error_code !== ROOM_EXISTS) throw refused(created);
    const joined = pluginData(await this.#client.message(this.#publisher, { request: 'join', ptype: 'publisher', room, display: this.#options.peerId, token: roomToken }));
    if (joined.videoroom !== 'joined') throw refused(joined);
    this.feed = String(joined.id);
    this.#scheduleRefresh();
    this.#addFeeds(joined.publishers);
  }

  #onPublisherEvent(event: JanusMessage): void {
    if (event.janus === 'hangup' || event.janus === 'detached') return this.#end(unavailable('The media server hung up.'));
    const data = pluginData(event);
    this.#addFeeds(data.publishers);
    const gone = data.unpublished ?? data.leaving;
    if (gone !== undefined && gone !== 'ok') this.#removeFeed(String(gone));
  }

  /** New publishers (not us): subscribe to them all in one renegotiation. */
  #addFeeds(list: unknown): void {
    if (!Array.isArray(list)) return;
    const fresh: string[] = [];
    for (const entry of list as Array<{ id?: unknown; display?: unknown }>) {
      const id = String(entry?.id ?? '');
      if (!id || id === this.feed || this.#feeds.has(id)) continue;
      this.#feeds.set(id, { display: String(entry.display ?? ''), stream: new MediaStream(), screen: new MediaStream() });
      fresh.push(id);
    }
    if (fresh.length) this.#negotiate(() => this.#subscribe(fresh));
  }

  #removeFeed(id: string): void {
    if (!this.#feeds.delete(id)) return;
    this.#subscribed.delete(id);
    for (const key of this.#layers.keys()) if (key.endsWith(` ${id}`)) this.#layers.delete(key);
    this.#options.changed();
  }

  async #subscribe(feeds: string[]): Promise<void> {
    const streams = feeds.filter((f) => this.#feeds.has(f) && !this.#subscribed.has(f)).map((feed) => ({ feed }));
    if (!streams.length) return;
    streams.forEach(({ feed }) => this.#subscribed.add(feed));
    if (!this.#subscriber) {
      this.#subscriber = await this.#client.attach(VIDEOROOM, (event) => this.#onSubscriberEvent(event));
      const reply = await this.#client.message(this.#subscriber, { request: 'join', ptype: 'subscriber', room: this.#grant.room, streams, token: this.#grant.roomToken });
      await this.#answer(reply);
    } else {
      await this.#answer(await this.#client.message(this.#subscriber, { request: 'subscribe', streams }));
    }
  }

  /** Janus renegotiates the subscription itself when a publisher leaves. */
  #onSubscriberEvent(event: JanusMessage): void {
    if (event.jsep) this.#negotiate(() => this.#answer(event));
  }

  /** Takes Janus's offer for the subscription, answers it, and starts the media. */
  async #answer(reply: JanusMessage): Promise<void> {
    const data = pluginData(reply);
    if (!reply.jsep) {
      if (data.error) throw refused(data);
      return;
    }
    if (Array.isArray(data.streams)) {
      for (const s of data.streams as Array<{ mid?: unknown; feed_id?: unknown; active?: unknown; type?: unknown; feed_description?: unknown }>) {
        if (typeof s.mid !== 'string' || s.feed_id === undefined || s.active === false) continue;
        const feed = String(s.feed_id);
        const screen = s.feed_description === SCREEN;
        this.#mids.set(s.mid, { feed, screen });
        // Janus starts every subscription on the top layer (a screen has only one).
        if (s.type === 'video' && !screen && !this.#layers.has(`${s.mid} ${feed}`)) this.#layers.set(`${s.mid} ${feed}`, 2);
      }
    }
    const pc = (this.#down ??= this.#connection(this.#subscriber, true));
    await pc.setRemoteDescription(reply.jsep);
    await pc.setLocalDescription(await pc.createAnswer());
    await this.#client.message(this.#subscriber, { request: 'start' }, pc.localDescription!.toJSON());
    this.fit();
  }

  #onTrack = (event: RTCTrackEvent): void => {
    const { receiver, transceiver, track } = event;
    if (this.#key && !this.#decrypting.has(receiver)) {
      this.#decrypting.add(receiver);
      transformFrames(receiver, this.#key, 'decrypt', track.kind as FrameKind);
    }
    const line = this.#mids.get(transceiver.mid ?? '');
    const feed = this.#feeds.get(line?.feed ?? '');
    if (!feed) return;
    const stream = line!.screen ? feed.screen : feed.stream;
    for (const old of stream.getTracks()) if (old.kind === track.kind && old !== track) stream.removeTrack(old);
    if (!stream.getTracks().includes(track)) stream.addTrack(track);
    track.onunmute = track.onended = () => this.#options.changed();
    this.#options.changed();
  };

  #connection(handle: number, receiving = false): RTCPeerConnection {
    const config: RTCConfiguration & { encodedInsertableStreams?: boolean } = {
      iceServers: this.#options.iceServers ?? [],
      iceTransportPolicy: this.#options.relayOnly ? 'relay' : 'all',
    };
    if (this.#key && frameApi() === 'insertable') config.encodedInsertableStreams = true;
    const pc = new RTCPeerConnection(config);
    pc.onicecandidate = ({ candidate }) => this.#client.trickle(handle, candidate);
    if (receiving) pc.ontrack = this.#onTrack;
    pc.onconnectionstatechange = () => {
      if (pc.connectionState === 'failed' && !this.#closed) this.#end(unavailable('The media connection to the media server failed.'));
    };
    return pc;
  }

  #negotiate(step: () => Promise<void>): void {
    this.#queue = this.#queue.then(step).catch((error: unknown) => {
      if (!this.#closed) this.#end(error instanceof ParleyError ? error : new ParleyError('sfu', 'Could not receive media from the media server', { cause: error }));
    });
  }

  /** Fetches fresh tokens at half their life: Janus checks the token on every request. */
  #scheduleRefresh(expires = this.#grant.expires): void {
    const wait = Math.max(10_000, ((expires * 1000 - Date.now()) / 2) | 0);
    this.#refresh = setTimeout(async () => {
      try {
        const grant = await fetchSfuGrant(this.#options.signaling, this.#options.room, this.#options.token);
        this.#client.token = grant.token;
        this.#scheduleRefresh(grant.expires);
      } catch {
        if (!this.#closed) this.#scheduleRefresh(expires); // try again; the old token may still hold
      }
    }, wait);
  }

  #end(error: ParleyError): void {
    if (this.#closed) return;
    const feeds = this.#feeds.size;
    this.close();
    this.#options.ended(error, feeds);
  }
}

function pluginData(message: JanusMessage): Record<string, unknown> {
  return message.plugindata?.data ?? {};
}

function refused(data: Record<string, unknown>): ParleyError {
  return new ParleyError('sfu', `The media server refused: ${String(data.error ?? 'unknown error')}`);
}
