// One error type for everything Parley reports to the page: a stable `code` a host app can
// switch on, a human message, and the underlying cause when there is one. A message with
// `{name}` placeholders keeps its template and values, so the elements can show it in the
// page's language (the template is the message catalogue's key).

export type ParleyErrorCode =
  | 'signaling'          // the relay refused us or a frame did not parse
  | 'peer'               // a peer connection failed or a peer sent something malformed
  | 'permission-denied'  // camera / microphone / screen permission refused
  | 'no-device'          // no camera or microphone to capture
  | 'media'              // any other capture failure
  | 'call-full'          // the call already has max-participants people
  | 'config'             // the page set an invalid attribute (e.g. ice-servers)
  | 'file'               // a file transfer failed, or a peer sent junk and was cut off
  | 'recording'          // the recorder could not start or produce a file
  | 'sync'               // a document update could not be applied
  | 'room-password'      // a room message was sealed with another password, or with none
  | 'sfu'                // the media server (Janus) is not configured, refused us or went away
  | 'trust';             // a peer spoke for someone else or went over a budget: dropped

export type MessageParams = Record<string, string | number>;

/** Fills a message template's `{name}` placeholders. */
export function format(template: string, params: MessageParams = {}): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (Object.hasOwn(params, name) ? String(params[name]) : whole));
}

export class ParleyError extends Error {
  /** The message before its placeholders were filled: `message` is `format(template, params)`. */
  readonly template: string;
  readonly params?: MessageParams;

  constructor(readonly code: ParleyErrorCode, template: string, options?: { cause?: unknown; params?: MessageParams }) {
    super(format(template, options?.params), options);
    this.name = 'ParleyError';
    this.template = template;
    this.params = options?.params;
  }
}

/** Development-time logger; the one place Parley writes to the console. */
export const log = {
  warn: (...args: unknown[]) => console.warn('[parley]', ...args),
  debug: (...args: unknown[]) => {
    if ((globalThis as { PARLEY_DEBUG?: boolean }).PARLEY_DEBUG) console.debug('[parley]', ...args);
  },
};
