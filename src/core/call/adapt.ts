// One round of the quality monitor (quality.ts), loaded with its first round in a call: read
// each connected peer's stats and, in `auto`, keep our camera sender to that peer on the
// encoding its path and its tile size call for (the tile width comes from its presence).
import type { Awareness } from 'y-protocols/awareness';
import type { Peer } from '../net/peer.js';
import type { PresenceState, SessionConfig } from '../session/presence.js';
import { applyEncoding, readPeerStats, targetEncoding, type Counters, type PeerStats } from './network-stats.js';
import { senderOf } from './send-tracks.js';

/** What the quality monitor reads from its session. */
export interface QualityHost {
  readonly id: string;
  readonly config: Readonly<SessionConfig>;
  readonly awareness: Awareness;
  readonly peers: ReadonlyMap<string, Peer>;
  readonly localStream: MediaStream | null;
  readonly localPresence: PresenceState | null;
}

export async function adaptToPeers(session: QualityHost, stats: Map<string, PeerStats>, counters: Map<string, Counters>): Promise<void> {
  const profile = session.config.quality ?? 'auto';
  const camera = session.localStream?.getVideoTracks()[0];
  for (const id of stats.keys()) if (!session.peers.has(id)) stats.delete(id);
  await Promise.all(
    [...session.peers].map(async ([id, peer]) => {
      if (!peer.connected) return;
      try {
        const read = await readPeerStats(peer.pc, counters, id);
        stats.set(id, read);
        const sender = camera && senderOf(peer, camera);
        if (sender) await applyEncoding(sender, targetEncoding(profile, read, { captured: camera.getSettings().width ?? 0, shown: shownWidth(session, id) }));
      } catch {
        // A connection closing mid-read: its stats go with it.
      }
    }),
  );
}

/** The width at which peer `id` shows our camera, from its presence. */
function shownWidth(session: QualityHost, id: string): number | undefined {
  for (const state of session.awareness.getStates().values()) {
    const presence = state as Partial<PresenceState>;
    const width = presence.peer === id ? presence.view?.[session.id] : undefined;
    if (typeof width === 'number' && width > 0) return width;
  }
  return undefined;
}
