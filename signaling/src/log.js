// @ts-check
/**
 * The relay's one logger. By default pino, JSON lines on stdout; `createRelay({ log })`
 * accepts either a pino-compatible logger or a plain function that receives each entry
 * object (what the tests use to stay quiet and to inspect what was logged). Entries are
 * objects with an `event` field; tokens, URLs and query strings are never put in one.
 */
import pino from 'pino';

/** @typedef {Record<string, unknown> & { event: string }} LogEntry */
/** @typedef {'info' | 'warn' | 'error'} Level */
/** @typedef {(level: Level, entry: LogEntry) => void} Logger */
/** @typedef {{ info: Function, warn: Function, error: Function }} PinoLike */

/** @param {string} [level] @returns {PinoLike} */
export function defaultLogger(level = 'info') {
  return pino({ level, base: { name: 'parley-relay' }, timestamp: pino.stdTimeFunctions.isoTime });
}

/**
 * @param {((entry: LogEntry) => void) | PinoLike | undefined} log
 * @returns {Logger}
 */
export function toLogger(log) {
  if (typeof log === 'function') return (_level, entry) => log(entry);
  const target = log ?? defaultLogger(process.env.PARLEY_RELAY_LOG_LEVEL);
  return (level, entry) => {
    const { message, ...fields } = entry;
    target[level](fields, typeof message === 'string' ? message : entry.event);
  };
}
