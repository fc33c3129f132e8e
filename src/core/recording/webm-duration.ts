// MediaRecorder writes WebM as a live stream: the Segment has no Duration (Chromium) or a
// Duration of 0 (Firefox), so players show an unknown (Infinity) or no length and cannot seek. This writes the Duration into the Segment's
// Info element once the recording is over. Only the head of the file is read and rebuilt;
// the clusters are reused as they are (no copy of the whole recording).
// EBML ids: https://www.matroska.org/technical/elements.html
import { concat } from '../net/frames.js';

const SEGMENT = 0x18538067;
const INFO = 0x1549a966;
const TIMECODE_SCALE = 0x2ad7b1;
const DURATION = 0x4489;
const SEEK_HEAD = 0x114d9b74;
const CLUSTER = 0x1f43b675;
/** Info sits in the first few hundred bytes; this is plenty. */
const HEAD_BYTES = 64 * 1024;

interface Vint {
  value: number;
  length: number;
  unknown: boolean;
}

function readVint(bytes: Uint8Array, pos: number, keepMarker: boolean): Vint | null {
  const first = bytes[pos];
  if (first === undefined || first === 0) return null;
  const length = Math.clz32(first) - 23;
  if (pos + length > bytes.length) return null;
  let value = keepMarker ? first : first & (0xff >> length);
  let allOnes = value === 0xff >> length;
  for (let i = 1; i < length; i++) {
    value = value * 256 + bytes[pos + i];
    allOnes &&= bytes[pos + i] === 0xff;
  }
  return { value, length, unknown: !keepMarker && allOnes };
}

function writeSize(value: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let v = value;
  for (let i = length - 1; i >= 0; i--) {
    out[i] = v % 256;
    v = Math.floor(v / 256);
  }
  out[0] |= 0x80 >> (length - 1);
  return out;
}

/** Returns the recording with its duration (milliseconds) written in; unchanged if it cannot. */
export async function withWebmDuration(blob: Blob, durationMs: number): Promise<Blob> {
  const head = new Uint8Array(await blob.slice(0, HEAD_BYTES).arrayBuffer());
  const patched = patchHead(head, durationMs);
  return patched ? new Blob([patched as Uint8Array<ArrayBuffer>, blob.slice(HEAD_BYTES)], { type: blob.type }) : blob;
}

function patchHead(bytes: Uint8Array, durationMs: number): Uint8Array | null {
  // EBML header, then the Segment.
  const ebmlId = readVint(bytes, 0, true);
  const ebmlSize = ebmlId && readVint(bytes, ebmlId.length, false);
  if (!ebmlId || !ebmlSize) return null;
  let pos = ebmlId.length + ebmlSize.length + ebmlSize.value;
  const segmentId = readVint(bytes, pos, true);
  if (segmentId?.value !== SEGMENT) return null;
  const segmentSizeAt = pos + segmentId.length;
  const segmentSize = readVint(bytes, segmentSizeAt, false);
  if (!segmentSize) return null;
  pos = segmentSizeAt + segmentSize.length;
  let seekHead = false;
  while (pos < bytes.length) {
    const id = readVint(bytes, pos, true);
    const size = id && readVint(bytes, pos + id.length, false);
    if (!id || !size || size.unknown || id.value === CLUSTER) return null;
    const start = pos + id.length + size.length;
    const end = start + size.value;
    if (end > bytes.length) return null;
    if (id.value === SEEK_HEAD) seekHead = true;
    if (id.value === INFO) return rebuildInfo(bytes, pos, start, end, durationMs, seekHead, segmentSize, segmentSizeAt);
    pos = end;
  }
  return null;
}

function rebuildInfo(
  bytes: Uint8Array,
  infoAt: number,
  start: number,
  end: number,
  durationMs: number,
  seekHead: boolean,
  segmentSize: Vint,
  segmentSizeAt: number,
): Uint8Array | null {
  let scale = 1_000_000;
  let stated: { at: number; size: number } | null = null;
  const kept: Uint8Array[] = [];
  for (let pos = start; pos < end; ) {
    const id = readVint(bytes, pos, true);
    const size = id && readVint(bytes, pos + id.length, false);
    if (!id || !size) return null;
    const next = pos + id.length + size.length + size.value;
    if (id.value === TIMECODE_SCALE) scale = uint(bytes, next - size.value, next) || scale;
    if (id.value === DURATION) stated = { at: next - size.value, size: size.value };
    kept.push(bytes.subarray(pos, next));
    pos = next;
  }
  const value = (durationMs * 1_000_000) / scale;
  if (stated) {
    // Firefox writes a Duration of 0 while it records (its own player then scans the file;
    // others show no length): overwrite it in place, same size, nothing moves.
    const view = new DataView(bytes.buffer, bytes.byteOffset + stated.at, stated.size);
    if (stated.size !== 4 && stated.size !== 8) return null;
    if ((stated.size === 4 ? view.getFloat32(0) : view.getFloat64(0)) > 0) return null; // a real one
    const out = bytes.slice();
    const written = new DataView(out.buffer, stated.at, stated.size);
    if (stated.size === 4) written.setFloat32(0, value);
    else written.setFloat64(0, value);
    return out;
  }
  const duration = new Uint8Array(11);
  duration.set([0x44, 0x89, 0x88]);
  new DataView(duration.buffer).setFloat64(3, value);
  // Growing Info would shift what a SeekHead points at: leave such files alone.
  if (seekHead) return null;
  const content = concat([...kept, duration]);
  const info = concat([bytes.subarray(infoAt, infoAt + 4), writeSize(content.length, 8), content]);
  const out = concat([bytes.subarray(0, infoAt), info, bytes.subarray(end)]);
  if (!segmentSize.unknown) {
    const grown = segmentSize.value + (info.length - (end - infoAt));
    out.set(writeSize(grown, segmentSize.length), segmentSizeAt);
  }
  return out;
}

function uint(bytes: Uint8Array, from: number, to: number): number {
  let v = 0;
  for (let i = from; i < to; i++) v = v * 256 + bytes[i];
  return v;
}
