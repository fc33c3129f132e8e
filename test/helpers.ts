// Helpers shared by browser tests.
import { fixture, html } from '@open-wc/testing';
import * as encoding from 'lib0/encoding';
import type { LitElement, TemplateResult } from 'lit';
import { Session } from '../src/core/index.js';
import type { ParleyError } from '../src/core/errors.js';
import { messageAwareness } from '../src/core/sync/sync.js';

/** The real relay web-test-runner started for this run. */
export async function relayUrl(): Promise<string> {
  const response = await fetch('/__parley/relay');
  return ((await response.json()) as { url: string }).url;
}

/** A relay whose /ice hands out TURN credentials to a token holder, and such a token. */
export async function turnRelay(): Promise<{ url: string; token: string }> {
  const response = await fetch('/__parley/relay');
  const { turnRelayUrl, authToken } = (await response.json()) as { turnRelayUrl: string; authToken: string };
  return { url: turnRelayUrl, token: authToken };
}

/** The link a shaped relay puts between its two peers (bench/shaped-link.mjs). */
export interface Link {
  mbit: number;
  rttMs: number;
  queueMs: number;
  /** One datagram in this many dropped, each way. */
  lossEvery?: number;
}

/**
 * A relay (for one pair of peers) whose peers reach each other only through a real shaped
 * UDP link: 50 Mbit/s and 10 ms at first; `shape()` changes it mid-call.
 */
export async function shapedRelay(): Promise<{ url: string; shape(link: Link): Promise<void> }> {
  const { id, url } = (await (await fetch('/__parley/shaped-relay')).json()) as { id: string; url: string };
  return {
    url,
    async shape(link) {
      const query = new URLSearchParams({ id, ...Object.fromEntries(Object.entries(link).map(([key, value]) => [key, String(value)])) });
      const { shaped } = (await (await fetch(`/__parley/shape?${query}`)).json()) as { shaped: boolean };
      if (!shaped) throw new Error(`shaped relay ${id} is gone`);
    },
  };
}

/** A relay that requires a token, and a valid token for it (any room). */
export async function authRelay(): Promise<{ url: string; token: string }> {
  const response = await fetch('/__parley/relay');
  const { authRelayUrl, authToken } = (await response.json()) as { authRelayUrl: string; authToken: string };
  return { url: authRelayUrl, token: authToken };
}

/** A relay that sends rooms' media to a real Janus (fails with the reason when there is none). */
export async function sfuRelay(): Promise<string> {
  const response = await fetch('/__parley/relay');
  const { sfuRelayUrl, sfuMissing } = (await response.json()) as { sfuRelayUrl?: string; sfuMissing?: string };
  if (!sfuRelayUrl) throw new Error(sfuMissing ?? 'no media-server relay in this test run');
  return sfuRelayUrl;
}

/**
 * A Janus of its own for a test that kills it, and a relay that sends rooms' media to it:
 * `kill()` ends the Janus process with SIGKILL (as a crash would) and resolves once it is gone;
 * `revive()` then starts a new Janus on the same port (a restart, with no rooms).
 */
export async function doomedSfuRelay(): Promise<{ url: string; kill(): Promise<void>; revive(): Promise<void> }> {
  const response = await fetch('/__parley/doomed-sfu');
  const { id, url, error } = (await response.json()) as { id?: string; url?: string; error?: string };
  if (!id || !url) throw new Error(error ?? 'could not start a Janus for this test');
  return {
    url,
    kill: async () => {
      const { killed } = (await (await fetch(`/__parley/kill-sfu?id=${id}`)).json()) as { killed: boolean };
      if (!killed) throw new Error(`no Janus ${id} to kill`);
    },
    revive: async () => {
      const { revived } = (await (await fetch(`/__parley/revive-sfu?id=${id}`)).json()) as { revived: boolean };
      if (!revived) throw new Error(`no Janus ${id} to start again`);
    },
  };
}

/** Tokens for the relay that requires one, each carrying a person (`sub` and `name`). */
export async function identityTokens(): Promise<{ url: string; ada: string; bob: string; eve: string }> {
  const response = await fetch('/__parley/relay');
  const { authRelayUrl, identityTokens } = (await response.json()) as { authRelayUrl: string; identityTokens: Record<'ada' | 'bob' | 'eve', string> };
  return { url: authRelayUrl, ...identityTokens };
}

/**
 * Polls until `check` returns a truthy value, or fails with `what` after `timeout` ms (a
 * function is read at the timeout, to say what the state was then).
 */
export async function waitFor<T>(check: () => T | Promise<T>, what: string | (() => string), timeout = 15000): Promise<NonNullable<T>> {
  const end = performance.now() + timeout;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (performance.now() > end) throw new Error(`timed out waiting for ${typeof what === 'function' ? what() : what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export function uniqueRoom(prefix = 'test'): string {
  return `${prefix}-${Math.random().toString(36).slice(2, 10)}`;
}

/**
 * Renders `element` inside a `<parley-room>` named "Ada", in a fresh room on the test relay,
 * and returns it once it has rendered. The test module registers the elements.
 */
export async function fixtureInRoom<T extends LitElement>(element: TemplateResult) {
  const room = uniqueRoom();
  const signaling = await relayUrl();
  const wrapper = await fixture(html`<parley-room room=${room} signaling=${signaling} name="Ada">${element}</parley-room>`);
  const el = wrapper.firstElementChild as T;
  await el.updateComplete;
  return { room, signaling, el, root: el.shadowRoot! };
}

/** Two sessions in one page that meet through the real relay and connect peer-to-peer. */
export async function connectedPair(room = uniqueRoom()): Promise<[Session, Session]> {
  const signaling = await relayUrl();
  const a = new Session(room, { signaling, name: 'Ada' });
  const b = new Session(room, { signaling, name: 'Bob' });
  a.start();
  b.start();
  await waitFor(() => a.peers.get(b.id)?.connected && b.peers.get(a.id)?.connected, 'the two peers to connect');
  return [a, b];
}

/**
 * For the describe block it is called in: the sessions pushed to `sessions` are destroyed,
 * and the videos in `videos` (showStream) removed, after each test.
 */
export function sessionsAndVideos() {
  const sessions: Session[] = [];
  const videos: HTMLVideoElement[] = [];
  afterEach(() => {
    sessions.splice(0).forEach((s) => s.destroy());
    videos.splice(0).forEach((v) => v.remove());
  });
  return { sessions, videos };
}

/**
 * Starts `people` (sessions of one room), waits until each has a connection to each other
 * for the document, and joins them all to the call with camera and microphone. Resolves
 * with the list the errors any of them reports go into.
 */
export async function joinAll(people: Session[]): Promise<ParleyError[]> {
  const errors: ParleyError[] = [];
  people.forEach((s) => s.events.on('error', (e) => errors.push(e)));
  people.forEach((s) => s.start());
  await waitFor(() => people.every((a) => people.every((b) => a === b || a.peers.get(b.id)?.connected)), 'everyone connected for the document');
  await Promise.all(people.map((s) => s.join({ audio: true, video: true })));
  return errors;
}

/**
 * Ada and Bob, honest, and Mallory, a member of the room (she has its password) who speaks
 * over her own connections (real relay, real RTCPeerConnection): three sessions, pushed to
 * `sessions`, started, until everyone sees everyone. `errors`: what Bob reports from the
 * start; `toBob`: Mallory's connection to Bob.
 */
export async function roomWithMallory(sessions: Session[]) {
  const signaling = await relayUrl();
  const name = uniqueRoom();
  const [ada, bob, mallory] = ['Ada', 'Bob', 'Mallory'].map((n) => new Session(name, { signaling, name: n, password: 'shared' })) as [Session, Session, Session];
  sessions.push(ada, bob, mallory);
  const errors: ParleyError[] = [];
  bob.events.on('error', (e) => errors.push(e));
  for (const s of [ada, bob, mallory]) s.start();
  await waitFor(() => [ada, bob, mallory].every((s) => s.participants().length === 3), 'everyone to see everyone');
  return { ada, bob, mallory, errors, toBob: mallory.peers.get(bob.id)! };
}

/** An awareness update as y-protocols encodes it, saying anything about any client. */
export function awarenessUpdate(client: number, clock: number, state: unknown): Uint8Array {
  const update = encoding.createEncoder();
  encoding.writeVarUint(update, 1);
  encoding.writeVarUint(update, client);
  encoding.writeVarUint(update, clock);
  encoding.writeVarString(update, JSON.stringify(state));
  return encoding.toUint8Array(update);
}

/** That update as the message a peer sends on its sync channel (`Peer.sendSync`). */
export function awarenessMessage(client: number, clock: number, state: unknown): Uint8Array {
  const message = encoding.createEncoder();
  encoding.writeVarUint(message, messageAwareness);
  encoding.writeVarUint8Array(message, awarenessUpdate(client, clock, state));
  return encoding.toUint8Array(message);
}

/** A muted `<video>` playing `stream` in the page, remembered in `shown` (to remove after the test). */
export function showStream(stream: MediaStream, shown: HTMLVideoElement[]): HTMLVideoElement {
  const video = document.createElement('video');
  video.muted = true;
  video.srcObject = stream;
  document.body.append(video);
  shown.push(video);
  return video;
}

/**
 * A stand-in for a captured screen where the browser has none to capture (headless Firefox
 * finds no screen: NotFoundError): a painted canvas, so the screen share itself still runs.
 */
export function paintedScreen(): { stream: MediaStream; stop: () => void } {
  const canvas = Object.assign(document.createElement('canvas'), { width: 640, height: 360 });
  const context = canvas.getContext('2d')!;
  let hue = 0;
  const timer = setInterval(() => {
    context.fillStyle = `hsl(${(hue += 7) % 360} 60% 40%)`;
    context.fillRect(0, 0, canvas.width, canvas.height);
  }, 50);
  return { stream: canvas.captureStream(15), stop: () => clearInterval(timer) };
}

/** Records the width of every frame `video` presents (requestVideoFrameCallback). */
export function frameWidths(video: HTMLVideoElement): number[] {
  const widths: number[] = [];
  const onFrame = (_: number, frame: VideoFrameCallbackMetadata) => {
    widths.push(frame.width);
    if (video.isConnected) video.requestVideoFrameCallback(onFrame);
  };
  video.requestVideoFrameCallback(onFrame);
  return widths;
}

/** What a video shows and why: its readiness, its tracks, the page's visibility. */
export function describeVideo(video: HTMLVideoElement): string {
  const stream = video.srcObject instanceof MediaStream ? video.srcObject : null;
  const tracks = stream?.getTracks().map((t) => `${t.kind} ${t.readyState}${t.muted ? ' muted' : ''}${t.enabled ? '' : ' disabled'}`);
  return [
    `width ${video.videoWidth}`,
    `time ${video.currentTime}`,
    `readyState ${video.readyState}`,
    `networkState ${video.networkState}`,
    video.paused ? 'paused' : 'playing',
    video.error ? `error ${video.error.code} ${video.error.message}` : 'no error',
    `tracks [${tracks?.join(', ') ?? 'no stream'}]`,
    `connected ${video.isConnected}`,
    `page ${document.visibilityState}`,
  ].join(', ');
}

/**
 * Resolves once `count` new frames have been presented in `video` from now on
 * (requestVideoFrameCallback: a clock of what a person sees, in Chromium and Firefox alike).
 */
export function framesArrive(video: HTMLVideoElement, count = 3, timeout = 15000): Promise<void> {
  void video.play().catch(() => {});
  return new Promise((resolve, reject) => {
    // On a timeout: how many came, and what the video and the page were doing.
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${count} new video frames (${seen} came; ${describeVideo(video)})`)), timeout);
    let seen = 0;
    const next = () =>
      video.requestVideoFrameCallback(() => {
        if (++seen >= count) {
          clearTimeout(timer);
          resolve();
        } else next();
      });
    next();
  });
}

/**
 * Runs `action` inside a real key press, which gives the page the user activation that
 * Firefox requires for getDisplayMedia; resolves with what it returned.
 */
export async function withUserActivation<T>(action: () => Promise<T>): Promise<T> {
  const { sendKeys } = await import('@web/test-runner-commands');
  const button = document.createElement('button');
  button.textContent = 'go';
  let result: Promise<T> | undefined;
  button.addEventListener('click', () => {
    result = action();
    result.catch(() => {}); // awaited below; this only keeps it from being "unhandled"
  });
  document.body.append(button);
  button.focus();
  await sendKeys({ press: 'Enter' });
  button.remove();
  return result!;
}

/** Deterministic pseudo-random bytes (crypto.getRandomValues is limited to 64 KiB a call). */
export function bytes(size: number, seed = 1): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(size);
  const words = new Uint32Array(out.buffer, 0, size >> 2);
  let x = seed;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x;
  }
  return out;
}

export async function digest(blob: Blob): Promise<string> {
  const hash = new Uint8Array(await crypto.subtle.digest('SHA-256', await blob.arrayBuffer()));
  return Array.from(hash, (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * A raw WebSocket on a room's relay topic, as anyone who can reach the relay (or holds a
 * token for the room) can open: it records every frame and can publish anything.
 */
export class RelayListener {
  readonly frames: Array<Record<string, unknown>> = [];
  readonly #socket: WebSocket;
  readonly ready: Promise<void>;

  constructor(url: string, readonly room: string, token?: string) {
    this.#socket = new WebSocket(token ? `${url}?token=${token}` : url);
    this.#socket.onmessage = (event) => this.frames.push(JSON.parse(event.data as string) as Record<string, unknown>);
    this.ready = new Promise((resolve) => {
      this.#socket.onopen = () => {
        this.#socket.send(JSON.stringify({ type: 'subscribe', topics: [room] }));
        resolve();
      };
    });
  }

  /** Everything it read on the topic, as text. */
  get text(): string {
    return this.frames.map((f) => JSON.stringify(f.data)).join('\n');
  }

  /** Publishes `data` on the topic; `extra` goes beside it in the frame (a forged `identity`). */
  publish(data: unknown, extra: Record<string, unknown> = {}): void {
    this.#socket.send(JSON.stringify({ type: 'publish', topic: this.room, data, ...extra }));
  }

  close(): void {
    this.#socket.close();
  }
}

/**
 * Filters what the page's relay WebSockets deliver, as a relay that loses messages would:
 * each WebSocket made until `stop()` is the browser's own, through a subclass that drops
 * an incoming message when its filter (made per socket by `filterFor`) says so. Parley's
 * code runs unchanged. `sockets` counts the sockets made so far.
 */
export function filterRelayMessages(filterFor: () => (text: string) => boolean) {
  const Real = window.WebSocket;
  const relay = { sockets: 0, stop: () => void (window.WebSocket = Real) };
  window.WebSocket = class extends Real {
    readonly #drop = filterFor();
    constructor(...args: ConstructorParameters<typeof WebSocket>) {
      super(...args);
      relay.sockets++;
    }
    override set onmessage(handler: ((event: MessageEvent) => void) | null) {
      super.onmessage = (event: MessageEvent) => {
        if (!this.#drop(typeof event.data === 'string' ? event.data : '')) handler?.call(this, event);
      };
    }
    override get onmessage(): ((event: MessageEvent) => void) | null {
      return super.onmessage;
    }
  };
  return relay;
}

/**
 * For the describe block it is called in: the data channels every test creates are watched
 * (watchChannels; `open` finds one), and the sessions pushed to `sessions` are destroyed
 * after each test.
 */
export function sessionsWithChannels() {
  const sessions: Session[] = [];
  let spy: ReturnType<typeof watchChannels> | undefined;
  beforeEach(() => (spy = watchChannels()));
  afterEach(() => {
    spy?.restore();
    sessions.splice(0).forEach((s) => s.destroy());
  });
  return { sessions, open: (pc: RTCPeerConnection, label: string) => spy!.open(pc, label) };
}

/**
 * Every RTCDataChannel the page creates from now on, with its connection: a call-through
 * spy on the browser's createDataChannel (Parley's own code runs unchanged), so a test can
 * reach the real channel a peer uses: write on it, or close it from below. `restore()`
 * puts the browser's own method back.
 */
export function watchChannels() {
  const channels: Array<{ channel: RTCDataChannel; pc: RTCPeerConnection }> = [];
  const real = RTCPeerConnection.prototype.createDataChannel;
  RTCPeerConnection.prototype.createDataChannel = function (this: RTCPeerConnection, ...args: Parameters<typeof real>) {
    const channel = real.apply(this, args);
    channels.push({ channel, pc: this });
    return channel;
  };
  return {
    /** The open channel with this label on this connection (the newest, after a re-open). */
    open: (pc: RTCPeerConnection, label: string) =>
      [...channels].reverse().find((c) => c.pc === pc && c.channel.label === label && c.channel.readyState === 'open')?.channel,
    restore: () => (RTCPeerConnection.prototype.createDataChannel = real),
  };
}

/**
 * A camera whose picture is fresh noise every frame (`width`×`height`), handed out by
 * getUserMedia (with the real microphone, if asked) until `restore()`, and painted until
 * `stop()` (which restores too). The browsers' fake cameras show a simple picture that
 * needs about 50 kbit/s, under any cap, so no cap could be seen lowering what is sent;
 * noise takes every bit allowed. `calm()` turns the picture into a slowly changing flat
 * colour, cheap to encode at any size (an encoder keeps a picture of noise small on a busy
 * machine, whatever its sender allows).
 */
export function noisyCamera(width = 320, height = 240): { restore: () => void; stop: () => void; calm: () => void } {
  const canvas = Object.assign(document.createElement('canvas'), { width, height });
  const context = canvas.getContext('2d')!;
  const image = context.createImageData(width, height);
  const pixels = new Uint32Array(image.data.buffer);
  let x = 1;
  let calm = false;
  const timer = setInterval(() => {
    if (calm) {
      context.fillStyle = `hsl(${(x = (x + 3) % 360)} 50% 50%)`;
      context.fillRect(0, 0, width, height);
      return;
    }
    for (let i = 0; i < pixels.length; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      pixels[i] = x | 0xff000000;
    }
    context.putImageData(image, 0, 0);
  }, 66);
  const media = navigator.mediaDevices;
  const real = media.getUserMedia;
  media.getUserMedia = async (constraints) => {
    const stream = canvas.captureStream(15);
    if (constraints?.audio) stream.addTrack((await real.call(media, { audio: constraints.audio })).getAudioTracks()[0]!);
    return stream;
  };
  const restore = () => void (media.getUserMedia = real);
  return { restore, stop: () => (restore(), clearInterval(timer)), calm: () => void ((calm = true), (x = 0)) };
}

/**
 * The video bitrate a connection actually sends over `ms`, from its stats (outbound-rtp
 * bytesSent): what left the sender, whatever its parameters say.
 */
export async function sentBitrate(source: { getStats(): Promise<RTCStatsReport> }, ms = 2000): Promise<number> {
  const bytes = async () => {
    let total = 0;
    (await source.getStats()).forEach((r: { type: string; kind?: string; bytesSent?: number }) => {
      if (r.type === 'outbound-rtp' && r.kind === 'video') total += r.bytesSent ?? 0;
    });
    return [total, performance.now()] as const;
  };
  const [before, start] = await bytes();
  await waitFor(() => performance.now() - start >= ms, `${ms} ms of sending`, ms + 5000);
  const [after, end] = await bytes();
  return ((after - before) * 8 * 1000) / (end - start);
}
