import { expect } from '@open-wc/testing';
import { JanusClient, REQUEST_TIMEOUT_MS } from './janus-client.js';

// The client's timeout rules, against a stand-in for a busy Janus (test/busy-janus.mjs): it
// acknowledges each plugin message at once, as Janus does, and answers 16.5 s later, past
// REQUEST_TIMEOUT_MS. On a loaded machine a real Janus working through a room's subscribers
// answered that late; the call must not end as if it had gone away.
describe('JanusClient timeouts (a busy media server)', () => {
  it('waits for the answer to a request Janus acknowledged, past its first timeout; one never acknowledged fails', async function () {
    this.timeout(40000);
    const { url } = (await (await fetch('/__parley/busy-janus')).json()) as { url: string };
    const client = await JanusClient.connect(url, 'token');
    try {
      const handle = await client.attach('janus.plugin.videoroom', () => {});
      const started = performance.now();
      const [acknowledged, silent] = await Promise.allSettled([
        client.message(handle, { request: 'configure' }).then((reply) => ({ reply, after: performance.now() - started })),
        client.message(handle, { request: 'silent' }).catch((error: Error) => Promise.reject(Object.assign(error, { after: performance.now() - started }))),
      ]);
      expect(acknowledged.status, 'the acknowledged request').to.equal('fulfilled');
      const { reply, after } = (acknowledged as PromiseFulfilledResult<{ reply: { plugindata?: { data: Record<string, unknown> } }; after: number }>).value;
      expect(reply.plugindata?.data.answered).to.equal('configure');
      expect(after, 'answered after the first timeout').to.be.above(REQUEST_TIMEOUT_MS);
      expect(silent.status, 'the request nobody acknowledged').to.equal('rejected');
      const failure = (silent as PromiseRejectedResult).reason as Error & { after: number; transient?: boolean };
      expect(failure.message).to.equal('The media server did not answer message');
      expect(failure.transient, 'a failure trying again may cure').to.equal(true);
      expect(failure.after).to.be.within(REQUEST_TIMEOUT_MS - 100, REQUEST_TIMEOUT_MS + 1500);
      expect(client.closed, 'the connection stays up').to.equal(false);
    } finally {
      client.close();
    }
  });
});
