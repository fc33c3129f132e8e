import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import * as Y from 'yjs';
import { sendKeys } from '@web/test-runner-commands';
import '../../index.js';
import type { ParleyForm } from './form.js';
import { FormBinding, Session } from '../../core/index.js';
import { relayUrl, uniqueRoom, waitFor } from '../../../test/helpers.js';

describe('<parley-form>', () => {
  const cleanup: Array<() => void> = [];
  afterEach(() => cleanup.splice(0).reverse().forEach((f) => f()));

  async function setup(room = uniqueRoom('pform'), attrs = '') {
    const signaling = await relayUrl();
    const wrapper = await fixture<HTMLDivElement>(html`<div></div>`);
    wrapper.innerHTML = `
      <parley-room room="${room}" signaling="${signaling}" name="Ada"></parley-room>
      <parley-form room="${room}" ${attrs}>
        <form method="post" action="/submit">
          <input type="hidden" name="csrf_token" value="t0k3n">
          <label>Title <input name="title" value="Invoice 42"></label>
          <label>Notes <textarea name="notes">Line one</textarea></label>
          <label>Status <select name="status"><option>draft</option><option>sent</option></select></label>
          <button>Save</button>
        </form>
      </parley-form>`;
    const form = wrapper.querySelector('parley-form') as ParleyForm;
    await form.updateComplete;
    return { wrapper, form, native: form.querySelector('form')!, room, signaling };
  }

  /** A second participant in the same room: a plain Session with its own copy of the form. */
  function peer(room: string, signaling: string, name = 'Bob') {
    const session = new Session(room, { signaling, name });
    const host = document.createElement('div');
    host.innerHTML = `<form><input name="title" value="Invoice 42"><textarea name="notes">Line one</textarea>
      <select name="status"><option>draft</option><option>sent</option></select></form>`;
    document.body.append(host);
    const binding = new FormBinding(session, host.firstElementChild!);
    session.start();
    cleanup.push(() => {
      binding.destroy();
      session.destroy();
      host.remove();
    });
    return { session, host, binding };
  }

  it('keeps the page’s form in the light DOM, submits natively and is accessible', async () => {
    const { form, native } = await setup();
    expect(native.parentElement).to.equal(form);
    expect(Object.fromEntries(new FormData(native))).to.deep.equal({
      csrf_token: 't0k3n',
      title: 'Invoice 42',
      notes: 'Line one',
      status: 'draft',
    });
    await expect(form).to.be.accessible();
  });

  it('reports remote changes with who made them, and fires parley-form-synced', async () => {
    const { form, native, room, signaling } = await setup();
    const bob = peer(room, signaling);
    await oneEvent(form, 'parley-form-synced');
    const change = oneEvent(form, 'parley-field-change');
    const select = bob.host.querySelector('select')!;
    select.value = 'sent';
    select.dispatchEvent(new Event('change'));
    const { detail } = await change;
    expect(detail).to.deep.include({ key: 'status', value: 'sent', origin: 'remote' });
    expect(detail.by?.name).to.equal('Bob');
    expect(native.querySelector('select')!.value).to.equal('sent');
  });

  it('draws a remote participant’s outline, name and caret, as text', async () => {
    const { form, room, signaling } = await setup();
    const bob = peer(room, signaling, '<b>Bob</b>');
    await waitFor(() => bob.session.synced, 'sync');
    const textarea = bob.host.querySelector('textarea')!;
    textarea.focus();
    textarea.setSelectionRange(4, 4);
    textarea.dispatchEvent(new Event('select', { bubbles: true }));
    const flag = await waitFor(() => form.shadowRoot!.querySelector('[part=flag]'), 'the name flag');
    // The name as text; on this open relay, marked as not verified.
    expect(flag.textContent!.trim()).to.equal('<b>Bob</b> ?');
    expect(flag.querySelector('[part=unverified]')?.textContent).to.equal('?');
    expect(form.shadowRoot!.querySelector('b')).to.equal(null);
    await waitFor(() => form.shadowRoot!.querySelector('[part=caret]'), 'the caret');
    await expect(form).to.be.accessible();
  });

  it('moves a remote caret without re-rendering the page’s other Parley elements; a rename renders them', async () => {
    const { form, wrapper, room, signaling } = await setup();
    const people = document.createElement('parley-people');
    people.setAttribute('room', room);
    wrapper.append(people);
    const bob = peer(room, signaling);
    await waitFor(() => bob.session.synced, 'sync');
    await waitFor(() => people.shadowRoot?.textContent?.includes('Bob'), 'Bob in the people list');
    const textarea = bob.host.querySelector('textarea')!;
    textarea.value = 'Line one, and two';
    textarea.dispatchEvent(new Event('input', { bubbles: true }));
    textarea.focus();
    const caretAt = () => form.shadowRoot!.querySelector<HTMLElement>('[part=caret]')?.style.left;
    const moveTo = async (offset: number) => {
      const before = caretAt();
      textarea.setSelectionRange(offset, offset);
      textarea.dispatchEvent(new Event('select', { bubbles: true }));
      await waitFor(() => caretAt() !== undefined && caretAt() !== before, `Bob’s caret to move to ${offset}`);
    };
    await moveTo(2);
    await (people as HTMLElement & { updateComplete: Promise<unknown> }).updateComplete;
    let renders = 0;
    const counted = people as unknown as { updated: (changed: Map<string, unknown>) => void };
    const updated = counted.updated.bind(people);
    counted.updated = (changed) => (renders++, updated(changed));
    for (const offset of [6, 12, 4, 15]) await moveTo(offset);
    expect(renders, 'renders of <parley-people> while Bob’s caret moved').to.equal(0);
    bob.session.configure({ name: 'Bobby' });
    await waitFor(() => people.shadowRoot!.textContent!.includes('Bobby'), 'the new name in the people list');
    expect(renders).to.be.greaterThan(0);
  });

  it('offers lock and assign tools for the focused field when others are present', async () => {
    const { form, native, room, signaling } = await setup();
    const bob = peer(room, signaling);
    await waitFor(() => bob.session.synced, 'sync');
    await waitFor(() => form.session, 'session');
    native.querySelector('textarea')!.focus();
    const lock = await waitFor(() => form.shadowRoot!.querySelector<HTMLButtonElement>('[part~=lock]'), 'the lock button');
    expect(lock.textContent!.trim()).to.equal('Lock');
    await expect(form).to.be.accessible();
    lock.click();
    await waitFor(() => bob.host.querySelector('textarea')!.readOnly, 'the lock at Bob’s');
    const select = form.shadowRoot!.querySelector<HTMLSelectElement>('[part=tools] select')!;
    select.value = bob.session.id;
    select.dispatchEvent(new Event('change'));
    await waitFor(() => form.shadowRoot!.querySelector('[part=assignment]')?.textContent === 'Assigned to Bob', 'the label');
  });

  it('puts the field tools where they cover no field, and next to the field in the Tab order', async () => {
    const room = uniqueRoom('ptools');
    const signaling = await relayUrl();
    const wrapper = await fixture<HTMLDivElement>(html`<div style="width: 640px"></div>`);
    // As the demo (a Flask-AppBuilder edit view): label cells, full-width controls 16px apart.
    wrapper.innerHTML = `
      <parley-room room="${room}" signaling="${signaling}" name="Ada"></parley-room>
      <parley-form room="${room}">
        <form><table style="width: 100%; border-collapse: collapse">
          <tr><th style="width: 30%; padding: 8px"><label for="t-title">Number</label></th><td style="padding: 8px"><input id="t-title" name="title" style="display: block; width: 100%; height: 34px; box-sizing: border-box"></td></tr>
          <tr><th style="padding: 8px"><label for="t-status">Customer</label></th><td style="padding: 8px"><select id="t-status" name="status" style="display: block; width: 100%; height: 34px"><option>Globex</option><option>Initech</option></select></td></tr>
          <tr><th style="padding: 8px"><label for="t-notes">Notes</label></th><td style="padding: 8px"><textarea id="t-notes" name="notes" style="display: block; width: 100%"></textarea></td></tr>
        </table><button>Save</button></form>
      </parley-form>`;
    const form = wrapper.querySelector('parley-form') as ParleyForm;
    const bob = peer(room, signaling);
    await waitFor(() => bob.session.synced && form.session, 'sync');
    const title = form.querySelector<HTMLInputElement>('[name=title]')!;
    const customer = form.querySelector<HTMLSelectElement>('[name=status]')!;
    title.focus();
    const tools = await waitFor(() => form.shadowRoot!.querySelector<HTMLElement>('[part=tools]'), 'the tools');
    await form.updateComplete;
    const overlaps = (a: DOMRect, b: DOMRect) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
    const box = tools.getBoundingClientRect();
    expect(box.width, 'drawn').to.be.greaterThan(0);
    for (const control of form.querySelectorAll('input, select, textarea')) {
      expect(overlaps(box, control.getBoundingClientRect()), `the tools cover ${control.getAttribute('name')}`).to.equal(false);
    }

    // Tab: from the field into its tools, through them, then on to the next field.
    const lock = tools.querySelector<HTMLButtonElement>('[part~=lock]')!;
    const assign = tools.querySelector('select')!;
    await sendKeys({ press: 'Tab' });
    expect(form.shadowRoot!.activeElement === lock, 'Tab from the field: its lock button').to.equal(true);
    await sendKeys({ down: 'Shift' });
    await sendKeys({ press: 'Tab' });
    await sendKeys({ up: 'Shift' });
    expect(document.activeElement === title, 'Shift+Tab: back to the field').to.equal(true);
    await sendKeys({ press: 'Tab' });
    await sendKeys({ press: 'Tab' });
    expect(form.shadowRoot!.activeElement === assign, 'then the assign select').to.equal(true);
    await sendKeys({ press: 'Tab' });
    expect(document.activeElement === customer, 'then the next field').to.equal(true);
    await expect(form).to.be.accessible();
  });

  it('resets only this page’s view back to the shared values (without sync-reset)', async () => {
    const { form, native, room, signaling } = await setup();
    const bob = peer(room, signaling);
    await waitFor(() => bob.session.synced && form.session?.synced, 'both sides to hold each other’s state');
    const title = native.querySelector<HTMLInputElement>('[name=title]')!;
    const bobTitle = bob.host.querySelector<HTMLInputElement>('[name=title]')!;
    bobTitle.value = 'Invoice 42, paid';
    bobTitle.dispatchEvent(new InputEvent('input'));
    await waitFor(() => title.value === 'Invoice 42, paid', 'Bob’s edit at Ada’s');
    native.reset();
    expect(title.value, 'the browser reset the control').to.equal('Invoice 42');
    await waitFor(() => title.value === 'Invoice 42, paid', 'Ada’s view back at the shared value');
    // Ada types in the notes after her reset: once that reaches Bob, the reset would have too.
    const notes = native.querySelector('textarea')!;
    notes.value = 'Line one, after the reset';
    notes.dispatchEvent(new InputEvent('input', { bubbles: true }));
    await waitFor(() => bob.host.querySelector('textarea')!.value === 'Line one, after the reset', 'Ada’s later edit at Bob’s');
    expect(bobTitle.value).to.equal('Invoice 42, paid');
    expect(bob.session.doc.getText('field:title').toString()).to.equal('Invoice 42, paid');
  });

  it('resets the form for everyone with sync-reset', async () => {
    const { form, native, room, signaling } = await setup(uniqueRoom('pform'), 'sync-reset');
    const bob = peer(room, signaling);
    await waitFor(() => bob.session.synced && form.session?.synced, 'both sides to hold each other’s state');
    const bobTitle = bob.host.querySelector<HTMLInputElement>('[name=title]')!;
    const bobNotes = bob.host.querySelector('textarea')!;
    const bobStatus = bob.host.querySelector('select')!;
    bobTitle.value = 'Invoice 42, paid';
    bobTitle.dispatchEvent(new InputEvent('input'));
    bobNotes.value = 'Line one, line two';
    bobNotes.dispatchEvent(new InputEvent('input'));
    bobStatus.value = 'sent';
    bobStatus.dispatchEvent(new Event('change'));
    await waitFor(() => native.querySelector('select')!.value === 'sent' && native.querySelector('textarea')!.value === 'Line one, line two', 'Bob’s edits at Ada’s');
    native.reset();
    await waitFor(
      () => bobTitle.value === 'Invoice 42' && bobNotes.value === 'Line one' && bobStatus.value === 'draft',
      () => `the reset at Bob’s (${bobTitle.value} | ${bobNotes.value} | ${bobStatus.value})`,
    );
    expect(Object.fromEntries(new FormData(native))).to.deep.equal({ csrf_token: 't0k3n', title: 'Invoice 42', notes: 'Line one', status: 'draft' });
  });

  it('restores edits from IndexedDB after a real reload with persist, alone in the room, and says the page was older', async function () {
    this.timeout(60000); // two page loads that compile the library in a fresh realm, on a loaded machine
    const room = uniqueRoom('persist');
    const signaling = await relayUrl();
    // The page, in a frame: reloading it starts a fresh JavaScript realm (new session, nothing in
    // memory). An inline script, as page code would, records the conflict events from the start.
    // autocomplete=off: Firefox would otherwise put the typed value back by itself on reload.
    const frame = document.createElement('iframe');
    frame.srcdoc = `<!doctype html>
      <script>window.conflicts = []; addEventListener('parley-field-conflict', (e) => conflicts.push(e.detail));</script>
      <script type="module" src="${new URL('/src/index.ts', location.href).href}"></script>
      <parley-room room="${room}" signaling="${signaling}" name="Ada"></parley-room>
      <parley-form room="${room}" persist><form autocomplete="off"><input name="title" value="Invoice 42"></form></parley-form>`;
    type FrameWindow = Window & { conflicts: unknown[]; InputEvent: typeof InputEvent };
    const loaded = () => new Promise((resolve) => frame.addEventListener('load', resolve, { once: true }));
    const page = () => {
      const doc = frame.contentDocument!;
      return { form: doc.querySelector('parley-form') as ParleyForm | null, title: doc.querySelector<HTMLInputElement>('[name=title]')! };
    };
    const firstLoad = loaded();
    document.body.append(frame);
    cleanup.push(() => {
      frame.remove();
      indexedDB.deleteDatabase(`parley:${room}`);
    });
    await firstLoad;
    const first = await waitFor(() => page().form?.session, 'the first page’s session');
    await first.whenSettled(); // with persist: once the database is open (reading it before would create it empty)
    await waitFor(() => first.doc.getMap('seeds').has('title'), 'seeding');
    const { title } = page();
    title.value = 'Invoice 42 (draft)';
    title.dispatchEvent(new (frame.contentWindow as FrameWindow).InputEvent('input', { bubbles: true }));
    await waitFor(async () => (await storedText(`parley:${room}`, 'field:title')) === 'Invoice 42 (draft)', 'the edit to be in IndexedDB');

    const secondLoad = loaded();
    frame.contentWindow!.location.reload();
    await secondLoad;
    const second = await waitFor(() => page().form?.session, 'the reloaded page’s session');
    expect(second.id, 'a new session').not.to.equal(first.id);
    await waitFor(() => page().title.value === 'Invoice 42 (draft)', () => `the stored edit after the reload (shows ${page().title.value})`);
    // Nobody else was ever in this room: the value can only have come from IndexedDB.
    expect(second.peers.size, 'peers of the reloaded page').to.equal(0);
    expect((frame.contentWindow as FrameWindow).conflicts).to.deep.equal([{ key: 'title', local: 'Invoice 42', shared: 'Invoice 42 (draft)' }]);
  });
});

/** The text under `key` in a Y.Doc stored by y-indexeddb in database `name` (read directly). */
async function storedText(name: string, key: string): Promise<string> {
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const request = indexedDB.open(name);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  try {
    if (!db.objectStoreNames.contains('updates')) return '';
    const request = db.transaction('updates').objectStore('updates').getAll();
    const updates = await new Promise<Uint8Array[]>((resolve, reject) => {
      request.onsuccess = () => resolve(request.result as Uint8Array[]);
      request.onerror = () => reject(request.error);
    });
    const doc = new Y.Doc();
    updates.forEach((update) => Y.applyUpdate(doc, update));
    return doc.getText(key).toString();
  } finally {
    db.close();
  }
}
