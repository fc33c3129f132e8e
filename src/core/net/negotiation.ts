// The offers, answers and ICE candidates of one RTCPeerConnection (peer.ts). The impolite side makes the
// first offer, which already carries every m-line a call can need, so the only offers after
// it are ICE restarts, handled with "perfect negotiation" (the polite side rolls back on a
// collision). Signals are applied strictly in order (one queue per connection); an offer
// nobody answers is sent again; a connection that fails, or stays disconnected, restarts ICE.
import { ParleyError, log } from '../errors.js';
import { isRecord } from './signaling.js';
import type { MediaSlots } from './media-slots.js';

/** How long a `disconnected` connection may try to recover before we restart ICE. */
export const DISCONNECTED_GRACE_MS = 4000;
/**
 * An offer still unanswered after this long is sent again. It can be lost for good: an ICE
 * restart offer goes through the relay, which drops what a frozen tab can't take, and once
 * the tab thaws we would wait forever and never restart again.
 */
export const OFFER_RESEND_MS = 5000;

export interface Signal {
  description?: RTCSessionDescriptionInit;
  candidate?: RTCIceCandidateInit | null;
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

export class Negotiation {
  #makingOffer = false;
  #ignoreOffer = false;
  #stopped = false;
  #queue: Promise<void> = Promise.resolve();
  #graceTimer: ReturnType<typeof setTimeout> | undefined;
  #offerTimer: ReturnType<typeof setTimeout> | undefined;

  readonly #pc: RTCPeerConnection;
  readonly #id: string;
  readonly #polite: boolean;
  readonly #media: MediaSlots;
  readonly #hooks: NegotiationHooks;

  constructor(pc: RTCPeerConnection, id: string, polite: boolean, media: MediaSlots, hooks: NegotiationHooks) {
    this.#pc = pc;
    this.#id = id;
    this.#polite = polite;
    this.#media = media;
    this.#hooks = hooks;
    pc.onnegotiationneeded = () => void this.#negotiate();
    pc.onicecandidate = ({ candidate }) => hooks.send({ candidate: candidate?.toJSON() ?? null });
    pc.onconnectionstatechange = () => this.#onConnectionState();
  }

  /** Feeds a signal from the remote peer; handled in arrival order. */
  handle(signal: unknown): void {
    this.#queue = this.#queue.then(() => this.#apply(signal)).catch((cause) => this.#hooks.wedged(cause));
  }

  /**
   * Restarts ICE, in turn with the signal queue. An earlier offer that was never answered
   * (the other side was unreachable) would hold the restart back for good — negotiation
   * only starts from `stable` — so it is rolled back first and the restart offer replaces it.
   */
  restartIce(): void {
    this.#queue = this.#queue.then(async () => {
      if (this.#stopped) return;
      if (this.#pc.signalingState === 'have-local-offer') await this.#pc.setLocalDescription({ type: 'rollback' });
      this.#pc.restartIce();
    }).catch((cause) => this.#hooks.error(new ParleyError('peer', `ICE restart with ${this.#id} failed`, { cause })));
  }

  /** The connection is closing: no more offers, answers or restarts. */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#graceTimer);
    clearTimeout(this.#offerTimer);
    this.#pc.onnegotiationneeded = this.#pc.onicecandidate = this.#pc.onconnectionstatechange = null;
  }

  async #negotiate(): Promise<void> {
    // The impolite side builds the pair and makes the first offer (the hello rule,
    // mesh.ts); until that offer is here, an offer of ours would only collide with it.
    if (this.#polite && !this.#pc.remoteDescription) return;
    try {
      this.#makingOffer = true;
      await this.#pc.setLocalDescription();
      this.#hooks.offered();
      this.#sendOffer();
    } catch (cause) {
      this.#hooks.wedged(cause);
    } finally {
      this.#makingOffer = false;
    }
  }

  /** Sends our pending offer, and again every OFFER_RESEND_MS until it is answered. */
  #sendOffer(): void {
    clearTimeout(this.#offerTimer);
    const offer = this.#pc.localDescription;
    if (this.#stopped || this.#pc.signalingState !== 'have-local-offer' || !offer) return;
    this.#hooks.send({ description: offer.toJSON() });
    this.#offerTimer = setTimeout(() => this.#sendOffer(), OFFER_RESEND_MS);
  }

  async #apply(signal: unknown): Promise<void> {
    if (this.#stopped) return;
    const { description, candidate } = isRecord(signal) ? signal : {};
    if (isRecord(description) && (description.type === 'offer' || description.type === 'answer') && typeof description.sdp === 'string') {
      const offerCollision =
        description.type === 'offer' && (this.#makingOffer || this.#pc.signalingState !== 'stable');
      this.#ignoreOffer = !this.#polite && offerCollision;
      if (this.#ignoreOffer) return;
      // An answer only fits a local offer; a stale one (after a rollback) is dropped.
      if (description.type === 'answer' && this.#pc.signalingState !== 'have-local-offer') return;
      await this.#pc.setRemoteDescription({ type: description.type, sdp: description.sdp });
      if (description.type === 'offer') {
        // Take up the media slots the offer made, before answering.
        this.#media.adopt();
        await this.#pc.setLocalDescription();
        if (this.#pc.localDescription) this.#hooks.send({ description: this.#pc.localDescription.toJSON() });
      }
    } else if (candidate === null || isRecord(candidate)) {
      try {
        await this.#pc.addIceCandidate(candidate ? (candidate as RTCIceCandidateInit) : undefined);
      } catch (error) {
        if (!this.#ignoreOffer) log.debug('addIceCandidate failed', this.#id, error);
      }
    } else {
      this.#hooks.error(new ParleyError('peer', `Peer ${this.#id} sent a signal that is neither a description nor a candidate; dropped`));
    }
  }

  #onConnectionState(): void {
    const state = this.#pc.connectionState;
    clearTimeout(this.#graceTimer);
    if (state === 'failed') {
      this.restartIce();
    } else if (state === 'disconnected') {
      this.#graceTimer = setTimeout(() => {
        if (this.#pc.connectionState === 'disconnected') this.restartIce();
      }, DISCONNECTED_GRACE_MS);
    }
  }
}
