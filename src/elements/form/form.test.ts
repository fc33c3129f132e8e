import { expect, fixture, html, oneEvent } from '@open-wc/testing';
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
    expect(flag.textContent).to.equal('<b>Bob</b>');
    expect(form.shadowRoot!.querySelector('b')).to.equal(null);
    await waitFor(() => form.shadowRoot!.querySelector('[part=caret]'), 'the caret');
    await expect(form).to.be.accessible();
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

  it('restores edits from IndexedDB after a reload with persist, and says the page was older', async () => {
    const room = uniqueRoom('persist');
    const first = await setup(room, 'persist');
    const title = first.native.querySelector<HTMLInputElement>('[name=title]')!;
    await waitFor(() => first.form.session?.doc.getMap('seeds').has('title'), 'seeding');
    title.value = 'Invoice 42 (draft)';
    title.dispatchEvent(new InputEvent('input', { bubbles: true }));
    first.wrapper.remove(); // the page goes away…
    await new Promise((resolve) => setTimeout(resolve, 1200)); // …and its session with it
    const second = await setup(room, 'persist');
    const conflict = oneEvent(second.form, 'parley-field-conflict');
    await waitFor(
      () => second.native.querySelector<HTMLInputElement>('[name=title]')!.value === 'Invoice 42 (draft)',
      'the stored edit after reload',
    );
    expect((await conflict).detail).to.deep.equal({ key: 'title', local: 'Invoice 42', shared: 'Invoice 42 (draft)' });
  });
});
