// Where a received file is written while it arrives: the Origin Private File System when
// the browser has it (so a 2 GB file never sits in memory), else memory. Either way the
// result is a Blob the page can offer as a download.

export interface FileStore {
  readonly kind: 'disk' | 'memory';
  write(position: number, data: Uint8Array): Promise<void>;
  /** Closes the store and returns its content (disk-backed for 'disk'). */
  finish(type: string): Promise<Blob>;
  /** Drops everything written. */
  discard(): Promise<void>;
}

/** Every received file's name on disk starts with this. */
export const STORE_PREFIX = 'parley-';
/** Received files left on disk longer than this (a tab closed mid-transfer) are deleted. */
export const STALE_AFTER_MS = 24 * 60 * 60 * 1000;
let swept = false;

export async function openFileStore(name: string, disk = true): Promise<FileStore> {
  if (disk && typeof FileSystemFileHandle !== 'undefined' && 'createWritable' in FileSystemFileHandle.prototype) {
    try {
      if (!swept) {
        swept = true;
        void sweepFileStore();
      }
      return await openDiskStore(STORE_PREFIX + name);
    } catch {
      // Private browsing, quota or policy: fall back to memory.
    }
  }
  return memoryStore();
}

async function openDiskStore(name: string): Promise<FileStore> {
  const root = await navigator.storage.getDirectory();
  const handle = await root.getFileHandle(name, { create: true });
  const writable = await handle.createWritable({ keepExistingData: false });
  let open = true;
  return {
    kind: 'disk',
    write: (position, data) => writable.write({ type: 'write', position, data: data as Uint8Array<ArrayBuffer> }),
    async finish(type) {
      open = false;
      await writable.close();
      const file = await handle.getFile();
      return new Blob([file], { type });
    },
    async discard() {
      if (open) await writable.abort().catch(() => {});
      open = false;
      await root.removeEntry(name).catch(() => {});
    },
  };
}

/**
 * Deletes received files not written to for `maxAge`: what a tab closed mid-transfer, or a
 * download never dismissed, left behind. Another tab's transfer in progress is safe: its
 * file is recent (and where the browser locks files open for writing, it can't be removed).
 */
export async function sweepFileStore(maxAge = STALE_AFTER_MS): Promise<string[]> {
  const removed: string[] = [];
  const root = await navigator.storage.getDirectory();
  const cutoff = Date.now() - maxAge;
  for await (const [name, handle] of (root as unknown as { entries(): AsyncIterable<[string, FileSystemHandle]> }).entries()) {
    if (!name.startsWith(STORE_PREFIX) || handle.kind !== 'file') continue;
    try {
      if ((await (handle as FileSystemFileHandle).getFile()).lastModified > cutoff) continue;
      await root.removeEntry(name);
      removed.push(name);
    } catch {
      // In use (another tab's transfer) or already gone.
    }
  }
  return removed;
}

function memoryStore(): FileStore {
  const parts = new Map<number, Uint8Array<ArrayBuffer>>();
  return {
    kind: 'memory',
    async write(position, data) {
      parts.set(position, data.slice());
    },
    async finish(type) {
      const blob = new Blob([...parts.entries()].sort(([a], [b]) => a - b).map(([, part]) => part), { type });
      parts.clear();
      return blob;
    },
    async discard() {
      parts.clear();
    },
  };
}
