// `npm run bench:size`: what a page loads of the script-tag bundle, gzipped. dist/parley.js
// loads each element's code on first use, so the figure depends on the page: for each
// page below it sums dist/parley.js and every chunk its elements import, statically or
// dynamically (a chunk loaded only for `persist` counts too; the call's capture and stats
// code, loaded on the first join, counts only on pages that have a call), each gzipped on
// its own as a server sends it. The pages are in English: a language catalogue (German)
// is printed on its own line, as a page in that language loads it too; so is the media
// server's code (SFU), which a call loads only when its media goes through Janus. The build's
// manifest (dist/.vite/manifest.json) says which chunk holds which element and what each
// chunk imports. With --check it is the test suite's size budget: it fails when a page
// loads more than its budget.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';

const KB = 1024;

/** The pages measured: their elements, the budget `--check` enforces, and the aim. */
const PAGES = [
  { name: 'form only', tags: ['parley-form', 'parley-field'], budget: 50 * KB, aim: 45 * KB, call: false },
  { name: 'room + grid + controls + form', tags: ['parley-room', 'parley-video-grid', 'parley-controls', 'parley-form'], budget: 70 * KB, aim: 65 * KB },
  { name: 'everything', tags: 'all', budget: 100 * KB, aim: 100 * KB },
];

const dist = new URL('../dist/', import.meta.url);
let manifest;
try {
  manifest = JSON.parse(readFileSync(new URL('.vite/manifest.json', dist), 'utf8'));
} catch {
  console.error('dist/.vite/manifest.json not found: run `npm run build` first');
  process.exit(1);
}

const entryKey = Object.keys(manifest).find((key) => manifest[key].isEntry);
/** `parley-video-grid` is built from src/elements/video-grid/video-grid.ts. */
const keyOf = (tag) => {
  const name = tag.replace(/^parley-/, '');
  const key = `src/elements/${name}/${name}.ts`;
  if (!manifest[key]) throw new Error(`${key} (<${tag}>) is not a chunk of its own in the manifest`);
  return key;
};

/** Modules a page loads only once someone joins the call (or shares a screen). */
const CALL_ONLY = ['src/core/call/local-media.ts', 'src/core/call/media.ts', 'src/core/call/adapt.ts', 'src/core/call/network-stats.ts'];
/** Modules only a page in another language than English loads: measured on their own. */
const LANGUAGES = ['src/elements/shared/messages.de.ts'];
/** Modules a call loads only when its media goes through the media server: measured on their own. */
const SFU_ONLY = ['src/core/sfu/sfu-media.ts'];

/**
 * The chunks `keys` import, themselves included; with `dynamic`, what they import() too
 * (but not `skip`).
 */
function closure(keys, dynamic, into = new Set(), skip = []) {
  for (const key of keys) {
    if (into.has(key) || skip.includes(key)) continue;
    into.add(key);
    closure(manifest[key].imports ?? [], dynamic, into, skip);
    if (dynamic) closure(manifest[key].dynamicImports ?? [], dynamic, into, skip);
  }
  return into;
}

const sizes = new Map();
function sizeOf(file) {
  if (!sizes.has(file)) {
    const source = readFileSync(fileURLToPath(new URL(file, dist)));
    sizes.set(file, { raw: source.length, gz: gzipSync(source, { level: 9 }).length });
  }
  return sizes.get(file);
}

const kb = (n) => `${(n / KB).toFixed(1)} KB`;
let over = false;
for (const page of PAGES) {
  const chunks =
    page.tags === 'all'
      ? closure([entryKey], true)
      : closure(page.tags.map(keyOf), true, closure([entryKey], false), [...LANGUAGES, ...SFU_ONLY, ...(page.call === false ? CALL_ONLY : [])]);
  const files = [...chunks].map((key) => manifest[key].file);
  const raw = files.reduce((sum, file) => sum + sizeOf(file).raw, 0);
  const gz = files.reduce((sum, file) => sum + sizeOf(file).gz, 0);
  const aim = page.aim < page.budget ? `, aim ${kb(page.aim)}` : '';
  const under = gz <= page.budget ? `, ${page.budget - gz} bytes under` : '';
  console.log(`${page.name}: ${kb(gz)} gzipped (${files.length} files, ${kb(raw)} minified; budget ${kb(page.budget)}${under}${aim})`);
  if (gz > page.budget) {
    over = true;
    console.error(`  over budget by ${kb(gz - page.budget)} (${gz - page.budget} bytes)`);
  }
}
for (const key of LANGUAGES) {
  const { gz, raw } = sizeOf(manifest[key].file);
  console.log(`+ the ${key.replace(/.*messages\.(\w+)\.ts$/, '$1')} catalogue, on a page in that language: ${kb(gz)} gzipped (${kb(raw)} minified)`);
}
// What a call page loads on top when its media moves to Janus: the SFU chunk and whatever
// it imports that the room page does not already hold.
const roomPage = closure(PAGES[1].tags.map(keyOf), true, closure([entryKey], false), SFU_ONLY);
for (const key of SFU_ONLY) {
  const files = [...closure([key], true)].filter((k) => !roomPage.has(k)).map((k) => manifest[k].file);
  const gz = files.reduce((sum, file) => sum + sizeOf(file).gz, 0);
  const raw = files.reduce((sum, file) => sum + sizeOf(file).raw, 0);
  console.log(`+ the media server (SFU) code, on a call whose media goes through Janus: ${kb(gz)} gzipped (${kb(raw)} minified)`);
}
if (process.argv.includes('--check') && over) process.exit(1);
