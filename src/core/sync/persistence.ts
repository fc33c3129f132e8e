// Keeps a room's Y.Doc in this browser's IndexedDB so edits survive a reload or a crash,
// and merge with the room when it is back. The storage is y-indexeddb's (an update log,
// compacted as it grows, one database per room); this wraps it in what a Session needs: a
// `loaded` promise that settles even when IndexedDB is unavailable, errors passed to a
// callback, and a destroy() that waits until the document is written. y-indexeddb is
// imported on first use (indexeddb-store.ts), so a page that never persists never loads it.
import type * as Y from 'yjs';
import type { IndexeddbPersistence } from 'y-indexeddb';

/** The IndexedDB database of a room is this prefix plus the room name. */
export const DB_PREFIX = 'parley:';

export class DocStore {
  /** Resolves once the stored state (if any) has been applied to the document. */
  readonly loaded: Promise<void>;
  #store: Promise<IndexeddbPersistence | null>;

  constructor(
    readonly key: string,
    readonly doc: Y.Doc,
    private readonly onError: (error: unknown) => void = () => {},
  ) {
    this.#store = import('./indexeddb-store.js')
      .then(({ openStore }) => openStore(DB_PREFIX + key, doc))
      .catch((error) => {
        onError(error);
        return null;
      });
    this.loaded = this.#store.then((store) =>
      // y-indexeddb reports a database that does not open only by never syncing.
      store?._db.then(() => store.whenSynced).then(
        () => {},
        (error) => {
          onError(error);
          store.destroy().catch(() => {});
        },
      ),
    );
  }

  /**
   * Stops following the document once everything it holds is written (y-indexeddb writes
   * each update as it happens, and the whole document once the database is open).
   */
  async destroy(): Promise<void> {
    await this.loaded;
    const store = await this.#store;
    if (store?.synced) await store.destroy().catch(this.onError);
  }
}
