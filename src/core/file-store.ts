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

export async function openFileStore(name: string, disk = true): Promise<FileStore> {
  if (disk && typeof FileSystemFileHandle !== 'undefined' && 'createWritable' in FileSystemFileHandle.prototype) {
    try {
      return await openDiskStore(name);
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
