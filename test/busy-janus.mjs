// A stand-in for a busy Janus, for the client's timeout rules (src/core/sfu/janus-client.test.ts).
// A real Janus cannot be made slow on demand, and these tests check the client's reading of
// Janus's `ack`s and its own timeouts, not Janus. It speaks only the requests the client makes:
// `create` and `attach` are answered at once; a plugin `message` is acknowledged at once, as
// Janus does, and answered `answerAfterMs` later, unless its body's request is `silent` (then
// neither comes: a server that has stopped); `keepalive` and `trickle` get their `ack`.
import { once } from 'node:events';
import { WebSocketServer } from 'ws';

/** @param {{ answerAfterMs: number }} options */
export async function startBusyJanus({ answerAfterMs }) {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: (protocols) => (protocols.has('janus-protocol') ? 'janus-protocol' : false) });
  await once(server, 'listening');
  let nextId = 1;
  server.on('connection', (ws) => {
    ws.on('message', (data) => {
      let request;
      try {
        request = JSON.parse(String(data));
      } catch {
        return;
      }
      const { janus, transaction, body } = request;
      const reply = (message) => ws.readyState === ws.OPEN && ws.send(JSON.stringify({ transaction, ...message }));
      if (janus === 'create' || janus === 'attach') return reply({ janus: 'success', data: { id: nextId++ } });
      if (janus === 'keepalive' || janus === 'trickle') return reply({ janus: 'ack' });
      if (janus !== 'message' || body?.request === 'silent') return;
      reply({ janus: 'ack' });
      const answer = { janus: 'event', sender: request.handle_id, plugindata: { plugin: 'janus.plugin.videoroom', data: { answered: body?.request } } };
      setTimeout(() => reply(answer), answerAfterMs);
    });
  });
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
  return { url: `ws://127.0.0.1:${port}`, close: () => server.close() };
}
