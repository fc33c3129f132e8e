// The flask-parley example app as its users get it: served by Debian's Python with Parley's
// bundle copied into the package (npm run build:flask), the real relay with a secret, Ada
// signed in in Chromium and Bob in Firefox. Everything Parley needs on the page (relay URL,
// token, room password) comes from the app's template helpers; the names come from the tokens.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { WebSocket } from 'ws';
import { createRelay } from '../../signaling/src/relay.js';
import { mintToken } from '../../signaling/src/auth.js';
import { Client, isError, refusedStatus } from '../../signaling/testing/harness.js';
import { copyDist } from '../../integrations/flask-parley/copy-dist.mjs';
import { startExampleApp } from '../../integrations/flask-parley/example/run.mjs';
import { closePages, connectedPeers, fieldValue, launchAll, waitUntil } from './harness.mjs';

const RELAY_SECRET = randomBytes(32).toString('hex');
const NOTES = 'Customer asked for a split payment.';

describe('flask-parley example app, Chromium + Firefox', () => {
  let relay;
  let app;
  let browsers = [];

  before(async () => {
    copyDist();
    relay = await createRelay({ port: 0, log: () => {}, secret: RELAY_SECRET });
    app = await startExampleApp({ signaling: relay.url, relaySecret: RELAY_SECRET, roomSecret: randomBytes(32).toString('hex') });
    browsers = await launchAll(['chromium', 'firefox']);
  });

  after(async () => {
    await Promise.all(browsers.map((browser) => browser.close().catch(() => {})));
    app?.child.kill();
    await relay?.close();
  });

  /** A fresh browser context of `browser`, signed in to the app as `user`; `test.after` closes it. */
  async function signIn(t, browser, user) {
    const context = await browser.createBrowserContext();
    const page = await context.newPage();
    t.after(() => closePages(page));
    await page.goto(`${app.url}/login`);
    await Promise.all([page.waitForNavigation(), page.click(`button[value=${user}]`)]);
    return page;
  }

  /** Opens invoice `id` on `page`; resolves with the HTTP status. */
  async function openInvoice(page, id) {
    const response = await page.goto(`${app.url}/invoices/${id}`, { waitUntil: 'load' });
    if (response.ok()) await page.waitForFunction(() => customElements.get('parley-form') && document.querySelector('parley-room')?.session);
    return response.status();
  }

  /** The name on the outline another person's focus draws on `page`'s form. */
  const flagOnForm = (page) => page.$eval('parley-form', (form) => form.shadowRoot.querySelector('[part=flag]')?.textContent.trim() ?? '');

  /** The other person as `page`'s session knows them: their name and whether the relay vouched for it. */
  const remoteParticipant = (page) =>
    page.evaluate(() => {
      const remote = document.querySelector('parley-room').session.participants().find((p) => !p.isLocal);
      return remote && { name: remote.name, verified: remote.verified };
    });

  async function typeAtEnd(page, selector, text) {
    await page.click(selector);
    await page.keyboard.press('End');
    await page.keyboard.type(text, { delay: 10 });
  }

  it('Ada and Bob edit the invoice together under the names in their tokens; the native POST stores the converged values', async (t) => {
    const [ada, bob] = await Promise.all([signIn(t, browsers[0], 'ada'), signIn(t, browsers[1], 'bob')]);
    assert.deepEqual(await Promise.all([openInvoice(ada, 1), openInvoice(bob, 1)]), [200, 200]);
    await waitUntil(async () => (await connectedPeers(ada)) === 1 && (await connectedPeers(bob)) === 1, 'Ada and Bob to connect');

    assert.deepEqual(await waitUntil(() => remoteParticipant(bob), 'Ada on Bob’s page'), { name: 'Ada Lovelace', verified: true });
    assert.deepEqual(await waitUntil(() => remoteParticipant(ada), 'Bob on Ada’s page'), { name: 'Bob Kahn', verified: true });

    await typeAtEnd(ada, '#notes', ' Ada agrees.');
    await typeAtEnd(bob, '#number', '-B');
    await waitUntil(async () => (await flagOnForm(bob)) === 'Ada Lovelace', 'Ada’s name on the notes Bob sees');
    await waitUntil(async () => (await flagOnForm(ada)) === 'Bob Kahn', 'Bob’s name on the number Ada sees');
    await ada.select('#status', 'paid');
    await waitUntil(async () => (await fieldValue(bob, '#notes')) === `${NOTES} Ada agrees.`, 'Ada’s notes on Bob’s page');
    await waitUntil(async () => (await fieldValue(bob, '#status')) === 'paid', 'Ada’s status on Bob’s page');
    await waitUntil(async () => (await fieldValue(ada, '#number')) === 'INV-2026-0042-B', 'Bob’s number on Ada’s page');

    // Bob saves: the app stores Ada's edits with his own, and lists them.
    await Promise.all([bob.waitForNavigation(), bob.click('parley-form button')]);
    const row = await bob.$$eval('#invoice-1 td', (cells) => cells.map((cell) => cell.textContent.trim()));
    assert.deepEqual(row, ['INV-2026-0042-B', '1200.00', 'paid', `${NOTES} Ada agrees.`, 'Bob Kahn']);
  });

  it('Bob may not open the other invoice: no page, no token, and the relay refuses him its room', async (t) => {
    const bob = await signIn(t, browsers[1], 'bob');
    assert.equal(await openInvoice(bob, 2), 403);
    const forbidden = await bob.content();
    assert.doesNotMatch(forbidden, /parley-|token|eyJ/, 'nothing of Parley on the 403 page');

    // His token for the invoice he may open does not open the other one's room…
    assert.equal(await openInvoice(bob, 1), 200);
    const token = await bob.$eval('parley-room', (room) => room.getAttribute('token'));
    const ws = new WebSocket(`${relay.url}/?token=${encodeURIComponent(token)}`);
    t.after(() => ws.terminate());
    const client = new Client(ws);
    await once(ws, 'open');
    await client.subscribe('invoice-1');
    assert.deepEqual(client.drain().filter(isError), [], 'his own room is fine');
    client.send({ type: 'subscribe', topics: ['invoice-2'] });
    assert.equal((await client.next(isError, 'the refusal')).reason, 'topic not allowed');

    // …and a token he makes himself for it, without the relay's secret, is refused at once.
    const forged = await mintToken({ secret: 'guessed', rooms: ['invoice-2'], ttlSeconds: 600, subject: 'bob', name: 'Bob Kahn' });
    assert.equal(await refusedStatus(`${relay.url}/?token=${forged}`), 401);
  });
});
