// The offers, answers and ICE candidates of one RTCPeerConnection (peer.ts). The impolite side makes the
// first offer, which already carries every m-line a call can need, so the only offers after
// it are ICE restarts, handled with "perfect negotiation" (the polite side rolls back on a
// collision). Signals are applied strictly in order (one queue per connection); an offer
// nobody answers is sent again; a connection that fails, or stays disconnected, restarts ICE.
// Only the impolite side makes restart offers: the polite side asks it to ({restart: 1}),
// again until the offer comes.
// A cut both sides see makes both restart at once, and in Chromium a polite side that rolled
// its restart offer back to take the other's received no more video on that connection.
import { ParleyError, log } from '../errors.js';
import { isRecord } from './signaling.js';
import type { MediaSlots } from './media-slots.js';

/** How long a `disconnected` connection may try to recover before we restart ICE. */
export const DISCONNECTED_GRACE_MS = 4000;
/**
 * An offer still unanswered after this long is sent again, as is a request for a restart
 * (from the polite side) no offer has followed. It can be lost for good: an ICE restart
 * goes through the relay, which drops what a frozen tab can't take, and once the tab
 * thaws we would wait forever and never restart again.
 */
export const OFFER_RESEND_MS = 5000;

export interface Signal {
  description?: RTCSessionDescriptionInit;
  candidate?: RTCIceCandidateInit | null;
  /** From the polite side: "restart ICE" (only the impolite side makes restart offers). */
  restart?: 1;
}

/** What negotiation needs from its Peer. */
export interface NegotiationHooks {
  /** Delivers a signal to the remote peer (in-band or over the relay: the Peer decides). */
  send(signal: Signal): void;
  /** An offer of ours went out (the first one, or an ICE restart). */
  offered(): void;
  /** A description could not be applied: this connection cannot negotiate any more. */
  wedged(cause: unknown): void;
  error(error: ParleyError): void;
}

/** One connection's negotiation, as its Peer drives it. */
export interface Negotiation {
  /** Feeds a signal from the remote peer; handled in arrival order. */
  handle(signal: unknown): void;
  /**
   * Restarts ICE, in turn with the signal queue (on the polite side: asks the other side to).
   * An earlier offer that was never answered (the other side was unreachable) would hold the
   * restart back for good — negotiation only starts from `stable` — so it is rolled back
   * first and the restart offer replaces it.
   */
  restartIce(): void;
  /** The connection is closing: no more offers, answers or restarts. */
  stop(): void;
}

/** Takes over `pc`'s negotiation: its `negotiationneeded`, ICE candidates and connection state. */
export function negotiate(pc: RTCPeerConnection, id: string, polite: boolean, media: MediaSlots, hooks: NegotiationHooks): Negotiation {
  let makingOffer = false;
  let ignoreOffer = false;
  let stopped = false;
  let queue: Promise<void> = Promise.resolve();
  let graceTimer: ReturnType<typeof setTimeout> | undefined;
  let offerTimer: ReturnType<typeof setTimeout> | undefined;

  const restartIce = (): void => {
    // The polite side asks, and asks again until an offer comes: a request can be lost as
    // an offer can (sendOffer), and the other side may not see the failure itself.
    if (polite) {
      if (stopped) return;
      hooks.send({ restart: 1 });
      clearTimeout(offerTimer);
      return void (offerTimer = setTimeout(restartIce, OFFER_RESEND_MS));
    }
    queue = queue.then(async () => {
      if (stopped) return;
      if (pc.signalingState === 'have-local-offer') await pc.setLocalDescription({ type: 'rollback' });
      pc.restartIce();
    }).catch((cause) => hooks.error(new ParleyError('peer', `ICE restart with ${id} failed`, { cause })));
  };

  /** Sends our pending offer, and again every OFFER_RESEND_MS until it is answered. */
  const sendOffer = (): void => {
    clearTimeout(offerTimer);
    const offer = pc.localDescription;
    if (stopped || pc.signalingState !== 'have-local-offer' || !offer) return;
    hooks.send({ description: offer.toJSON() });
    offerTimer = setTimeout(sendOffer, OFFER_RESEND_MS);
  };

  const apply = async (signal: unknown): Promise<void> => {
    if (stopped) return;
    const { description, candidate, restart } = isRecord(signal) ? signal : {};
    if (isRecord(description) && (description.type === 'offer' || description.type === 'answer') && typeof description.sdp === 'string') {
      const offerCollision = description.type === 'offer' && (makingOffer || pc.signalingState !== 'stable');
      ignoreOffer = !polite && offerCollision;
      if (ignoreOffer) return;
      // An answer only fits a local offer; a stale one (after a rollback) is dropped.
      if (description.type === 'answer' && pc.signalingState !== 'have-local-offer') return;
      await pc.setRemoteDescription({ type: description.type, sdp: description.sdp });
      if (description.type === 'offer') {
        clearTimeout(offerTimer); // the offer our restart request asked for (polite side)
        // Take up the media slots the offer made, before answering.
        media.adopt();
        await pc.setLocalDescription();
        if (pc.localDescription) hooks.send({ description: pc.localDescription.toJSON() });
      }
    } else if (restart === 1) {
      if (!polite && pc.signalingState === 'stable') restartIce();
    } else if (candidate === null || isRecord(candidate)) {
      try {
        await pc.addIceCandidate(candidate ? (candidate as RTCIceCandidateInit) : undefined);
      } catch (error) {
        if (!ignoreOffer) log.debug('addIceCandidate failed', id, error);
      }
    } else {
      hooks.error(new ParleyError('peer', `Peer ${id} sent an unknown signal; dropped`));
    }
  };

  pc.onnegotiationneeded = async () => {
    // The impolite side builds the pair and makes the first offer (the hello rule,
    // mesh.ts); until that offer is here, an offer of ours would only collide with it.
    // After it, the only offers are ICE restarts, and the polite side asks for those.
    if (polite) return void (pc.remoteDescription && restartIce());
    try {
      makingOffer = true;
      await pc.setLocalDescription();
      hooks.offered();
      sendOffer();
    } catch (cause) {
      hooks.wedged(cause);
    } finally {
      makingOffer = false;
    }
  };
  pc.onicecandidate = ({ candidate }) => hooks.send({ candidate: candidate?.toJSON() ?? null });
  pc.onconnectionstatechange = () => {
    const state = pc.connectionState;
    clearTimeout(graceTimer);
    if (state === 'failed') {
      restartIce();
    } else if (state === 'disconnected') {
      graceTimer = setTimeout(() => {
        if (pc.connectionState === 'disconnected') restartIce();
      }, DISCONNECTED_GRACE_MS);
    }
  };

  return {
    handle(signal) {
      queue = queue.then(() => apply(signal)).catch((cause) => hooks.wedged(cause));
    },
    restartIce,
    stop() {
      stopped = true;
      clearTimeout(graceTimer);
      clearTimeout(offerTimer);
      pc.onnegotiationneeded = pc.onicecandidate = pc.onconnectionstatechange = null;
    },
  };
}
