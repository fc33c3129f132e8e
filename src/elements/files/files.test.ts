import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import '../../index.js';
import type { ParleyFiles } from './files.js';
import { FileTransfers, Session, type FileReceiver } from '../../core/index.js';
import { bytes, relayUrl, uniqueRoom, waitFor } from '../../../test/helpers.js';

describe('<parley-files>', function () {
  this.timeout(120000);
  let other: Session | null = null;
  const others: Session[] = [];
  afterEach(() => {
    other?.destroy();
    other = null;
    others.splice(0).forEach((s) => s.destroy());
  });

  async function setup(attrs = { maxBytes: 100 * 1024 * 1024 }) {
    const room = uniqueRoom();
    const signaling = await relayUrl();
    const wrapper = await fixture(
      html`<parley-room room=${room} signaling=${signaling} name="Ada"
        ><parley-files save="manual" max-bytes=${attrs.maxBytes}></parley-files
      ></parley-room>`,
    );
    const el = wrapper.querySelector('parley-files') as ParleyFiles;
    await el.updateComplete;
    other = new Session(room, { signaling, name: 'Mallory' });
    other.start();
    await waitFor(() => el.transfers?.session.peers.get(other!.id)?.connected, 'the peer to connect');
    return { el, root: el.shadowRoot!, sender: FileTransfers.for(other) };
  }

  const button = (root: ShadowRoot, name: string) =>
    [...root.querySelectorAll('button')].find((b) => b.textContent!.trim() === name);

  it('shows a hostile file name as text, accepts it and offers a sanitized download', async () => {
    const { el, root, sender } = await setup();
    await expect(el).to.be.accessible();
    const name = '<img src=x onerror=alert(1)>.txt';
    const offered = oneEvent(el, 'parley-file-offer');
    sender.offer(new File(['hello'], name, { type: 'text/plain' }));
    expect((await offered).detail).to.include({ name, size: 5, from: 'Mallory' });
    await waitFor(() => button(root, 'Accept'), 'the Accept button');
    expect(root.querySelector('img')).to.equal(null);
    expect(root.querySelector('[part=name]')!.textContent).to.equal(name);
    expect(button(root, 'Accept')!.getAttribute('aria-label')).to.equal(`Accept ${name}`);
    await expect(el).to.be.accessible();

    const received = oneEvent(el, 'parley-file-received');
    button(root, 'Accept')!.click();
    const { detail } = await received;
    expect(await detail.file.text()).to.equal('hello');
    const save = await waitFor(() => root.querySelector<HTMLAnchorElement>('[part=save]'), 'the Save link');
    expect(save.download).to.equal('_img src=x onerror=alert(1)_.txt');
    expect(save.textContent).to.equal(`Save ${name}`);
    expect(root.querySelector('img')).to.equal(null);
    const progress = root.querySelector('progress')!;
    expect(progress.value).to.equal(progress.max);
    await expect(el).to.be.accessible();

    // Done with it: Remove takes it off the list and frees its disk space.
    const stored = el.transfers!.list()[0] as FileReceiver;
    const onDisk = async () => {
      const dir = (await navigator.storage.getDirectory()) as unknown as { keys(): AsyncIterable<string> };
      for await (const n of dir.keys()) if (n.endsWith(stored.id)) return true;
      return false;
    };
    // Chromium and Firefox both give a page OPFS with createWritable, headless too.
    expect(stored.storage).to.equal('disk');
    expect(await onDisk(), 'written to disk').to.equal(true);
    const remove = root.querySelector<HTMLButtonElement>('[part~=remove]')!;
    expect(remove.getAttribute('aria-label')).to.equal(`Remove ${name} from the list`);
    remove.click();
    await waitFor(() => !root.querySelector('[part=transfer]'), 'the transfer to leave the list');
    expect(root.querySelector('[part=save]')).to.equal(null);
    expect(el.transfers!.list()).to.deep.equal([]);
    await waitFor(async () => !(await onDisk()), 'the file to be deleted from disk');
  });

  /** Picks files in the element's file input, as a person does (a change event on the input). */
  function pick(root: ShadowRoot, ...files: File[]) {
    const input = root.querySelector<HTMLInputElement>('input[type=file]')!;
    const picked = new DataTransfer();
    files.forEach((f) => picked.items.add(f));
    input.files = picked.files;
    input.dispatchEvent(new Event('change', { bubbles: true }));
  }

  const statusOf = (root: ShadowRoot, name: string) =>
    [...root.querySelectorAll('[part=transfer]')].find((li) => li.querySelector('[part=name]')!.textContent === name)?.querySelector('[part=status]')?.textContent;

  it('sends to the one person chosen in “Send to”; the other is never offered it', async () => {
    const room = uniqueRoom();
    const signaling = await relayUrl();
    const wrapper = await fixture(html`<parley-room room=${room} signaling=${signaling} name="Ada"><parley-files save="manual"></parley-files></parley-room>`);
    const el = wrapper.querySelector('parley-files') as ParleyFiles;
    const root = el.shadowRoot!;
    const [bob, carol] = ['Bob', 'Carol'].map((name) => new Session(room, { signaling, name }));
    others.push(bob, carol);
    const offered = new Map<Session, string[]>([[bob, []], [carol, []]]);
    for (const s of [bob, carol]) FileTransfers.for(s).events.on('offer', (r) => offered.get(s)!.push(r.name));
    const received = new Promise<FileReceiver>((resolve) => {
      FileTransfers.for(bob).events.on('offer', (r) => void FileTransfers.for(bob).accept(r));
      FileTransfers.for(bob).events.on('received', resolve);
    });
    bob.start();
    carol.start();
    await waitFor(() => [bob, carol].every((s) => el.transfers?.session.peers.get(s.id)?.connected && s.peers.get(el.transfers.session.id)?.connected), 'Bob and Carol to connect');
    await waitFor(() => root.querySelectorAll('select option').length === 3, 'Bob and Carol in “Send to”');
    const select = root.querySelector('select')!;
    select.value = bob.id;
    select.dispatchEvent(new Event('change'));
    pick(root, new File(['for Bob only'], 'for-bob.txt'));
    const file = (await received).file!;
    expect(await file.text()).to.equal('for Bob only');
    await waitFor(() => statusOf(root, 'for-bob.txt') === 'Sent', 'the element to show it sent');
    expect(root.querySelector('[part=transfer] .muted')!.textContent).to.equal('to Bob');
    // Markers to Carol on the same file channel: anything offered her before is in by then.
    for (const name of ['marker-1.txt', 'marker-2.txt']) {
      el.transfers!.offer(new File([name], name), carol.id);
      await waitFor(() => offered.get(carol)!.includes(name), `${name} at Carol`);
    }
    expect(offered.get(carol)).to.deep.equal(['marker-1.txt', 'marker-2.txt']);
    expect(offered.get(bob)).to.deep.equal(['for-bob.txt']);
  });

  for (const side of ['sender', 'receiver'] as const) {
    it(`shows a transfer cancelled by the ${side} on both sides, with nothing to save`, async () => {
      const { el, root, sender: filesM } = await setup();
      const received: string[] = [];
      el.addEventListener('parley-file-received', (e) => received.push((e as CustomEvent).detail.name));
      const ada = el.transfers!.session;
      // Ada sends a big file to Mallory through the element; Mallory accepts it.
      filesM.events.on('offer', (r) => void filesM.accept(r));
      pick(root, new File([bytes(16 * 1024 * 1024, 2)], 'long.bin'));
      const receiver = await waitFor(() => filesM.list().find((t) => t.direction === 'receive') as FileReceiver | undefined, 'the offer at Mallory');
      await waitFor(() => receiver.rate.bytes > 1024 * 1024, 'a first megabyte to arrive', 30000);
      const sent = el.transfers!.list().find((t) => t.direction === 'send')!;
      if (side === 'sender') {
        const cancel = await waitFor(() => root.querySelector<HTMLButtonElement>('[part~=cancel]'), 'the Cancel button');
        expect(cancel.getAttribute('aria-label')).to.equal('Cancel long.bin');
        cancel.click();
        await waitFor(() => receiver.state === 'cancelled', () => `Mallory to see the cancel (${receiver.state})`);
        expect(receiver.reason).to.equal('cancelled by the sender');
        await waitFor(() => statusOf(root, 'long.bin') === 'Cancelled: cancelled by the sender', () => `the element to show it (${statusOf(root, 'long.bin')})`);
      } else {
        receiver.cancel();
        await waitFor(() => statusOf(root, 'long.bin') === 'Cancelled: cancelled by the receiver', () => `the element to show it (${statusOf(root, 'long.bin')})`);
        expect(sent.state).to.equal('cancelled');
      }
      expect(root.querySelector('[part~=cancel]')).to.equal(null);
      expect(root.querySelector('[part=save]')).to.equal(null);
      expect(root.querySelector('[part~=remove]')!.getAttribute('aria-label')).to.equal('Remove long.bin from the list');
      // Mallory sends Ada a file after the cancel: it arrives, and it is the only one.
      filesM.offer(new File(['after'], 'after.txt'), ada.id);
      await waitFor(() => button(root, 'Accept'), 'the Accept button').then((b) => b.click());
      await waitFor(() => received.includes('after.txt'), 'the next file at Ada');
      expect(received).to.deep.equal(['after.txt']);
      expect(receiver.file).to.equal(null);
      expect([sent.state, receiver.state]).to.deep.equal(['cancelled', 'cancelled']);
    });
  }

  it('refuses a file over max-bytes and lets the receiver decline', async () => {
    const { root, sender } = await setup({ maxBytes: 10 });
    const [big] = sender.offer(new File(['x'.repeat(11)], 'big.txt'));
    await waitFor(() => big.state === 'declined', 'the big file to be refused');
    await waitFor(() => root.textContent!.includes('Refused') || root.querySelector('[part=status]')?.textContent?.includes('Refused'), 'the refusal to show');
    const [small] = sender.offer(new File(['x'], 'small.txt'));
    await waitFor(() => button(root, 'Decline'), 'the Decline button');
    button(root, 'Decline')!.click();
    await waitFor(() => small.state === 'declined', 'the sender to see the decline');
  });
});
