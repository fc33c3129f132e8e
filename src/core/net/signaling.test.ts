// The relay client against the real relay, when the relay refuses what it sends: each refusal
// is reported as an error, once per burst, and the connection goes on.
import { expect } from '@open-wc/testing';
import { SignalingClient, REFUSAL_REPORT_MS } from './signaling.js';
import type { ParleyError } from '../errors.js';
import { relayUrl, uniqueRoom, waitFor } from '../../../test/helpers.js';

describe('SignalingClient, refused by the real relay', function () {
  this.timeout(30000);
  const clients: SignalingClient[] = [];
  afterEach(() => clients.splice(0).forEach((client) => client.close()));

  async function connected(room: string) {
    const client = new SignalingClient(await relayUrl());
    clients.push(client);
    const errors: ParleyError[] = [];
    const received: unknown[] = [];
    client.events.on('error', (error) => errors.push(error));
    client.events.on('message', (_topic, data) => received.push(data));
    let open = false;
    client.events.on('open', () => (open = true));
    client.subscribe(room);
    client.connect();
    await waitFor(() => open, 'the relay connection');
    return { client, errors, received };
  }

  it('reports a flood cut by the rate limit once, and keeps the connection', async () => {
    const room = uniqueRoom();
    const { client, errors, received } = await connected(room);
    // 130 at once: the relay's burst is 100 frames, the rest are refused one by one.
    for (let i = 0; i < 130; i++) client.publish(room, { i });
    await waitFor(() => errors.length > 0, 'a refusal');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(errors.map((error) => [error.code, error.message])).to.deep.equal([['signaling', 'Relay refused: rate limit exceeded']]);
    // The burst (less the subscription, plus what refilled meanwhile) went through.
    expect(received.length).to.be.within(90, 129);
    // The socket is still open and the relay still relays: a frame once the bucket has refilled.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(client.publish(room, { after: true })).to.equal(true);
    await waitFor(() => received.some((data) => (data as { after?: boolean }).after), 'a publish after the flood');
  });

  it('reports the relay closing it for a flood that goes on, with the close code, and connects again', async () => {
    const room = uniqueRoom();
    const { client, errors } = await connected(room);
    let opened = 0;
    client.events.on('open', () => opened++);
    // The burst of 100 goes through; 100 refused in a row after it and the relay closes the
    // socket (frames that reach it more slowly than the bucket refills are let through, so
    // the page keeps flooding until then).
    const flood = setInterval(() => {
      for (let i = 0; i < 200; i++) client.publish(room, { i });
    }, 20);
    try {
      await waitFor(() => errors.some((error) => error.message.startsWith('Relay closed')), 'the close reported');
    } finally {
      clearInterval(flood);
    }
    expect(errors.map((error) => [error.code, error.message])).to.deep.equal([
      ['signaling', 'Relay refused: rate limit exceeded'],
      ['signaling', 'Relay closed the connection (4029 rate limit exceeded)'],
    ]);
    await waitFor(() => opened > 0, 'the connection again');
  });

  it('reports a frame the relay finds invalid, at most once per few seconds', async () => {
    const room = uniqueRoom();
    const { client, errors, received } = await connected(room);
    const started = performance.now();
    client.publish('', 1);
    client.publish('', 2);
    client.publish(room, 'still here');
    await waitFor(() => received.includes('still here'), 'a valid publish after two refused');
    // Both refusals come back within milliseconds: one report (two only on a machine so
    // slow that they came a whole report window apart).
    const reports = performance.now() - started < REFUSAL_REPORT_MS ? 1 : 2;
    expect(errors.map((error) => error.message)).to.deep.equal(Array(reports).fill('Relay refused: invalid topic'));
  });
});

describe('SignalingClient, closed by what sits in front of the relay', function () {
  this.timeout(30000);
  const clients: SignalingClient[] = [];
  afterEach(() => clients.splice(0).forEach((client) => client.close()));

  /** A client of a server that closes every connection at once with `code`: its errors, once it has connected `times` times. */
  async function closedWith(code: number, times: number) {
    const { url } = (await (await fetch('/__parley/closing-server')).json()) as { url: string };
    const client = new SignalingClient(`${url}/?close=${code}`);
    clients.push(client);
    const errors: ParleyError[] = [];
    let closes = 0;
    client.events.on('error', (error) => errors.push(error));
    client.events.on('close', () => closes++);
    client.subscribe(uniqueRoom());
    client.connect();
    await waitFor(() => closes >= times, `${times} connections closed with ${code}`);
    return errors.map((error) => error.message);
  }

  for (const [code, what] of [
    [1011, 'an internal error'],
    [1012, 'a service restart'],
    [1013, 'try again later'],
    [1014, 'a bad gateway'],
  ] as const) {
    it(`connects again after ${what} (${code}), reporting nothing`, async () => {
      expect(await closedWith(code, 3)).to.deep.equal([]);
    });
  }

  it('reports a close for something this page did (policy violation, 1008) and connects again', async () => {
    expect(await closedWith(1008, 2)).to.deep.equal(Array(2).fill('Relay closed the connection (1008 closing server)'));
  });
});
