// One Session per room name per page, shared by every element that names the room.
// Elements acquire on connect and release on disconnect; the session starts on the next
// task (so a <parley-room> parsed later in the same document can configure it first) and
// is destroyed shortly after its last holder lets go (so moving an element in the DOM,
// which disconnects and reconnects it, keeps the call).
import { Session } from './session.js';
import type { SessionConfig } from './presence.js';

/** How long an unheld session lives on, in case its element is being moved. */
export const RELEASE_DELAY_MS = 1000;

interface Entry {
  session: Session;
  holders: number;
  releaseTimer?: ReturnType<typeof setTimeout>;
}

const sessions = new Map<string, Entry>();

export function acquireSession(room: string, config?: SessionConfig): Session {
  let entry = sessions.get(room);
  if (!entry) {
    const session = new Session(room, config);
    entry = { session, holders: 0 };
    sessions.set(room, entry);
    setTimeout(() => session.start());
  } else if (config) {
    entry.session.configure(config);
  }
  clearTimeout(entry.releaseTimer);
  entry.holders++;
  return entry.session;
}

export function releaseSession(session: Session): void {
  const entry = sessions.get(session.room);
  if (!entry || entry.session !== session) return;
  entry.holders--;
  if (entry.holders > 0) return;
  clearTimeout(entry.releaseTimer);
  entry.releaseTimer = setTimeout(() => {
    if (entry.holders > 0) return;
    sessions.delete(session.room);
    session.destroy();
  }, RELEASE_DELAY_MS);
}

/** The live session for a room, if any element holds it. */
export function findSession(room: string): Session | undefined {
  return sessions.get(room)?.session;
}
