// Keeps a room's Y.Doc in this browser's IndexedDB so edits survive a reload or a crash,
// and merge with the room when it is back. One record per room: the whole document as one
// Yjs update, rewritten shortly after changes. (y-indexeddb does the same with an update
// log and compaction; this is the part Parley needs, at a fraction of the bundle bytes.)
import * as Y from 'yjs';

const DB_NAME = 'parley';
const STORE = 'docs';
/** Quiet time after an edit before the document is written. */
export const SAVE_DELAY_MS = 250;

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

function openDatabase(): Promise<IDBDatabase> {
  const req = indexedDB.open(DB_NAME, 1);
  req.onupgradeneeded = () => req.result.createObjectStore(STORE);
  return request(req);
}

export class DocStore {
  /** Resolves once the stored state (if any) has been applied to the document. */
  readonly loaded: Promise<void>;
  #db: Promise<IDBDatabase>;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    readonly key: string,
    readonly doc: Y.Doc,
    private readonly onError: (error: unknown) => void = () => {},
  ) {
    this.#db = openDatabase();
    this.loaded = this.#db
      .then((db) => request<Uint8Array | undefined>(db.transaction(STORE).objectStore(STORE).get(key)))
      .then((stored) => {
        if (stored) Y.applyUpdate(doc, stored, this);
      })
      .catch(onError)
      .finally(() => doc.on('update', this.#onUpdate));
  }

  /** Writes now (also called before the page goes away). */
  async save(): Promise<void> {
    clearTimeout(this.#timer);
    const update = Y.encodeStateAsUpdate(this.doc); // now: the doc may be destroyed next
    try {
      const db = await this.#db;
      await request(db.transaction(STORE, 'readwrite').objectStore(STORE).put(update, this.key));
    } catch (error) {
      this.onError(error);
    }
  }

  destroy(): Promise<void> {
    this.doc.off('update', this.#onUpdate);
    return this.#timer === undefined ? Promise.resolve() : this.save();
  }

  #onUpdate = (_update: Uint8Array, origin: unknown) => {
    if (origin === this) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.save();
    }, SAVE_DELAY_MS);
  };
}
