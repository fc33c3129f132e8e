// A few Janus API requests over one WebSocket, for the tests that check what Janus accepts
// (a real Janus, started by sfu/janus.mjs): one request at a time, each answered by the
// reply with its transaction (for plugin requests that answer later, the event after "ack").
import { once } from 'node:events';
import { WebSocket } from 'ws';
import { JANUS_PROTOCOL } from '../../sfu/janus.mjs';
import { within } from './harness.js';

export class JanusClient {
  /** @param {string} url */
  static async connect(url) {
    const ws = new WebSocket(url, JANUS_PROTOCOL);
    await within(once(ws, 'open'), 'Janus WebSocket to open');
    return new JanusClient(ws);
  }

  /** @param {WebSocket} ws */
  constructor(ws) {
    this.ws = ws;
    this.next = 0;
    /** @type {Map<string, (reply: any) => void>} */
    this.pending = new Map();
    ws.on('message', (data) => {
      const reply = JSON.parse(String(data));
      if (reply.janus === 'ack') return;
      this.pending.get(reply.transaction)?.(reply);
      this.pending.delete(reply.transaction);
    });
  }

  /** Sends one request and resolves with its answer. @param {Record<string, unknown>} request */
  request(request) {
    const transaction = `t${this.next++}`;
    const answer = new Promise((resolve) => this.pending.set(transaction, resolve));
    this.ws.send(JSON.stringify({ ...request, transaction }));
    return within(answer, `Janus answer to ${request.janus}`);
  }

  /** A session and a VideoRoom handle, with `token`; rejects with Janus's error. @param {string | undefined} token */
  async attachVideoRoom(token) {
    const session = await this.request({ janus: 'create', token });
    if (session.janus !== 'success') throw Object.assign(new Error(session.error?.reason), { code: session.error?.code });
    const handle = await this.request({ janus: 'attach', session_id: session.data.id, plugin: 'janus.plugin.videoroom', token });
    if (handle.janus !== 'success') throw Object.assign(new Error(handle.error?.reason), { code: handle.error?.code });
    /** A VideoRoom request on this handle; resolves with its plugin data. @param {Record<string, unknown>} body */
    const message = async (body) => {
      const reply = await this.request({ janus: 'message', session_id: session.data.id, handle_id: handle.data.id, body, token });
      if (reply.janus === 'error') throw Object.assign(new Error(reply.error?.reason), { code: reply.error?.code });
      return reply.plugindata.data;
    };
    return { session: session.data.id, handle: handle.data.id, message };
  }

  close() {
    this.ws.terminate();
  }
}
