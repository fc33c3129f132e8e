// Putting this page's tracks on a connection's pre-made transceivers, or taking them off:
// `replaceTrack` only, never a new m-line (net/media-slots.ts). Loaded with the call.
import { ParleyError } from '../errors.js';
import { MEDIA_SLOTS, type LocalTracks } from '../net/media-slots.js';
import type { Peer } from '../net/peer.js';

/**
 * The track each sender was last asked to carry, and when it will: `sender.track` changes
 * only once replaceTrack resolves, so two sends close together would otherwise replace it
 * twice, or in the wrong order. Each request waits for the one before.
 */
const requested = new WeakMap<RTCRtpSender, { track: MediaStreamTrack | null; done: Promise<void> }>();

/** The sender carrying this local track on a connection, if any (for quality adaptation and stats). */
export function senderOf(peer: Peer, track: MediaStreamTrack): RTCRtpSender | undefined {
  return MEDIA_SLOTS.map((slot) => peer.transceiver(slot)?.sender).find((sender) => sender?.track === track);
}

/**
 * Makes the connection send exactly these tracks, each on its slot (a slot the answerer has
 * not learned yet, from the first offer, is skipped: the peer's `slots` event says when).
 * `cameraScale` sends a camera that goes on at that fraction of its size. Resolves once
 * every slot carries its track; a failure is reported to `onError`.
 */
export function sendTracks(peer: Peer, tracks: LocalTracks, cameraScale: number | undefined, onError: (error: ParleyError) => void): Promise<void> {
  const replaced: Array<Promise<void>> = [];
  for (const slot of MEDIA_SLOTS) {
    const sender = peer.transceiver(slot)?.sender;
    if (!sender) continue;
    const track = tracks[slot] ?? null;
    const pending = requested.get(sender);
    if (pending ? pending.track === track : sender.track === track) {
      if (pending) replaced.push(pending.done);
      continue;
    }
    const put = async () => {
      // The camera's size is set before its first frame: changed after, the encoder restarts.
      const prepared = track ? prepare(sender, slot === 'camera' ? (cameraScale ?? 1) : undefined) : undefined;
      if (prepared) await prepared;
      await sender.replaceTrack(track);
      // Firefox goes on encoding and sending frames on a video sender whose track was taken
      // away; a sender not active sends nothing, in every browser (no renegotiation).
      if (!track) await pause(sender);
    };
    // After the sender's previous request: a camera put on (its size set first, which takes a
    // while) and taken off just after must end off, not the other way round. With none
    // pending, the track goes on now, before the page's other work on this change (the
    // grid's and the form's renders): a join's first frame waits for nothing else.
    const done: Promise<void> = (pending ? pending.done.then(put) : put())
      .catch((cause) => {
        if (requested.get(sender)?.done === done) requested.delete(sender); // the next send tries again
        if (!peer.closed) onError(new ParleyError('peer', `Could not send ${slot} to ${peer.id}`, { cause }));
      });
    requested.set(sender, { track, done });
    replaced.push(done);
  }
  return Promise.all(replaced).then(() => {});
}

/**
 * The encoding the quality monitor last applied to each sender (network-stats.ts), so it
 * does not read it again each round: in Chromium getParameters() waits on WebRTC's own
 * thread, which a busy call keeps for seconds. Forgotten when a camera goes on anew here.
 */
export const appliedEncodings = new WeakMap<RTCRtpSender, { maxBitrate: number; scaleResolutionDownBy: number }>();

/** Senders made inactive when their track was taken off (getParameters is read only when needed). */
const paused = new WeakSet<RTCRtpSender>();

/**
 * Before a track goes on: the sender active again (taken off, it was made inactive), and a
 * camera's size set (`scale`), in one setParameters when anything changes.
 */
function prepare(sender: RTCRtpSender, scale: number | undefined): Promise<void> | undefined {
  if (scale === undefined && !paused.has(sender)) return;
  if (scale !== undefined) appliedEncodings.delete(sender);
  const params = sender.getParameters();
  const encoding = params.encodings?.[0];
  if (!encoding) return;
  const inactive = paused.delete(sender);
  params.encodings.forEach((e) => (e.active = true));
  const rescale = scale !== undefined && (encoding.scaleResolutionDownBy ?? 1) !== scale;
  if (rescale) encoding.scaleResolutionDownBy = scale;
  if (!inactive && !rescale) return; // as the connection was made: nothing to change
  return sender.setParameters(params).catch(() => {}); // not supported: starts as it is
}

function pause(sender: RTCRtpSender): Promise<void> | undefined {
  if (paused.has(sender)) return;
  const params = sender.getParameters();
  if (!params.encodings?.length) return;
  paused.add(sender);
  params.encodings.forEach((e) => (e.active = false));
  return sender.setParameters(params).catch(() => {});
}
