import { expect } from '@open-wc/testing';
import * as Y from 'yjs';
import { DocStore } from './persistence.js';

const uniqueKey = (name: string) => `test-${name}-${Date.now()}-${Math.random().toString(36).slice(2)}`;

/** A fresh document with what is stored under `key`. */
async function reopen(key: string): Promise<Y.Doc> {
  const doc = new Y.Doc();
  const store = new DocStore(key, doc);
  await store.loaded;
  await store.destroy();
  return doc;
}

describe('DocStore (core)', () => {
  it('keeps a document across stores, edits made after loading included', async () => {
    const key = uniqueKey('reload');
    const doc = new Y.Doc();
    doc.getMap('seeds').set('title', true);
    const store = new DocStore(key, doc);
    await store.loaded;
    doc.getText('title').insert(0, 'Invoice 42');
    await store.destroy();
    doc.destroy();
    const restored = await reopen(key);
    expect(restored.getText('title').toString()).to.equal('Invoice 42');
    expect(restored.getMap('seeds').get('title')).to.equal(true);
  });

  it('writes the document when destroyed before the database has opened', async () => {
    const key = uniqueKey('early');
    const doc = new Y.Doc();
    const store = new DocStore(key, doc);
    doc.getText('notes').insert(0, 'typed at once');
    const destroyed = store.destroy();
    doc.destroy(); // at once, as Session.destroy() does
    await destroyed;
    expect((await reopen(key)).getText('notes').toString()).to.equal('typed at once');
  });

  it('reports a database that does not open, and still settles, leaving no unhandled rejection in the page', async () => {
    const open = indexedDB.open;
    indexedDB.open = () => {
      throw new DOMException('IndexedDB is off', 'InvalidStateError');
    };
    const errors: unknown[] = [];
    const unhandled: unknown[] = [];
    const onUnhandled = (event: PromiseRejectionEvent) => {
      unhandled.push(event.reason);
      event.preventDefault();
    };
    window.addEventListener('unhandledrejection', onUnhandled);
    try {
      const doc = new Y.Doc();
      const store = new DocStore(uniqueKey('broken'), doc, (error) => errors.push(error));
      await store.loaded;
      await store.destroy();
      await new Promise((resolve) => setTimeout(resolve, 100)); // the page reports an unhandled rejection a task later
    } finally {
      indexedDB.open = open;
      window.removeEventListener('unhandledrejection', onUnhandled);
    }
    expect(errors).to.have.length(1);
    expect(String(errors[0])).to.contain('IndexedDB is off');
    expect(unhandled.map(String), 'rejections nobody handled').to.deep.equal([]);
  });
});
