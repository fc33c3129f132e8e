// A slow link for the benchmarks, on loopback: a relay that speaks the signaling protocol
// (subscribe / publish / ping) and points both peers' ICE at a UDP forwarder that shapes
// the traffic between them like a home uplink: a rate, a one-way delay, and a drop-tail
// queue in front of the rate (where a big transfer builds up the delay everything else
// waits behind).
//
// Each peer's first IPv4 UDP host candidate (of its first m-line) is rewritten to a forwarder
// port on the same address (not loopback: Firefox ignores loopback candidates) and every
// other candidate is dropped, so the pair can only connect through it. What A
// sends to B's advertised port leaves, after the queue and the delay, from A's advertised
// port towards B's real one, so each side sees the other at the address it was told.
// Two peers per relay; for benchmarks and tests only (no auth, no limits). `shape()` changes
// the link mid-call, and `lossEvery` drops every Nth datagram each way (a loss rate that is
// the same on every run).
import dgram from 'node:dgram';
import { WebSocketServer } from 'ws';

/**
 * @typedef {{ mbit: number, rttMs: number, queueMs: number, lossEvery?: number }} Link rate in
 *   Mbit/s each way, round-trip delay, the queue's capacity expressed as time at that rate,
 *   and (optionally) one datagram in `lossEvery` dropped in each direction
 */

/** @param {Link} initial */
export async function createShapedRelay(initial) {
  let rttMs, bytesPerMs, queueBytes, lossEvery;
  /** @param {Link} link */
  const shape = (link) => {
    rttMs = link.rttMs;
    bytesPerMs = (link.mbit * 1e6) / 8 / 1000;
    queueBytes = link.queueMs * bytesPerMs;
    lossEvery = link.lossEvery ?? 0;
  };
  shape(initial);
  /** peer id → { real: its own {address, port}, ufrag: of that candidate's ICE session, ready: its forwarder socket (promise), socket: once bound } */
  const peers = new Map();
  const stats = { forwarded: 0, dropped: 0, lost: 0 };

  /**
   * One direction of the link: a FIFO drained at the rate, then the one-way delay. One timer
   * serves the whole FIFO, so datagrams leave in the order they came (a timer per datagram
   * reorders them within a millisecond, which SCTP takes for loss).
   */
  function direction() {
    let freeAt = 0; // when the rate limiter is next idle: the queue holds (freeAt - now) × rate bytes
    const line = []; // { due, packet, socket, to }, in order
    let timer = null;
    let count = 0;
    const pump = () => {
      const now = performance.now();
      while (line.length && line[0].due <= now) {
        const { packet, socket, to } = line.shift();
        stats.forwarded++;
        socket.send(packet, to.port, to.address);
      }
      timer = line.length ? setTimeout(pump, line[0].due - now) : null;
    };
    return (socket, packet, to) => {
      const now = performance.now();
      if (lossEvery && ++count % lossEvery === 0) return void stats.lost++;
      if (Math.max(0, freeAt - now) * bytesPerMs + packet.length > queueBytes) return void stats.dropped++;
      freeAt = Math.max(now, freeAt) + packet.length / bytesPerMs;
      line.push({ due: freeAt + rttMs / 2, packet, socket, to });
      timer ??= setTimeout(pump, line[0].due - now);
    };
  }

  const directions = new Map();

  async function forwarderFor(id, address) {
    // Big buffers: a burst the event loop has not read yet must wait here, not be dropped.
    const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: 4 << 20, sendBufferSize: 4 << 20 });
    socket.on('message', (packet) => {
      // Arrived at `id`'s advertised port: it is for `id`, from the other peer.
      const target = peers.get(id);
      const other = [...peers.entries()].find(([key]) => key !== id)?.[1];
      if (!target?.real || !other?.socket) return;
      if (!directions.has(id)) directions.set(id, direction());
      directions.get(id)(other.socket, packet, target.real);
    });
    await new Promise((resolve) => socket.bind(0, address, resolve));
    return socket;
  }

  /** Rewrites a signal's candidate to go through the link; null drops the signal. */
  async function rewrite(from, signal) {
    const init = signal?.candidate;
    if (!init?.candidate) return signal; // descriptions, end-of-candidates
    const parts = init.candidate.split(' ');
    const [, , protocol, , address, port, , type] = parts;

    if (protocol.toLowerCase() !== 'udp' || type !== 'host' || !/^\d+\.\d+\.\d+\.\d+$/.test(address)) return null;
    // Only the first m-line's: the one BUNDLE keeps. Firefox gathers for every m-line until
    // the answer bundles them, and a candidate of another m-line is ignored once it has.
    if (init.sdpMLineIndex !== 0) return null;
    let peer = peers.get(from);
    if (!peer) peers.set(from, (peer = { real: null, ufrag: null, socket: null, ready: forwarderFor(from, address) }));
    // One candidate per ICE session (a new connection, or an ICE restart, starts another).
    if (peer.real && peer.ufrag === (init.usernameFragment ?? null)) return null;
    peer.real = { address, port: Number(port) };
    peer.ufrag = init.usernameFragment ?? null;
    peer.socket = await peer.ready;
    parts[5] = String(peer.socket.address().port);
    return { ...signal, candidate: { ...init, candidate: parts.join(' ') } };
  }

  const topics = new Map();
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  wss.on('connection', (ws) => {
    const mine = new Set();
    let previous = Promise.resolve(); // one frame at a time, in order
    ws.on('message', (raw) => (previous = previous.then(() => onFrame(raw))));
    async function onFrame(raw) {
      const msg = JSON.parse(raw.toString());
      if (msg.type === 'ping') return ws.send('{"type":"pong"}');
      if (msg.type === 'subscribe') {
        for (const topic of msg.topics) {
          if (!topics.has(topic)) topics.set(topic, new Set());
          topics.get(topic).add(ws);
          mine.add(topic);
        }
      }
      if (msg.type !== 'publish') return;
      const data = msg.data;
      if (data?.type === 'signal') {
        const signal = await rewrite(data.from, data.signal);
        if (signal === null) return;
        msg.data = { ...data, signal };
      }
      const receivers = topics.get(msg.topic) ?? new Set();
      const frame = JSON.stringify({ ...msg, clients: receivers.size });
      for (const receiver of receivers) receiver.send(frame);
    }
    ws.on('close', () => mine.forEach((topic) => topics.get(topic)?.delete(ws)));
  });
  await new Promise((resolve) => wss.once('listening', resolve));
  return {
    url: `ws://127.0.0.1:${wss.address().port}`,
    stats,
    shape,
    async close() {
      for (const peer of peers.values()) (await peer.ready).close();
      await new Promise((resolve) => wss.close(resolve));
    },
  };
}
