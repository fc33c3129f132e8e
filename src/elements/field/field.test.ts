import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import '../../index.js';
import type { ParleyField } from './field.js';
import { FieldBinding, Session } from '../../core/index.js';
import { identityTokens, relayUrl, uniqueRoom, waitFor } from '../../../test/helpers.js';

describe('<parley-field>', () => {
  let other: Session | null = null;
  afterEach(() => {
    other?.destroy();
    other = null;
  });

  async function setup(room = uniqueRoom()) {
    const signaling = await relayUrl();
    const form = await fixture<HTMLFormElement>(html`
      <form>
        <parley-room room=${room} signaling=${signaling} name="Ada"></parley-room>
        <parley-field room=${room}>
          <label>Notes <textarea name="notes">Server notes</textarea></label>
        </parley-field>
      </form>
    `);
    const field = form.querySelector('parley-field') as ParleyField;
    const textarea = form.querySelector('textarea')!;
    await field.updateComplete;
    return { form, field, textarea, room, signaling };
  }

  it('keeps the native control in the light DOM, submits it and is accessible', async () => {
    const { form, field, textarea } = await setup();
    expect(textarea.parentElement!.closest('parley-field')).to.equal(field);
    expect(textarea.value).to.equal('Server notes');
    expect(new FormData(form).get('notes')).to.equal('Server notes');
    await expect(field).to.be.accessible();
  });

  it('fires parley-field-change for the user’s own typing', async () => {
    const { field, textarea } = await setup();
    const event = oneEvent(field, 'parley-field-change');
    textarea.value += '!';
    textarea.dispatchEvent(new InputEvent('input', { bubbles: true }));
    const { detail } = await event;
    expect(detail).to.deep.equal({ key: 'notes', value: 'Server notes!', origin: 'local', by: null });
  });

  it('shows a remote peer’s edit, reports it as remote, and the form submits the converged value', async () => {
    const { form, field, textarea, room, signaling } = await setup();
    other = new Session(room, { signaling, name: 'Bob' });
    const remote = document.createElement('textarea');
    remote.value = 'Server notes';
    const binding = new FieldBinding(other.doc, remote, 'notes');
    other.start();
    const roomElement = form.querySelector('parley-room')!;
    await waitFor(() => other!.synced && roomElement.session?.synced, 'both sides to hold each other’s state');
    const event = oneEvent(field, 'parley-field-change');
    remote.value = 'Server notes, checked by Bob';
    remote.dispatchEvent(new InputEvent('input'));
    const { detail } = await event;
    expect(detail.origin).to.equal('remote');
    expect(detail.by?.name).to.equal('Bob');
    expect(textarea.value).to.equal('Server notes, checked by Bob');
    expect(new FormData(form).get('notes')).to.equal('Server notes, checked by Bob');
    binding.destroy();
  });

  it('with notify, fires native input and change on the control when a remote value lands; without it, none', async () => {
    const room = uniqueRoom();
    const signaling = await relayUrl();
    const form = await fixture<HTMLFormElement>(html`
      <form>
        <parley-room room=${room} signaling=${signaling} name="Ada"></parley-room>
        <parley-field room=${room} notify><select name="status"><option>draft</option><option>sent</option></select></parley-field>
        <parley-field room=${room}><input name="title" value="Invoice 42"></parley-field>
      </form>
    `);
    const select = form.querySelector('select')!;
    const title = form.querySelector('input')!;
    // What a page widget listening on its control would see.
    const events: string[] = [];
    for (const control of [select, title]) {
      for (const type of ['input', 'change']) control.addEventListener(type, () => events.push(`${control.name}:${type}`));
    }
    const changes: string[] = [];
    form.addEventListener('parley-field-change', (e) => changes.push(`${e.detail.key}:${e.detail.origin}:${String(e.detail.value)}`));
    other = new Session(room, { signaling, name: 'Bob' });
    const remoteTitle = document.createElement('input');
    remoteTitle.value = 'Invoice 42';
    const remoteStatus = document.createElement('select');
    remoteStatus.innerHTML = '<option>draft</option><option>sent</option>';
    const bindings = [new FieldBinding(other.doc, remoteTitle, 'title'), new FieldBinding(other.doc, remoteStatus, 'status')];
    other.start();
    const roomElement = form.querySelector('parley-room')!;
    await waitFor(() => other!.synced && roomElement.session?.synced, 'both sides to hold each other’s state');
    // Bob changes the title, then the status: they arrive in that order.
    remoteTitle.value = 'Invoice 42, paid';
    remoteTitle.dispatchEvent(new InputEvent('input'));
    remoteStatus.value = 'sent';
    remoteStatus.dispatchEvent(new Event('change'));
    await waitFor(() => events.includes('status:change'), 'the native change event on the select');
    expect(title.value).to.equal('Invoice 42, paid');
    expect(select.value).to.equal('sent');
    expect(events, 'native events, only where notify is set').to.deep.equal(['status:input', 'status:change']);
    expect(changes, 'both reported as remote, neither echoed as the user’s').to.deep.equal(['title:remote:Invoice 42, paid', 'status:remote:sent']);
    bindings.forEach((binding) => binding.destroy());
  });

  it('shows who else is in the field, as text', async () => {
    const { field, room, signaling } = await setup();
    other = new Session(room, { signaling, name: '<img src=x onerror=alert(1)>' });
    other.start();
    other.setPresence({ field: 'notes' });
    const badge = await waitFor(() => field.shadowRoot!.querySelector('[part=badge]'), 'the presence badge');
    expect(badge.textContent).to.contain('<img src=x onerror=alert(1)> is here');
    expect(field.shadowRoot!.querySelector('img')).to.equal(null);
    await expect(field).to.be.accessible();
    other.setPresence({ field: null });
    await waitFor(() => !field.shadowRoot!.querySelector('[part=badge]'), 'the badge to go');
  });

  it('marks a name the relay did not vouch for, on the badge (read out) and on the flag; a verified name has no mark', async () => {
    // Open relay: anyone can type any name.
    const { field, room, signaling } = await setup();
    other = new Session(room, { signaling, name: 'Bob' });
    other.start();
    other.setPresence({ field: 'notes' });
    const badge = await waitFor(() => field.shadowRoot!.querySelector('[part=badge]'), 'the presence badge');
    expect(badge.textContent!.replace(/\s+/g, ' ').trim()).to.equal('Bob is here (name not verified)');
    const flag = await waitFor(() => field.shadowRoot!.querySelector('[part=flag]'), 'the flag on the outline');
    expect(flag.querySelector('[part=unverified]')?.textContent).to.equal('?');
    await expect(field).to.be.accessible();
    other.destroy();

    // A relay that requires tokens, each naming its person: Bob's name is vouched for.
    const { url, ada, bob } = await identityTokens();
    const verifiedRoom = uniqueRoom();
    const form = await fixture<HTMLFormElement>(html`
      <form>
        <parley-room room=${verifiedRoom} signaling=${url} token=${ada}></parley-room>
        <parley-field room=${verifiedRoom}><label>Notes <textarea name="notes"></textarea></label></parley-field>
      </form>
    `);
    const verifiedField = form.querySelector('parley-field') as ParleyField;
    other = new Session(verifiedRoom, { signaling: url, token: bob, name: 'Typed by hand' });
    other.start();
    other.setPresence({ field: 'notes' });
    const verifiedBadge = await waitFor(() => {
      const shown = verifiedField.shadowRoot!.querySelector('[part=badge]');
      return shown?.textContent?.includes('Bob Kahn') ? shown : null;
    }, 'the verified badge');
    expect(verifiedBadge.textContent!.trim()).to.equal('Bob Kahn is here');
    expect(verifiedField.shadowRoot!.querySelector('[part=flag]')?.textContent?.trim()).to.equal('Bob Kahn');
    expect(verifiedField.shadowRoot!.querySelector('[part=unverified]')).to.equal(null);
  });

  it('fires parley-error when there is nothing to bind', async () => {
    const room = uniqueRoom();
    const wrapper = await fixture(html`<div></div>`);
    const field = document.createElement('parley-field');
    field.setAttribute('room', room);
    const event = oneEvent(wrapper, 'parley-error');
    wrapper.append(field);
    const { detail } = await event;
    expect(detail.message).to.match(/found no input/);
  });
});
