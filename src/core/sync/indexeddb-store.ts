// A room's y-indexeddb store, made once its database is known to open (persistence.ts
// loads this, with y-indexeddb, on a room's first `persist`).
import { IndexeddbPersistence } from 'y-indexeddb';
import type * as Y from 'yjs';

/** y-indexeddb's store of `doc` in the database `name`; rejects when IndexedDB cannot open it. */
export async function openStore(name: string, doc: Y.Doc): Promise<IndexeddbPersistence> {
  await opens(name);
  const store = new IndexeddbPersistence(name, doc);
  // The session destroys the doc right after this store: DocStore.destroy() must run first
  // (y-indexeddb's own would drop a document not yet written).
  doc.off('destroy', store.destroy);
  return store;
}

/**
 * Resolves once IndexedDB can open the database `name` in this browser; rejects with its
 * error when it cannot (storage turned off or refused). A y-indexeddb store is made only
 * after: one whose database does not open leaves a rejection nobody can handle, reported
 * in the host page's console and to its error monitoring. Makes nothing: a database not
 * there yet would be created, and that creation is called off.
 */
function opens(name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(name);
    let creating = false;
    request.onupgradeneeded = () => {
      creating = true;
      request.transaction!.abort();
    };
    request.onsuccess = () => {
      request.result.close();
      resolve();
    };
    request.onerror = (event) => {
      event.preventDefault(); // our abort, or the failure we report
      if (creating) resolve();
      else reject(request.error);
    };
  });
}
