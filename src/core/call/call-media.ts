// This page's part in a room's call, as its Session holds it: the call code (local-media.ts
// with capture, the chosen devices and the quality monitor) loaded on the first join,
// preview, screen share or device choice — a page with only a form never loads it. The Session composes
// this and forwards its call methods here; nothing here imports the Session.
import type { Awareness } from 'y-protocols/awareness';
import type { ParleyError } from '../errors.js';
import type { DeviceChoice, DeviceKind } from './device-choice.js';
import type { LocalMedia } from './local-media.js';
import type { QualityHost } from './adapt.js';
import type { FeatureHost } from '../session/features.js';
import type { MediaState, Participant } from '../session/presence.js';

/** What the call reads from its session. */
export interface CallSession extends QualityHost, FeatureHost {
  readonly room: string;
  readonly awareness: Awareness;
  participants(): Participant[];
}

/** What the call tells its session. */
export interface CallHooks {
  /** Our media state changed (null: out of the call): publish it as presence. */
  publish(media: MediaState | null): void;
  error(error: ParleyError): void;
  changed(): void;
}

export class CallMedia {
  /** Camera, microphone and screen: loaded on the first join, preview or share. */
  #media: LocalMedia | null = null;
  #loading: Promise<LocalMedia> | null = null;
  #destroyed = false;

  constructor(
    private readonly session: CallSession,
    private readonly hooks: CallHooks,
  ) {}

  /** The loaded call code, if any join, preview or share loaded it. */
  get media(): LocalMedia | null {
    return this.#media;
  }

  /** The chosen devices: known once the call code has loaded (it reads them from storage). */
  get devices(): Readonly<DeviceChoice> {
    return this.#media?.devices ?? {};
  }

  /** Picks a device: loads the call code, which switches to it in a call or preview and remembers it. */
  async setDevice(kind: DeviceKind, deviceId: string): Promise<void> {
    await (await this.load()).setDevice(kind, deviceId);
    this.hooks.changed();
  }

  /** The call code, loaded on the first join or share (a page with only a form never does). */
  load(): Promise<LocalMedia> {
    const { session, hooks } = this;
    this.#loading ??= import('./local-media.js').then(({ LocalMedia, mediaHost, qualityOf }) => {
      // Stats are read only while our media flows: the monitor starts and stops with it.
      qualityOf(session);
      return (this.#media = new LocalMedia(mediaHost(session, hooks, () => this.#destroyed)));
    });
    return this.#loading;
  }

  /** The quality profile changed: the camera and every sender follow (in a call). */
  async applyProfile(): Promise<void> {
    if (!this.#media) return;
    const { qualityOf } = await import('./local-media.js');
    await qualityOf(this.session).applyProfile();
  }

  /** The session ends: leaves the call (while the peers can still hear it); a pending join is refused. */
  destroy(): void {
    this.#destroyed = true;
    this.#media?.leave();
  }
}
