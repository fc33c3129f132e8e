import { expect } from '@open-wc/testing';
import { Session } from '../session/session.js';
import { FieldBinding } from './field-binding.js';
import { relayUrl, uniqueRoom, waitFor } from '../../../test/helpers.js';

/** Types `text` at `index` the way a browser does: value, caret, then an input event. */
function typeAt(control: HTMLInputElement | HTMLTextAreaElement, index: number, text: string): void {
  control.value = control.value.slice(0, index) + text + control.value.slice(index);
  control.setSelectionRange(index + text.length, index + text.length);
  control.dispatchEvent(new InputEvent('input', { bubbles: true, inputType: 'insertText', data: text }));
}

function control<T extends HTMLElement>(markup: string): T {
  const host = document.createElement('div');
  host.innerHTML = markup;
  document.body.append(host);
  return host.firstElementChild as T;
}

describe('FieldBinding between two sessions (real relay, real data channels)', () => {
  let a: Session;
  let b: Session;
  const bindings: FieldBinding[] = [];

  beforeEach(async () => {
    const signaling = await relayUrl();
    const room = uniqueRoom('field');
    a = new Session(room, { signaling, name: 'Ada' });
    b = new Session(room, { signaling, name: 'Bob' });
  });

  afterEach(() => {
    bindings.splice(0).forEach((binding) => {
      binding.destroy();
      binding.controls[0].parentElement?.remove();
    });
    a.destroy();
    b.destroy();
  });

  async function connect(): Promise<void> {
    a.start();
    b.start();
    await waitFor(() => a.peers.get(b.id)?.connected && b.peers.get(a.id)?.connected, 'peers to connect');
  }

  function bind<T extends HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement>(session: Session, markup: string, key: string): T {
    const el = control<T>(markup);
    bindings.push(new FieldBinding(session.doc, el, key));
    return el;
  }

  it('seeds the server-rendered value once when two people open the page at the same time', async () => {
    const ta = bind<HTMLTextAreaElement>(a, '<textarea name="notes">Call the customer back</textarea>', 'notes');
    const tb = bind<HTMLTextAreaElement>(b, '<textarea name="notes">Call the customer back</textarea>', 'notes');
    const sa = bind<HTMLSelectElement>(a, '<select name="status"><option>draft</option><option selected>sent</option></select>', 'status');
    const sb = bind<HTMLSelectElement>(b, '<select name="status"><option>draft</option><option selected>sent</option></select>', 'status');
    await connect();
    // Each side seeded before they met. A marker typed on each side afterwards travels
    // behind that side's seed: once both markers have arrived, so have both seeds.
    const ma = bind<HTMLInputElement>(a, '<input name="marker">', 'marker');
    const mb = bind<HTMLInputElement>(b, '<input name="marker">', 'marker');
    typeAt(ma, 0, 'Ada');
    await waitFor(() => mb.value === 'Ada', 'Ada’s marker at Bob’s');
    typeAt(mb, 3, ' and Bob');
    await waitFor(() => ma.value === 'Ada and Bob', 'Bob’s marker at Ada’s');
    expect(ta.value).to.equal('Call the customer back');
    expect(tb.value).to.equal('Call the customer back');
    expect(sa.value).to.equal('sent');
    expect(sb.value).to.equal('sent');
  });

  it('converges concurrent typing in one textarea and keeps every character', async () => {
    const ta = bind<HTMLTextAreaElement>(a, '<textarea name="notes">middle</textarea>', 'notes');
    const tb = bind<HTMLTextAreaElement>(b, '<textarea name="notes">middle</textarea>', 'notes');
    await connect();
    for (let i = 0; i < 15; i++) {
      typeAt(ta, 0, 'a');
      typeAt(tb, tb.value.length, 'b');
    }
    await waitFor(() => ta.value === tb.value && ta.value.length === 36, 'both textareas to converge');
    expect(ta.value).to.equal(`${'a'.repeat(15)}middle${'b'.repeat(15)}`);
    expect(a.doc.getText('field:notes').toString()).to.equal(ta.value);
  });

  it('keeps the local caret in place when remote edits land before, at and after it', async () => {
    const ta = bind<HTMLInputElement>(a, '<input name="title" value="Hello world">', 'title');
    const tb = bind<HTMLInputElement>(b, '<input name="title" value="Hello world">', 'title');
    await connect();
    await waitFor(() => tb.value === 'Hello world', 'seed');
    ta.focus();
    ta.setSelectionRange(5, 5); // after "Hello"
    typeAt(tb, 0, '>> ');
    await waitFor(() => ta.value === '>> Hello world', 'remote insert before the caret');
    expect([ta.selectionStart, ta.selectionEnd]).to.deep.equal([8, 8]);
    typeAt(tb, 8, ',');
    await waitFor(() => ta.value === '>> Hello, world', 'remote insert at the caret');
    expect(ta.selectionStart).to.equal(8);
    typeAt(tb, tb.value.length, '!');
    await waitFor(() => ta.value === '>> Hello, world!', 'remote insert after the caret');
    expect(ta.selectionStart).to.equal(8);
  });

  it('syncs selects and checkboxes both ways', async () => {
    const sa = bind<HTMLSelectElement>(a, '<select name="s"><option>one</option><option>two</option></select>', 's');
    const sb = bind<HTMLSelectElement>(b, '<select name="s"><option>one</option><option>two</option></select>', 's');
    const ca = bind<HTMLInputElement>(a, '<input type="checkbox" name="paid">', 'paid');
    const cb = bind<HTMLInputElement>(b, '<input type="checkbox" name="paid">', 'paid');
    await connect();
    sa.value = 'two';
    sa.dispatchEvent(new Event('change'));
    await waitFor(() => sb.value === 'two', 'the select to sync');
    cb.checked = true;
    cb.dispatchEvent(new Event('change'));
    await waitFor(() => ca.checked, 'the checkbox to sync');
  });

  it('reports local and remote changes to the host', async () => {
    const changes: string[] = [];
    const ta = control<HTMLInputElement>('<input name="x">');
    bindings.push(new FieldBinding(a.doc, ta, 'x', { onChange: (value, origin) => changes.push(`${origin}:${value}`) }));
    const tb = bind<HTMLInputElement>(b, '<input name="x">', 'x');
    await connect();
    typeAt(ta, 0, 'hi');
    await waitFor(() => tb.value === 'hi', 'a’s typing at b');
    typeAt(tb, 2, '!');
    await waitFor(() => changes.includes('remote:hi!'), 'the remote change');
    expect(changes[0]).to.equal('local:hi');
  });

  it('redoes with Ctrl+Y what Ctrl+Z undid: the user’s own edit only, on both sides (real key presses)', async () => {
    const { sendKeys } = await import('@web/test-runner-commands');
    const withCtrl = async (key: string) => {
      await sendKeys({ down: 'Control' });
      await sendKeys({ press: key });
      await sendKeys({ up: 'Control' });
    };
    const ta = bind<HTMLTextAreaElement>(a, '<textarea name="notes">Notes</textarea>', 'notes');
    const tb = bind<HTMLTextAreaElement>(b, '<textarea name="notes">Notes</textarea>', 'notes');
    await connect();
    ta.focus();
    ta.setSelectionRange(5, 5);
    // One key: one undo step, however slowly a loaded machine types.
    await sendKeys({ type: '!' });
    await waitFor(() => tb.value === 'Notes!', 'Ada’s typing at Bob’s');
    typeAt(tb, 0, 'B:');
    await waitFor(() => ta.value === 'B:Notes!', 'Bob’s edit at Ada’s');
    ta.focus();
    await withCtrl('z');
    await waitFor(() => ta.value === 'B:Notes' && tb.value === 'B:Notes', 'Ctrl+Z to undo Ada’s edit only, on both sides');
    await withCtrl('y');
    await waitFor(() => ta.value === 'B:Notes!' && tb.value === 'B:Notes!', 'Ctrl+Y to redo it, on both sides');
  });
});
