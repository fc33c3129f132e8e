// A stand-in for lib0/environment in the script-tag bundle only (vite.config.ts). The real
// one reads the page's query string and localStorage when it loads, to configure lib0's own
// tools; in this bundle Yjs only asks whether it runs in a browser and whether its
// development checks are on, neither of which a host page configures.
export const isNode = false;
export const isBrowser = typeof window !== 'undefined' && typeof document !== 'undefined';
export const getVariable = () => null;
