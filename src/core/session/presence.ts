// What a session knows about the people in its room, as plain types: the configuration a
// page gives, what each participant publishes in awareness (presence), and the Participant
// a page reads. The lowest module of session/: call/, forms/ and the data features take
// their types from here, so nothing imports the Session to learn a shape.
import type { QualityProfile } from '../call/profiles.js';
import { MAX_NAME_LENGTH } from '../net/signaling.js';

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
   * Connect to people only through a TURN server (`iceServers`, or the relay's TURN): no
   * one in the room learns this browser's addresses. For connections made after it is set.
   */
  relayOnly?: boolean;
  /**
   * Most people in the call (media), you included; the next one is refused with a
   * `call-full` error. Default MAX_PARTICIPANTS. See docs/mesh-and-sfu.md for why.
   */
  maxParticipants?: number;
  /** Camera quality: a fixed profile, or `auto` (default) to adapt per peer to the network. */
  quality?: QualityProfile;
  /**
   * Where the call's camera and microphone go: `mesh` to every other person directly; `sfu`
   * once, to the media server the relay names (Janus), which forwards them; `auto` (the
   * default) a mesh that moves to the media server when the fifth person joins the call
   * (AUTO_SFU_AT) and the relay has one. Document, chat and files stay peer-to-peer either
   * way. See docs/mesh-and-sfu.md.
   */
  media?: MediaMode;
  /**
   * `password` (default): media through the SFU is encrypted end to end with a key derived
   * from `password`, and without one the SFU is refused; `none` lets it through in clear.
   */
  mediaEncryption?: 'password' | 'none';
}

/**
 * The fraction of its captured size the camera is first sent at (4: a quarter, 320 × 180
 * from 720p), and in `auto` call/quality.ts adapts it per peer from there (its first round,
 * within 2 s). Chromium's encoder drops the first frames of a size its starting bitrate
 * (300 kbps) is too low for: at half size it dropped four (about 200 ms on a busy machine),
 * at a quarter one or two.
 */
export function cameraStartScale(profile: QualityProfile = 'auto'): number {
  return profile === 'auto' ? 4 : 1;
}

export type MediaMode = 'mesh' | 'sfu' | 'auto';

/**
 * Default most people in one call. Every participant uploads their video once per other
 * participant (a mesh), so upload bandwidth and encoder CPU grow with each person.
 */
export const MAX_PARTICIPANTS = 6;

export interface MediaState {
  audio: boolean;
  video: boolean;
  /** Stream ids, so receivers can tell the camera from a screen share. */
  camera?: string;
  screen?: string;
  /** Our camera's feed id at the SFU, when it goes there (sfu/sfu-media.ts). */
  feed?: string;
}

/** Where someone is in a field, for remote carets (forms/form-binding.ts). */
export interface CursorState {
  key: string;
  /** Y.RelativePosition JSON of the selection's start and end, in the field's Y.Text. */
  anchor?: unknown;
  head?: unknown;
}

/** What each participant publishes in awareness. */
export interface PresenceState {
  user: { name: string; color: string };
  peer: string;
  media: MediaState | null;
  /** Key of the field this participant is in, if any. */
  field?: string | null;
  /** Where in that field (for remote carets). */
  cursor?: CursorState | null;
  /** Width in device pixels at which this participant shows each peer's camera (call/quality.ts). */
  view?: Record<string, number>;
  /** Recording the call (recording/recorder.ts): everyone shows it. */
  recording?: boolean;
  /** Hand raised (call/reactions.ts): everyone shows it. */
  hand?: boolean;
  /** The latest reaction sent and how many so far (call/reactions.ts): shows briefly. */
  reaction?: { name: string; n: number };
}

/**
 * One person in the room. The same object for as long as they are in it
 * (`session.participant(id)`), updated in place when their presence or media changes.
 */
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

// Participant colours: each carries white text at a contrast of at least 4.5:1 (WCAG AA).
export const PALETTE = ['#b3261e', '#00695c', '#8a5300', '#2e7d32', '#6a1b9a', '#1f4e79', '#ad1457', '#37474f'];

/** Longest self-declared name shown (a verified one is capped by the relay client). */
export const capName = (name: string) => name.slice(0, MAX_NAME_LENGTH);
