// A Parley error as the elements show it: in the host's language, its parameters (the
// device: "camera") translated too. Apart from messages.ts, which every page loads, since
// only the call controls and the recorder show errors.
import type { MessageParams, ParleyError } from '../../core/errors.js';
import type { Localize } from './messages.js';

export function errorText({ t }: Localize, error: ParleyError): string {
  const params: MessageParams = {};
  for (const [name, value] of Object.entries(error.params ?? {})) params[name] = typeof value === 'string' ? t(value) : value;
  return t(error.template ?? error.message, params);
}
