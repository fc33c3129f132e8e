// Script-tag entry (dist/parley.js): everything in one self-contained module. Elements
// are registered in dependency order: a <parley-room> is configured before the fields
// that share its session.
export * from './index.js';
