// Raised hands and reactions: two small fields of each person's presence (awareness),
// `hand` (true while raised) and `reaction` ({ name, n }: the n-th reaction they sent).
// Presence is the path because the sync layer already lets a connection speak only for
// its own client (sync/sync.ts): nobody can raise a hand, or react, for someone else.
// What is in those fields is still a peer's to say, so it is checked here: only `true`
// raises a hand, a reaction must name one of REACTIONS, and a person's reactions show no
// more often than once per REACTION_MIN_INTERVAL_MS; the rest is dropped and reported.
import { createNanoEvents } from 'nanoevents';
import { ParleyError } from '../errors.js';
import type { Session } from '../session/session.js';

/** The reactions there are; a reaction naming anything else is dropped. */
export const REACTIONS = ['like', 'love', 'laugh'] as const;
export type ReactionName = (typeof REACTIONS)[number];

/** How long a reaction shows on the sender's tile. */
export const REACTION_SHOW_MS = 3000;
/**
 * Shortest time between two reactions of one person that both show: a peer that sends
 * more often floods nobody's tiles (the extra ones are dropped, and it is reported once).
 */
export const REACTION_MIN_INTERVAL_MS = 500;

/** A presence as a peer sent it: checked before use. */
type Presence = { peer?: unknown; hand?: unknown; reaction?: unknown };

const isReaction = (value: unknown): value is ReactionName => (REACTIONS as readonly unknown[]).includes(value);

/** Raises or lowers this page's hand, for everyone in the room. */
export function raiseHand(session: Session, raised: boolean): void {
  session.awareness.setLocalStateField('hand', raised);
}

/** Peer ids of everyone whose hand is up (this page's own id when ours is). */
export function raisedHands(session: Session): Set<string> {
  const up = new Set<string>();
  for (const state of session.awareness.getStates().values()) {
    const presence = state as Presence;
    // Only `true` counts; a presence names only its own peer (sync.ts refuses the rest).
    if (presence.hand === true && typeof presence.peer === 'string') up.add(presence.peer);
  }
  return up;
}

const sent = new WeakMap<Session, number>();

/**
 * Sends a reaction to everyone (it shows briefly on this page's tile). Returns false, and
 * sends nothing, for a name not in REACTIONS or when the last one went out less than
 * REACTION_MIN_INTERVAL_MS ago (the others would drop it).
 */
export function sendReaction(session: Session, name: ReactionName): boolean {
  const local = session.awareness.getLocalState() as Presence | null;
  const now = performance.now();
  if (!isReaction(name) || now - (sent.get(session) ?? -Infinity) < REACTION_MIN_INTERVAL_MS) return false;
  sent.set(session, now);
  const previous = local?.reaction as { n?: unknown } | undefined;
  const n = typeof previous?.n === 'number' ? previous.n + 1 : 1;
  session.awareness.setLocalStateField('reaction', { name, n });
  return true;
}

export interface ReactionEvents {
  /** A reaction started or stopped showing. */
  change: () => void;
  /** A peer sent a reaction that is not one of REACTIONS, or too many: dropped. */
  error: (error: ParleyError) => void;
}

/**
 * The reactions showing now, per person (peer id → reaction), each for REACTION_SHOW_MS
 * after it arrived. What people had sent before this started watching never shows.
 */
export class Reactions {
  readonly events = createNanoEvents<ReactionEvents>();
  /** Peer id → the reaction showing on their tile. */
  readonly showing = new Map<string, ReactionName>();
  /** Peer id → the last reaction number seen from them, and when one last showed. */
  readonly #seen = new Map<string, { n: unknown; at: number }>();
  readonly #timers = new Map<string, ReturnType<typeof setTimeout>>();
  readonly #reported = new Set<string>();

  constructor(readonly session: Session) {
    this.#read(false);
    session.awareness.on('change', this.#onChange);
  }

  stop(): void {
    this.session.awareness.off('change', this.#onChange);
    this.#timers.forEach(clearTimeout);
  }

  #onChange = () => this.#read(true);

  #read(show: boolean): void {
    const now = performance.now();
    for (const state of this.session.awareness.getStates().values()) {
      const { peer, reaction } = state as Presence;
      if (typeof peer !== 'string') continue;
      const { name, n } = (reaction ?? {}) as { name?: unknown; n?: unknown };
      const seen = this.#seen.get(peer);
      if (seen && seen.n === n) continue;
      this.#seen.set(peer, { n, at: seen?.at ?? -Infinity });
      if (!show || !seen) continue; // sent before we looked
      if (!isReaction(name) || typeof n !== 'number') {
        this.#report(peer, 'an unknown reaction');
        continue;
      }
      if (now - seen.at < REACTION_MIN_INTERVAL_MS) {
        this.#report(peer, 'too many reactions');
        continue;
      }
      this.#seen.get(peer)!.at = now;
      this.showing.set(peer, name);
      clearTimeout(this.#timers.get(peer));
      this.#timers.set(
        peer,
        setTimeout(() => {
          this.#timers.delete(peer);
          this.showing.delete(peer);
          this.events.emit('change');
        }, REACTION_SHOW_MS),
      );
      this.events.emit('change');
    }
  }

  /** Reported once per peer and reason (a flood is one report). */
  #report(peer: string, what: string): void {
    const key = `${peer} ${what}`;
    if (this.#reported.has(key)) return;
    this.#reported.add(key);
    this.events.emit('error', new ParleyError('trust', `Dropped ${what} from ${peer}`));
  }
}
