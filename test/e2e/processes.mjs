// Linux process helpers for the end-to-end tests and benchmarks: a browser's process tree
// from /proc (to freeze its renderer, or to sum its CPU time).
import { readFileSync, readdirSync } from 'node:fs';
import { execSync } from 'node:child_process';

const TICK = Number(execSync('getconf CLK_TCK').toString().trim()) || 100;

/** Every process below `root`, with its CPU seconds (user + system) so far. */
export function processTree(root) {
  const procs = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const raw = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = raw.slice(raw.lastIndexOf(')') + 2).split(' ');
      procs.set(Number(entry), { ppid: Number(fields[1]), cpu: (Number(fields[11]) + Number(fields[12])) / TICK });
    } catch {
      // The process ended while we looked.
    }
  }
  const tree = [{ pid: root, cpu: procs.get(root)?.cpu ?? 0 }];
  for (let i = 0; i < tree.length; i++) {
    for (const [pid, p] of procs) if (p.ppid === tree[i].pid) tree.push({ pid, cpu: p.cpu });
  }
  return tree;
}

/** CPU seconds used so far by a browser and all its helper processes. */
export const browserCpuSeconds = (browser) => processTree(browser.process().pid).reduce((sum, p) => sum + p.cpu, 0);

/** Renderer processes of one browser (Chromium runs its WebRTC stack there). */
export function rendererPids(browser) {
  return processTree(browser.process().pid)
    .map((p) => p.pid)
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('--type=renderer');
      } catch {
        return false;
      }
    });
}
