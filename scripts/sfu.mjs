// `npm run sfu [-- --port P] [--host H] [--secret S]`: a local Janus configured for Parley
// (sfu/janus.mjs), in the foreground. Prints exactly one line on stdout once Janus answers,
// `sfu ready ws://H:P`; Janus's own log goes to stderr with --verbose. SIGTERM or SIGINT
// stops Janus too. The secret signs Janus tokens: give the relay the same one
// (`parley-relay --janus ws://H:P --janus-secret S`, or PARLEY_JANUS_SECRET for both).
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { startJanus } from '../sfu/janus.mjs';

const USAGE = `Usage: npm run sfu -- [--port 8188] [--host 127.0.0.1] [--secret S] [--rtp-ports 20000-40000] [--verbose]`;

let values;
try {
  ({ values } = parseArgs({
    options: { port: { type: 'string' }, host: { type: 'string' }, secret: { type: 'string' }, 'rtp-ports': { type: 'string' }, verbose: { type: 'boolean' } },
    strict: true,
  }));
} catch (err) {
  process.stderr.write(`sfu: ${err.message}\n${USAGE}\n`);
  process.exit(2);
}
const portText = values.port ?? '8188';
if (!/^\d+$/.test(portText) || Number(portText) > 65535) {
  process.stderr.write(`sfu: invalid --port: ${portText}\n${USAGE}\n`);
  process.exit(2);
}
let secret = values.secret ?? process.env.PARLEY_JANUS_SECRET;
if (!secret) {
  secret = randomBytes(24).toString('base64url');
  process.stderr.write(`sfu: no --secret (or PARLEY_JANUS_SECRET): using ${secret} — give the relay the same --janus-secret\n`);
}

let janus;
try {
  janus = await startJanus({
    secret,
    port: Number(portText),
    host: values.host ?? '127.0.0.1',
    rtpPorts: values['rtp-ports'],
    onLog: values.verbose ? (line) => process.stderr.write(`${line}\n`) : undefined,
  });
} catch (err) {
  process.stderr.write(`sfu: ${err.message}\n`);
  process.exit(1);
}
process.stdout.write(`sfu ready ${janus.url}\n`);

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.once(signal, async () => {
    stopping = true;
    await janus.close();
    process.exit(0);
  });
}
// Janus ending on its own ends us, with an error.
janus.exited.then(() => {
  if (stopping) return;
  process.stderr.write('sfu: janus exited\n');
  process.exit(1);
});
