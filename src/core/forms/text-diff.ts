// The smallest single edit that turns one string into another, and how an index moves
// when a Yjs text delta is applied around it. Both are pure functions.

export interface TextEdit {
  index: number;
  remove: number;
  insert: string;
}

/**
 * Finds the edit from `before` to `after` as one delete + insert at one place. When the
 * change is ambiguous ("a" typed into "aa"), `caret` (the selection end after the edit)
 * places it where the user actually typed.
 */
export function diffText(before: string, after: string, caret?: number): TextEdit | null {
  if (before === after) return null;
  let prefix = 0;
  let maxPrefix = Math.min(before.length, after.length);
  if (caret !== undefined && caret >= 0) {
    maxPrefix = Math.min(maxPrefix, Math.max(0, caret - Math.max(0, after.length - before.length)));
  }
  while (prefix < maxPrefix && before.charCodeAt(prefix) === after.charCodeAt(prefix)) prefix++;
  let suffix = 0;
  const maxSuffix = Math.min(before.length, after.length) - prefix;
  while (
    suffix < maxSuffix &&
    before.charCodeAt(before.length - 1 - suffix) === after.charCodeAt(after.length - 1 - suffix)
  ) {
    suffix++;
  }
  // Never split a surrogate pair: widen the edit to whole code points.
  if (prefix > 0 && isHighSurrogate(before.charCodeAt(prefix - 1))) prefix--;
  if (suffix > 0 && isLowSurrogate(before.charCodeAt(before.length - suffix))) suffix--;
  return {
    index: prefix,
    remove: before.length - prefix - suffix,
    insert: after.slice(prefix, after.length - suffix),
  };
}

export type Delta = Array<{ insert?: unknown; delete?: number; retain?: number }>;

/**
 * Where `index` ends up after `delta` is applied. An insert exactly at the index does not
 * move it (the caret stays after the user's own last character).
 */
export function transformIndex(index: number, delta: Delta): number {
  let result = index; // the index in the new text, adjusted as we go
  let old = 0; // position in the old text
  for (const op of delta) {
    if (op.retain !== undefined) {
      old += op.retain;
    } else if (op.insert !== undefined) {
      const length = typeof op.insert === 'string' ? op.insert.length : 1;
      if (old < index) result += length;
    } else if (op.delete !== undefined) {
      if (old < index) result -= Math.min(op.delete, index - old);
      old += op.delete;
    }
    if (old > index) break;
  }
  return Math.max(0, result);
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}
