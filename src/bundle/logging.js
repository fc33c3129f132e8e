// A stand-in for lib0/logging in the script-tag bundle only (vite.config.ts): Yjs prints a
// few warnings with it, and the real one brings colour handling, DOM output and
// environment sniffing (about 0.6 KB gzipped) that a page's console does not need.
export const BOLD = '';
export const UNBOLD = '';
export const RED = '';
export const ORANGE = '';
const plain = (args) => args.filter((arg) => arg !== '');
export const print = (...args) => console.log(...plain(args));
export const warn = (...args) => console.warn(...plain(args));
