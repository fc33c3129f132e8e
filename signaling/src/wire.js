// @ts-check
/**
 * The relay's write path. A publish goes to every subscriber of a room, so its bytes are
 * encoded ONCE into a complete WebSocket frame (server frames are unmasked, so the same bytes
 * are valid on every socket) and that Buffer is written to each receiver's TCP socket.
 * Writes made while the event loop handles one batch of readable sockets are corked per
 * socket and flushed together when the batch is done (setImmediate), so a receiver that
 * gets several frames in one loop turn costs one syscall, and none waits longer than the
 * turn it was produced in.
 *
 * It writes to the socket `ws` owns (`ws._socket`). That is safe because the relay never
 * uses compression or Blobs, the only cases where `ws` queues frames instead of writing
 * them at once, so frames from here and from `ws` itself (pings, close) never interleave
 * mid-frame and keep their order. `_socket` is private, so `ws` is pinned to one version in
 * package.json and signaling/test/wire.test.js checks this against it.
 *
 * Every frame the relay sends goes through the one `send` from {@link createSender}, which
 * counts it and drops a receiver that has stopped reading.
 */
import { WebSocket } from 'ws';

const OPCODE_TEXT_FIN = 0x81;

/**
 * Encodes `head` followed by `tail` as one unmasked, final WebSocket text frame, in one
 * allocation: `head` is text or UTF-8 bytes.
 * @param {string | Buffer} head @param {string} [tail]
 */
export function textFrame(head, tail = '') {
  const headLength = typeof head === 'string' ? Buffer.byteLength(head) : head.length;
  const length = headLength + Buffer.byteLength(tail);
  const header = length < 126 ? 2 : length < 65536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(header + length);
  frame[0] = OPCODE_TEXT_FIN;
  if (header === 2) frame[1] = length;
  else if (header === 4) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeBigUInt64BE(BigInt(length), 2);
  }
  if (typeof head === 'string') frame.write(head, header, 'utf8');
  else head.copy(frame, header);
  if (tail) frame.write(tail, header + headLength, 'utf8');
  return frame;
}

/** @typedef {import('node:net').Socket} Socket */
/** The part of a `ws` WebSocket this module touches. @typedef {{ _socket: Socket }} WebSocketLike */

/** Sockets corked during this loop turn, uncorked together after it. */
const corked = /** @type {Set<Socket>} */ (new Set());

function flush() {
  for (const socket of corked) socket.uncork();
  corked.clear();
}

/**
 * Writes a frame from {@link textFrame} to an open WebSocket (the caller checks it is open).
 * @param {WebSocketLike} ws @param {Buffer} frame
 */
export function writeFrame(ws, frame) {
  const socket = ws._socket;
  if (!corked.has(socket)) {
    if (corked.size === 0) setImmediate(flush);
    socket.cork();
    corked.add(socket);
  }
  socket.write(frame);
}


/** The answer to a refused frame: `{"type":"error","reason":…}`. @param {string} reason */
export function errorFrame(reason) {
  return textFrame(JSON.stringify({ type: 'error', reason }));
}

/**
 * Returns the relay's `send(ws, frame)`: writes a frame from {@link textFrame} to an open
 * socket, counting frames and bytes out. A socket with more than `maxBufferedBytes` unsent
 * is terminated instead, so a client that stops reading cannot make the relay buffer
 * without bound.
 * @param {{
 *   connections: Map<WebSocket, import('./connection.js').Connection>,
 *   metrics: import('./metrics.js').Metrics,
 *   maxBufferedBytes: number,
 * }} options
 * @returns {(ws: WebSocket, frame: Buffer) => void}
 */
export function createSender({ connections, metrics, maxBufferedBytes }) {
  const { counts } = metrics;
  return function send(ws, frame) {
    if (ws.readyState !== WebSocket.OPEN) return;
    if (ws.bufferedAmount > maxBufferedBytes) {
      const conn = connections.get(ws);
      if (conn) conn.error = 'stalled: send buffer full';
      metrics.refused('stalled');
      ws.terminate();
      return;
    }
    counts.framesOut++;
    counts.bytesOut += frame.length;
    try {
      writeFrame(ws, frame);
    } catch {
      ws.terminate();
    }
  };
}
