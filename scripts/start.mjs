// `npm start`: install if needed, build, start the relay and a static server, print the
// demo URL. Open it in two tabs (or two browsers) to see the call and the shared form.
import { execFileSync } from 'node:child_process';
import { closeOnSignal, ensureDependencies, root } from './ensure.mjs';

ensureDependencies();
console.log('[parley] building…');
execFileSync('npm', ['run', '-s', 'build'], { cwd: root, stdio: 'inherit' });

const { createRelay } = await import('../signaling/src/relay.js');
const { serveStatic } = await import('./serve.mjs');

const relayPort = Number(process.env.RELAY_PORT ?? 4444);
const webPort = Number(process.env.PORT ?? 8080);
const relay = await createRelay({ port: relayPort, host: '127.0.0.1' });
const web = await serveStatic({ port: webPort, host: '127.0.0.1' });
// The elements call ws://<page host>:4444 unless told otherwise: another relay port goes
// into the demo's URL (?signaling), which the demo hands to <parley-room>.
const actualRelayPort = new URL(relay.url).port;
const demo = `http://localhost:${web.server.address().port}/demo/${actualRelayPort === '4444' ? '' : `?signaling=ws://localhost:${actualRelayPort}`}`;

console.log(`
  Parley demo:  ${demo}
  Relay:        ws://localhost:${actualRelayPort}  (open: no auth)

  Open the demo in two tabs or two browsers, type in the form, press "Join call".
  Ctrl+C to stop.
`);

closeOnSignal(async () => {
  web.server.close();
  await relay.close();
});
