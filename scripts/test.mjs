// `npm test`: the whole suite on a fresh clone. Installs what it lacks, builds, then runs
// type checks, the bundle size budget, the relay tests, flask-parley's tests (pytest, with
// Debian's Python), the browser tests (Chromium and Firefox ESR; RUN_ALONE's files after the
// rest, one browser at a time) and the multi-browser end-to-end tests, and prints one
// closing tally.
import { spawn } from 'node:child_process';
import { ensureDependencies, ensureSystemPackages, root } from './ensure.mjs';
import { RUN_ALONE } from '../test/browsers.mjs';

ensureDependencies();
ensureSystemPackages();

/** A test that hangs (an event that never comes) fails after this, not at CI's time limit. */
const TEST_TIMEOUT = '--test-timeout=300000';

const steps = [
  { name: 'build', cmd: ['npm', 'run', '-s', 'build'] },
  { name: 'typecheck', cmd: ['npm', 'run', '-s', 'typecheck'] },
  { name: 'size budget', cmd: ['node', 'bench/size.mjs', '--check'] },
  { name: 'relay', cmd: ['node', '--test', TEST_TIMEOUT, '--test-reporter=spec', 'signaling/test/'], counts: nodeCounts },
  // Debian's interpreter by its path: it is the one that has the python3-* packages installed.
  { name: 'flask-parley', cmd: ['/usr/bin/python3', '-m', 'pytest', 'integrations/flask-parley/tests'], counts: pytestCounts },
  { name: 'browser', cmd: ['npx', 'web-test-runner'], counts: wtrCounts },
  ...['chrome', 'firefox'].filter((browser) => !process.env.BROWSERS || process.env.BROWSERS.split(',').some((name) => browser.includes(name))).map((browser) => ({
    name: `browser, alone (${browser})`,
    cmd: ['npx', 'web-test-runner', '--files', ...RUN_ALONE],
    env: { BROWSERS: browser },
    counts: wtrCounts,
  })),
  { name: 'end-to-end', cmd: ['node', '--test', TEST_TIMEOUT, '--test-concurrency=1', '--test-reporter=spec', 'test/e2e/'], counts: nodeCounts },
];

let passed = 0;
let failed = 0;
let skipped = 0;
const failures = [];
/** Each failed test's title and first lines, printed again at the end: a log's tail names them. */
const failedTests = [];
for (const step of steps) {
  console.log(`\n=== ${step.name}: ${step.cmd.join(' ')}`);
  const started = Date.now();
  const { code, output } = await run(step.cmd, step.env);
  const counts = step.counts?.(output) ?? { passed: code === 0 ? 1 : 0, failed: code === 0 ? 0 : 1 };
  if (code !== 0 && counts.failed === 0) counts.failed = 1;
  passed += counts.passed;
  failed += counts.failed;
  skipped += counts.skipped ?? 0;
  if (code !== 0) failures.push(step.name);
  if (code !== 0) failedTests.push(...failedTestLines(output).map((lines) => `[${step.name}] ${lines}`));
  console.log(`=== ${step.name}: ${code === 0 ? 'ok' : `FAILED (exit ${code})`} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
if (failedTests.length) console.log(`\nFailed tests:\n${failedTests.join('\n')}`);
if (failures.length) console.log(`\nFailed steps: ${failures.join(', ')}`);
// A skip is for a capability a browser lacks (each says which in a comment); it is counted,
// never hidden inside "passed".
console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failures.length ? 1 : 0);

function run([command, ...args], env = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1', ...env } });
    let output = '';
    const forward = (stream) => (chunk) => {
      output += chunk;
      stream.write(chunk);
    };
    child.stdout.on('data', forward(process.stdout));
    child.stderr.on('data', forward(process.stderr));
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

function nodeCounts(output) {
  const pick = (name) => Number(output.match(new RegExp(`^[#ℹ] ${name} (\\d+)`, 'm'))?.[1] ?? 0);
  return { passed: pick('pass'), failed: pick('fail'), skipped: pick('skipped') };
}

function pytestCounts(output) {
  // The closing line: "===== 2 failed, 27 passed, 1 skipped in 1.33s =====" (only the
  // outcomes that occurred); an error (in a fixture, or collecting) counts as a failure.
  const summary = output.match(/^=+ (.*) in [\d.]+s(?: \([^)]*\))? =+$/m)?.[1] ?? '';
  const pick = (pattern) => Number(summary.match(new RegExp(`(\\d+) ${pattern}\\b`))?.[1] ?? 0);
  return { passed: pick('passed'), failed: pick('failed') + pick('errors?'), skipped: pick('skipped') };
}

function wtrCounts(output) {
  // The last progress line per browser holds its totals:
  // "Chrome: |███| 3/3 test files | 12 passed, 0 failed, 1 skipped" (no skip part when none).
  const totals = new Map();
  const clean = output.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '');
  for (const match of clean.matchAll(/^(\w+):.*?\| (\d+) passed, (\d+) failed(?:, (\d+) skipped)?/gm)) {
    totals.set(match[1], { passed: Number(match[2]), failed: Number(match[3]), skipped: Number(match[4] ?? 0) });
  }
  const sum = (key) => [...totals.values()].reduce((total, t) => total + t[key], 0);
  return { passed: sum('passed'), failed: sum('failed'), skipped: sum('skipped') };
}

/**
 * The failures a step printed, each as its marked line and the few lines after it (the error):
 * web-test-runner marks a failed test "❌", node's spec reporter "✖" (its summary repeats them).
 */
function failedTestLines(output) {
  const lines = output.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '').split('\n');
  const found = [];
  let file = '';
  lines.forEach((line, i) => {
    // web-test-runner names the file on a line of its own before that file's failures.
    if (/^\S+\.test\.\w+:$/.test(line.trim())) file = `${line.trim()} `;
    if (!/^\s*(❌|✖)/.test(line)) return;
    const block = [`${file}${line.trim()}`, ...lines.slice(i + 1, i + 7).filter((l) => l.trim() && !/^\w+:\s*\|/.test(l.trim())).map((l) => `    ${l.trim()}`)].join('\n');
    if (!found.includes(block)) found.push(block);
  });
  return found.slice(0, 20);
}
