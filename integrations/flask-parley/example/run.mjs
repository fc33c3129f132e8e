// `npm run example:flask`: builds Parley, copies it into flask_parley (npm run build:flask),
// starts a relay with a fresh secret and the example app with Debian's Python, and prints
// the URL. The end-to-end test starts the app the same way (startExampleApp).
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const PYTHON = '/usr/bin/python3';

/**
 * Starts the example app (`flask run`) on `port` (0: any free one) with the relay at
 * `signaling` and the two secrets; resolves with `{ url, child }` once it listens.
 */
export function startExampleApp({ port = 0, signaling, relaySecret, roomSecret }) {
  const env = {
    ...process.env,
    PYTHONPATH: fileURLToPath(new URL('..', import.meta.url)),
    FLASK_SECRET_KEY: randomBytes(32).toString('hex'),
    FLASK_PARLEY_SIGNALING_URL: signaling,
    FLASK_PARLEY_RELAY_SECRET: relaySecret,
    FLASK_PARLEY_ROOM_SECRET: roomSecret,
  };
  const child = spawn(PYTHON, ['-m', 'flask', '--app', `${here}app`, 'run', '--port', String(port)], {
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let output = '';
    // Read on after it started too: a full pipe would stall the app's request log.
    child.stderr.on('data', (chunk) => {
      if (output === null) return;
      output += chunk;
      const url = /Running on (http:\/\/\S+)/.exec(output)?.[1];
      if (url) {
        output = null;
        resolve({ url, child });
      }
    });
    child.on('exit', (code) => reject(new Error(`the example app exited (${code}):\n${output}`)));
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { closeOnSignal, ensureDependencies, root } = await import('../../../scripts/ensure.mjs');
  const { copyDist } = await import('../copy-dist.mjs');
  const { createRelay } = await import('../../../signaling/src/relay.js');
  ensureDependencies();
  console.log('[parley] building…');
  execFileSync('npm', ['run', '-s', 'build'], { cwd: root, stdio: 'inherit' });
  copyDist();
  const relaySecret = randomBytes(32).toString('hex');
  const relay = await createRelay({ port: Number(process.env.RELAY_PORT ?? 4444), host: '127.0.0.1', secret: relaySecret });
  const app = await startExampleApp({
    port: Number(process.env.PORT ?? 5000),
    signaling: relay.url,
    relaySecret,
    roomSecret: randomBytes(32).toString('hex'),
  });
  app.child.stderr.pipe(process.stderr);
  console.log(`
  flask-parley example:  ${app.url}/
  Relay:                 ${relay.url}  (tokens required)

  Sign in as Ada in one browser and as Bob in another, open the first invoice in both.
  Ctrl+C to stop.
`);
  closeOnSignal(async () => {
    app.child.kill();
    await relay.close();
  });
}
