// Installs what a fresh clone lacks, so `npm start` and `npm test` are the only commands
// a newcomer types. Dependencies: `npm ci` when node_modules is missing or older than the
// lock file. System packages (browsers, Redis, coturn, Janus, the Python of flask-parley's
// tests) come from Debian: installed with apt-get when we run as root, otherwise we stop and
// print the exact command to run.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Debian packages the test suite needs, with the file that proves each is installed (a binary, or a module of Debian's Python). */
export const SYSTEM_PACKAGES = [
  { pkg: 'chromium', bin: '/usr/bin/chromium' },
  { pkg: 'firefox-esr', bin: '/usr/bin/firefox-esr' },
  { pkg: 'redis-server', bin: '/usr/bin/redis-server' },
  { pkg: 'coturn', bin: '/usr/bin/turnserver' },
  { pkg: 'python3-flask', bin: '/usr/lib/python3/dist-packages/flask/__init__.py' },
  { pkg: 'python3-jwt', bin: '/usr/lib/python3/dist-packages/jwt/__init__.py' },
  { pkg: 'python3-flask-login', bin: '/usr/lib/python3/dist-packages/flask_login/__init__.py' },
  { pkg: 'python3-pytest', bin: '/usr/lib/python3/dist-packages/pytest/__init__.py' },
  { pkg: 'python3-websocket', bin: '/usr/lib/python3/dist-packages/websocket/__init__.py' },
  { pkg: 'janus', bin: '/usr/bin/janus' },
];

export function ensureDependencies() {
  const modules = join(root, 'node_modules', '.package-lock.json');
  const lock = join(root, 'package-lock.json');
  const stale = !existsSync(modules) || (existsSync(lock) && statSync(lock).mtimeMs > statSync(modules).mtimeMs + 1000);
  if (!stale) return;
  console.log('[parley] installing dependencies…');
  run('npm', [existsSync(lock) ? 'ci' : 'install', '--no-audit', '--no-fund']);
}

export function ensureSystemPackages(packages = SYSTEM_PACKAGES) {
  const missing = packages.filter(({ bin }) => !existsSync(bin)).map(({ pkg }) => pkg);
  if (!missing.length) return;
  const command = `apt-get update && apt-get install -y ${missing.join(' ')}`;
  const isRoot = process.getuid?.() === 0;
  const hasApt = spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0;
  if (!isRoot || !hasApt) {
    console.error(`[parley] missing system packages: ${missing.join(', ')}.\nInstall them with:\n\n  sudo sh -c '${command}'\n`);
    process.exit(1);
  }
  console.log(`[parley] installing ${missing.join(', ')} from Debian's packages…`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  run('apt-get', ['update', '-qq'], env);
  run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], env);
}

/** For the commands that start servers (`npm start`, `npm run example:flask`): on Ctrl+C or
 * SIGTERM, `close()` what they started, then exit. */
export function closeOnSignal(close) {
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, async () => {
      await close();
      process.exit(0);
    });
  }
}

function run(command, args, env = process.env) {
  execFileSync(command, args, { cwd: root, stdio: 'inherit', env });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  ensureDependencies();
  if (process.argv.includes('--system')) ensureSystemPackages();
}
