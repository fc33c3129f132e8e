// The messages DocSync exchanges, as pure functions: bytes in, a plain value out, and back.
// The y-protocols framing y-webrtc and y-websocket use (a message type, then sync step 1,
// step 2 or update; awareness; query awareness), plus Parley's state-vector report. Nothing
// here touches a document: decodeMessage() reads and checks, DocSync decides and applies.
import * as Y from 'yjs';
import * as encoding from 'lib0/encoding';
import * as decoding from 'lib0/decoding';

export const messageSync = 0;
export const messageAwareness = 1;
export const messageQueryAwareness = 3;
/**
 * Parley's addition: "I hold these clocks now", the entries of our state vector that grew
 * since our last report to that peer (the first report: all of it).
 */
export const messageStateVector = 4;

/** y-protocols' sync steps: step 1 carries a state vector, step 2 and update a Yjs update. */
export const syncStep1 = 0;
export const syncStep2 = 1;
export const syncUpdate = 2;

/** One client's presence in an awareness update, its state still JSON text. */
export interface AwarenessEntry {
  client: number;
  clock: number;
  json: string;
}

export type SyncMessage =
  | { type: typeof messageSync; step: typeof syncStep1 | typeof syncStep2 | typeof syncUpdate; payload: Uint8Array }
  | { type: typeof messageStateVector; clocks: Map<number, number> }
  | { type: typeof messageAwareness; entries: AwarenessEntry[] }
  | { type: typeof messageQueryAwareness };

/** A message that is none of the above, or is cut short or padded. */
export class SyncMessageError extends Error {
  override name = 'SyncMessageError';
}

/** Reads one message; throws a SyncMessageError that says what is wrong with a malformed one. */
export function decodeMessage(bytes: Uint8Array): SyncMessage {
  const decoder = decoding.createDecoder(bytes);
  let message: SyncMessage;
  try {
    message = read(decoder);
  } catch (cause) {
    throw cause instanceof SyncMessageError ? cause : malformed(`cut short (${bytes.length} bytes)`, cause);
  }
  // lib0 reads a view's buffer past the view's end without complaint: that is cut short too.
  if (decoder.pos > bytes.length) throw malformed(`cut short (${bytes.length} bytes)`);
  if (decoder.pos < bytes.length) throw malformed(`${bytes.length - decoder.pos} bytes after its end`);
  return message;
}

function read(decoder: decoding.Decoder): SyncMessage {
  if (!decoding.hasContent(decoder)) throw malformed('empty');
  const type = decoding.readVarUint(decoder);
  if (type === messageSync) {
    const step = decoding.readVarUint(decoder);
    if (step !== syncStep1 && step !== syncStep2 && step !== syncUpdate) throw malformed(`unknown sync step ${step}`);
    return { type, step, payload: decoding.readVarUint8Array(decoder) };
  }
  if (type === messageStateVector) return { type, clocks: Y.decodeStateVector(decoding.readVarUint8Array(decoder)) };
  if (type === messageAwareness) {
    const update = decoding.createDecoder(decoding.readVarUint8Array(decoder));
    const entries: AwarenessEntry[] = [];
    for (let count = decoding.readVarUint(update); count > 0; count--) {
      entries.push({ client: decoding.readVarUint(update), clock: decoding.readVarUint(update), json: decoding.readVarString(update) });
    }
    if (update.pos !== update.arr.length) throw malformed('awareness update cut short or padded');
    return { type, entries };
  }
  if (type === messageQueryAwareness) return { type };
  throw malformed(`unknown type ${type}`);
}

const malformed = (what: string, cause?: unknown) => new SyncMessageError(`malformed sync message: ${what}`, { cause });

/** Encodes one message (the inverse of decodeMessage). */
export function encodeMessage(message: SyncMessage): Uint8Array {
  return encoding.encode((encoder) => {
    encoding.writeVarUint(encoder, message.type);
    if (message.type === messageSync) {
      encoding.writeVarUint(encoder, message.step);
      encoding.writeVarUint8Array(encoder, message.payload);
    } else if (message.type === messageStateVector) {
      encoding.writeVarUint8Array(encoder, Y.encodeStateVector(message.clocks));
    } else if (message.type === messageAwareness) {
      encoding.writeVarUint8Array(encoder, encodeAwarenessEntries(message.entries));
    }
  });
}

/** An awareness message of an update y-protocols encoded (encodeAwarenessUpdate). */
export const encodeAwareness = (update: Uint8Array): Uint8Array =>
  encoding.encode((encoder) => {
    encoding.writeVarUint(encoder, messageAwareness);
    encoding.writeVarUint8Array(encoder, update);
  });

/** An awareness update (y-protocols' encoding) of these entries. */
export const encodeAwarenessEntries = (entries: readonly AwarenessEntry[]): Uint8Array =>
  encoding.encode((encoder) => {
    encoding.writeVarUint(encoder, entries.length);
    for (const { client, clock, json } of entries) {
      encoding.writeVarUint(encoder, client);
      encoding.writeVarUint(encoder, clock);
      encoding.writeVarString(encoder, json);
    }
  });
