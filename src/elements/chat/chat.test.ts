import { expect, html, oneEvent } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import '../../index.js';
import type { ParleyChat } from './chat.js';
import { Chat, Session } from '../../core/index.js';
import { fixtureInRoom, relayUrl, waitFor } from '../../../test/helpers.js';

describe('<parley-chat>', function () {
  this.timeout(60000);
  let other: Session | null = null;
  afterEach(() => {
    other?.destroy();
    other = null;
  });

  async function setup() {
    const { room, el: chat, root } = await fixtureInRoom<ParleyChat>(html`<parley-chat></parley-chat>`);
    return { room, chat, root };
  }

  it('is accessible, sends on Enter (the other side gets it) and adds a line on Shift+Enter', async () => {
    const { room, chat, root } = await setup();
    other = new Session(room, { signaling: await relayUrl(), name: 'Bob' });
    other.start();
    const remote = new Chat(other);
    await expect(chat).to.be.accessible();
    const textarea = root.querySelector('textarea')!;
    expect(root.querySelector('label')!.textContent).to.equal('Message');
    expect(root.querySelector('[role=log]')!.getAttribute('aria-live')).to.equal('polite');
    textarea.focus();
    await sendKeys({ type: 'hello' });
    await sendKeys({ down: 'Shift' });
    await sendKeys({ press: 'Enter' });
    await sendKeys({ up: 'Shift' });
    await sendKeys({ type: 'world' });
    expect(textarea.value).to.equal('hello\nworld');
    await sendKeys({ press: 'Enter' });
    await waitFor(() => root.querySelector('[part=text]'), 'the sent message');
    expect(root.querySelector('[part=text]')!.textContent).to.equal('hello\nworld');
    expect(root.querySelector('[part=name]')!.textContent).to.equal('Ada');
    expect(root.querySelector('time')!.getAttribute('datetime')).to.match(/^\d{4}-/);
    expect(textarea.value).to.equal('');
    await expect(chat).to.be.accessible();
    await waitFor(() => remote.messages().length === 1, 'the message at the other side');
    expect(remote.messages()[0]).to.include({ from: 'Ada', text: 'hello\nworld' });
    remote.destroy();
  });

  it('shows a peer’s markup as text, links only http(s) URLs, and counts unread', async () => {
    const { room, chat, root } = await setup();
    other = new Session(room, { signaling: await relayUrl(), name: '<b>Eve</b>' });
    other.start();
    const remote = new Chat(other);
    const arrived = oneEvent(chat, 'parley-chat-message');
    remote.send('<img src=x onerror="window.__pwned=1"> see https://example.com/x. <a href="javascript:alert(1)">y</a>');
    const { detail } = await arrived;
    expect(detail.message.from).to.equal('<b>Eve</b>');
    await chat.updateComplete;
    expect(root.querySelector('img, b, [href^=javascript]')).to.equal(null);
    expect(root.querySelector('[part=name]')!.textContent).to.equal('<b>Eve</b>');
    const links = root.querySelectorAll('[part=text] a');
    expect(links.length).to.equal(1);
    expect(links[0].getAttribute('href')).to.equal('https://example.com/x');
    expect((window as { __pwned?: number }).__pwned).to.equal(undefined);
    expect(chat.unread).to.equal(1);
    expect(root.querySelector('[part=badge]')!.getAttribute('aria-label')).to.equal('1 unread');
    root.querySelector('textarea')!.focus();
    await chat.updateComplete;
    expect(chat.unread).to.equal(0);
    expect(root.querySelector('[part=badge]')).to.equal(null);
    remote.destroy();
  });

  it('follows new messages down unless the reader scrolled up, and reads no layout on a render without one', async () => {
    const { room, chat, root } = await setup();
    other = new Session(room, { signaling: await relayUrl(), name: 'Bob' });
    other.start();
    const remote = new Chat(other);
    const log = root.querySelector<HTMLElement>('[part=log]')!;
    const shown = () => root.querySelectorAll('[part=message]').length;
    for (let i = 1; i <= 20; i++) remote.send(`line ${i}`);
    await waitFor(() => shown() === 20, 'twenty messages');
    await chat.updateComplete;
    expect(log.scrollHeight, 'the log scrolls').to.be.greaterThan(log.clientHeight);
    expect(log.scrollHeight - log.scrollTop - log.clientHeight, 'at the newest').to.be.lessThan(2);

    // A render for anything but a message (presence changes: a join makes several) does not
    // measure the log, which would lay out the whole page.
    let reads = 0;
    const height = Object.getOwnPropertyDescriptor(Element.prototype, 'scrollHeight')!;
    Object.defineProperty(log, 'scrollHeight', { configurable: true, get: () => (reads++, height.get!.call(log)) });
    try {
      chat.requestUpdate();
      await chat.updateComplete;
      expect(reads, 'layout reads on a render without a new message').to.equal(0);
    } finally {
      delete (log as { scrollHeight?: number }).scrollHeight;
    }

    // Scrolled up to read: a new message does not pull the log down.
    const scrolled = oneEvent(log, 'scroll');
    log.scrollTop = 0;
    await scrolled; // as a reader's scroll is, before the next message
    remote.send('line 21');
    await waitFor(() => shown() === 21, 'the 21st message');
    await chat.updateComplete;
    expect(log.scrollTop, 'still where the reader is').to.equal(0);
    remote.destroy();
  });
});
