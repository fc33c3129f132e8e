// `npm run bench:size`: gzip size of the script-tag bundle. With --check it is the test
// suite's size budget: it fails when dist/parley.js is over BUDGET_BYTES gzipped.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';

/**
 * Everything (Lit, Yjs, y-protocols, Parley) for one <script> tag, gzipped. 61 KB since the
 * grid keys its tiles with Lit's repeat (+0.9 KB): it is what keeps videos from blanking.
 */
export const BUDGET_BYTES = 61 * 1024;

const file = fileURLToPath(new URL('../dist/parley.js', import.meta.url));
let source;
try {
  source = readFileSync(file);
} catch {
  console.error('dist/parley.js not found: run `npm run build` first');
  process.exit(1);
}
const gz = gzipSync(source, { level: 9 }).length;
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
console.log(`dist/parley.js: ${kb(source.length)} minified, ${kb(gz)} gzipped (budget ${kb(BUDGET_BYTES)})`);
if (process.argv.includes('--check') && gz > BUDGET_BYTES) {
  console.error(`over budget by ${kb(gz - BUDGET_BYTES)}`);
  process.exit(1);
}
