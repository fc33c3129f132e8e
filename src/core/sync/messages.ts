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

/** y-protocols' sync steps. */
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
  /** Step 1 carries the sender's state vector; step 2 and update carry a Yjs update. */
  | { type: 'sync'; step: typeof syncStep1 | typeof syncStep2 | typeof syncUpdate; payload: Uint8Array }
  | { type: 'state-vector'; clocks: Map<number, number> }
  | { type: 'awareness'; entries: AwarenessEntry[] }
  | { type: 'query-awareness' };

/** A message that is not one of the above, or is cut short or padded. */
export class SyncMessageError extends Error {
  override name = 'SyncMessageError';
}

/** Reads one message; throws SyncMessageError, saying what is wrong, for anything malformed. */
export function decodeMessage(bytes: Uint8Array): SyncMessage {
  if (!(bytes instanceof Uint8Array) || bytes.length === 0) throw new SyncMessageError('empty sync message');
  const decoder = decoding.createDecoder(bytes);
  let message: SyncMessage;
  try {
    message = read(decoder);
  } catch (error) {
    if (error instanceof SyncMessageError) throw error;
    throw new SyncMessageError(`sync message cut short or malformed (${bytes.length} bytes): ${(error as Error).message}`, { cause: error });
  }
  // lib0 reads a view's buffer past the view's end without complaint: that is cut short too.
  if (decoder.pos > bytes.length) throw new SyncMessageError(`sync message cut short (${bytes.length} bytes)`);
  if (decoding.hasContent(decoder)) throw new SyncMessageError(`sync message with ${bytes.length - decoder.pos} bytes after its end`);
  return message;
}

function read(decoder: decoding.Decoder): SyncMessage {
  const type = decoding.readVarUint(decoder);
  switch (type) {
    case messageSync: {
      const step = decoding.readVarUint(decoder);
      if (step !== syncStep1 && step !== syncStep2 && step !== syncUpdate) throw new SyncMessageError(`unknown sync step ${step}`);
      return { type: 'sync', step, payload: decoding.readVarUint8Array(decoder) };
    }
    case messageStateVector:
      return { type: 'state-vector', clocks: Y.decodeStateVector(decoding.readVarUint8Array(decoder)) };
    case messageAwareness: {
      const update = decoding.createDecoder(decoding.readVarUint8Array(decoder));
      const entries: AwarenessEntry[] = [];
      for (let count = decoding.readVarUint(update); count > 0; count--) {
        entries.push({ client: decoding.readVarUint(update), clock: decoding.readVarUint(update), json: decoding.readVarString(update) });
      }
      if (update.pos !== update.arr.length) throw new SyncMessageError('awareness update cut short or with bytes after its entries');
      return { type: 'awareness', entries };
    }
    case messageQueryAwareness:
      return { type: 'query-awareness' };
    default:
      throw new SyncMessageError(`unknown sync message type ${type}`);
  }
}

/** Encodes one message (the inverse of decodeMessage). */
export function encodeMessage(message: SyncMessage): Uint8Array {
  const encoder = encoding.createEncoder();
  switch (message.type) {
    case 'sync':
      encoding.writeVarUint(encoder, messageSync);
      encoding.writeVarUint(encoder, message.step);
      encoding.writeVarUint8Array(encoder, message.payload);
      break;
    case 'state-vector':
      encoding.writeVarUint(encoder, messageStateVector);
      encoding.writeVarUint8Array(encoder, Y.encodeStateVector(message.clocks));
      break;
    case 'awareness':
      encoding.writeVarUint(encoder, messageAwareness);
      encoding.writeVarUint8Array(encoder, encodeAwarenessEntries(message.entries));
      break;
    case 'query-awareness':
      encoding.writeVarUint(encoder, messageQueryAwareness);
      break;
  }
  return encoding.toUint8Array(encoder);
}

/** An awareness message of an update y-protocols encoded (encodeAwarenessUpdate). */
export function encodeAwareness(update: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, messageAwareness);
  encoding.writeVarUint8Array(encoder, update);
  return encoding.toUint8Array(encoder);
}

/** An awareness update (y-protocols' encoding) of these entries. */
export function encodeAwarenessEntries(entries: readonly AwarenessEntry[]): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, entries.length);
  for (const { client, clock, json } of entries) {
    encoding.writeVarUint(encoder, client);
    encoding.writeVarUint(encoder, clock);
    encoding.writeVarString(encoder, json);
  }
  return encoding.toUint8Array(encoder);
}
