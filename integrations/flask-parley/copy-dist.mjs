// `npm run build:flask`: copies Parley's script-tag bundle (dist/parley.js and dist/chunks/,
// from `npm run build`) into the flask_parley package, which serves it as its static files.
// The copy is a build output, not committed; run this again after every build.
import { cpSync, existsSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dist = fileURLToPath(new URL('../../dist/', import.meta.url));
export const STATIC = fileURLToPath(new URL('flask_parley/static/', import.meta.url));

/** Replaces flask_parley/static/ with the bundle in dist/ (not the npm build in dist/esm). */
export function copyDist() {
  if (!existsSync(`${dist}parley.js`)) throw new Error('dist/parley.js is missing: run `npm run build` first');
  rmSync(STATIC, { recursive: true, force: true });
  for (const entry of ['parley.js', 'parley.js.map', 'chunks']) {
    if (existsSync(dist + entry)) cpSync(dist + entry, STATIC + entry, { recursive: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  copyDist();
  console.log(`[parley] copied dist/ to ${STATIC}`);
}
