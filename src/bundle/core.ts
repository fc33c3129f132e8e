// What loadCore() in the script-tag entry (src/parley.ts) loads: the core's public API.
// It re-exports the barrel rather than the entry importing the barrel itself: a barrel
// that is a chunk's entry is kept whole, and every element, which imports its pieces from
// the barrel, would then load the whole core (file transfer, recorder, chat…) with it.
export * from '../core/index.js';
