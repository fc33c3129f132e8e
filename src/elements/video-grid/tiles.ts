// Which tiles <parley-video-grid> shows, and which one of them large.
import type { Participant, Session } from '../../core/index.js';

export type GridLayout = 'grid' | 'speaker';

export interface Tile {
  /** Whose stream, and which: `<id>` (camera) or `<id>:screen`. */
  key: string;
  participant: Participant;
  stream: MediaStream | null;
  screen: boolean;
}

/**
 * A tile per person in the call, with a camera or without one (refused, none there, or not
 * started yet: their initial shows), and one per shared screen.
 */
export function tilesOf(session: Session | null): Tile[] {
  if (!session) return [];
  const tiles: Tile[] = [];
  for (const participant of session.participants()) {
    if (!participant.media) continue;
    tiles.push({ key: participant.id, participant, stream: participant.camera, screen: false });
    if (participant.screen) {
      tiles.push({ key: `${participant.id}:screen`, participant, stream: participant.screen, screen: true });
    }
  }
  return tiles.filter((tile) => tile.stream || !tile.screen);
}

/** The tile shown large, if any: the pinned one, else a shared screen, else (`speaker` layout) the active speaker. */
export function featuredTile(tiles: Tile[], pinned: string | null, layout: GridLayout, activeSpeaker: string | null): string | null {
  if (pinned && tiles.some((t) => t.key === pinned)) return pinned;
  const screen = tiles.find((t) => t.screen);
  if (screen) return screen.key;
  if (layout !== 'speaker' || tiles.length < 2) return null;
  const others = tiles.filter((t) => !t.participant.isLocal);
  return (others.find((t) => t.participant.id === activeSpeaker) ?? others[0] ?? tiles[0])!.key;
}
