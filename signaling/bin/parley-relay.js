#!/usr/bin/env node
// @ts-check
/** Command line for Parley's signaling relay: parse flags, start it, stop it on a signal. */
import { parseArgs } from 'node:util';
import { createRelay } from '../src/relay.js';

const USAGE = `Usage: parley-relay [--port <port>] [--host <host>]

Parley's signaling relay (y-webrtc signaling protocol over WebSocket).

Options:
  --port <port>  TCP port to listen on, 0 for any free port (env PORT, default 4444)
  --host <host>  interface to listen on (env HOST, default 127.0.0.1)
  -h, --help     show this help

HTTP: GET /healthz answers 200 "ok". Logs are JSON lines on stdout.
SIGTERM or SIGINT closes all sockets (code 1001) and exits 0.
`;

/** @param {string} message */
function fail(message) {
  process.stderr.write(`parley-relay: ${message}\n\n${USAGE}`);
  process.exit(2);
}

/** @type {ReturnType<typeof parseArgs>['values']} */
let values = {};
try {
  ({ values } = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  }));
} catch (err) {
  fail(/** @type {Error} */ (err).message);
}

if (values.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}

const portText = String(values.port ?? process.env.PORT ?? '4444');
const port = Number(portText);
if (!/^\d+$/.test(portText) || port > 65535) fail(`invalid port: ${portText}`);
const host = String(values.host ?? process.env.HOST ?? '127.0.0.1');

/** @type {import('../src/relay.js').Relay} */
let relay;
try {
  relay = await createRelay({ port, host });
} catch (err) {
  process.stderr.write(`parley-relay: cannot listen on ${host}:${port}: ${/** @type {Error} */ (err).message}\n`);
  process.exit(1);
}

/** @param {NodeJS.Signals} signal */
async function shutdown(signal) {
  // A second signal while closing means "now".
  process.once(signal, () => process.exit(1));
  await relay.close();
  process.exit(0);
}
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);
