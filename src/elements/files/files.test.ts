import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import '../../index.js';
import type { ParleyFiles } from './files.js';
import { FileTransfers, Session, type FileReceiver } from '../../core/index.js';
import { relayUrl, uniqueRoom, waitFor } from '../../../test/helpers.js';

describe('<parley-files>', () => {
  let other: Session | null = null;
  afterEach(() => {
    other?.destroy();
    other = null;
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
    if (stored.storage === 'disk') expect(await onDisk(), 'written to disk').to.equal(true);
    const remove = root.querySelector<HTMLButtonElement>('[part~=remove]')!;
    expect(remove.getAttribute('aria-label')).to.equal(`Remove ${name} from the list`);
    remove.click();
    await waitFor(() => !root.querySelector('[part=transfer]'), 'the transfer to leave the list');
    expect(root.querySelector('[part=save]')).to.equal(null);
    expect(el.transfers!.list()).to.deep.equal([]);
    await waitFor(async () => !(await onDisk()), 'the file to be deleted from disk');
  });

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
