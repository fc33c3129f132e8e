import { expect } from '@open-wc/testing';
import { CHUNK_BYTES, FrameAssembler, FrameKind, MAX_MESSAGE_BYTES, encodeFrames } from './frames.js';

describe('frames', () => {
  it('round-trips a small message in one frame', () => {
    const frames = encodeFrames(FrameKind.sync, new Uint8Array([1, 2, 3]));
    expect(frames).to.have.length(1);
    const message = new FrameAssembler().push(frames[0]);
    expect(message?.kind).to.equal(FrameKind.sync);
    expect([...message!.payload]).to.deep.equal([1, 2, 3]);
  });

  it('chunks a large message and reassembles it byte for byte', () => {
    const payload = new Uint8Array(CHUNK_BYTES * 3 + 17).map((_, i) => i % 251);
    const frames = encodeFrames(FrameKind.signal, payload);
    expect(frames).to.have.length(4);
    expect(frames.every((f) => f.length <= CHUNK_BYTES + 1)).to.equal(true);
    const assembler = new FrameAssembler();
    const results = frames.map((f) => assembler.push(f));
    expect(results.slice(0, 3).every((r) => r === null)).to.equal(true);
    expect(results[3]!.kind).to.equal(FrameKind.signal);
    expect(results[3]!.payload).to.deep.equal(payload);
  });

  it('encodes an empty message as one frame', () => {
    const frames = encodeFrames(FrameKind.sync, new Uint8Array());
    expect(new FrameAssembler().push(frames[0])!.payload.length).to.equal(0);
  });

  it('rejects empty frames, unknown kinds and a kind change mid-message', () => {
    const assembler = new FrameAssembler();
    expect(() => assembler.push(new Uint8Array())).to.throw(/empty/);
    expect(() => assembler.push(new Uint8Array([0x7f, 1]))).to.throw(/unknown frame kind/);
    assembler.push(new Uint8Array([FrameKind.sync | 0x80, 1]));
    expect(() => assembler.push(new Uint8Array([FrameKind.signal, 1]))).to.throw(/kind changed/);
  });

  it('takes a message of exactly MAX_MESSAGE_BYTES (32 MiB) and refuses one byte more', () => {
    expect(MAX_MESSAGE_BYTES).to.equal(32 * 1024 * 1024);
    const piece = new Uint8Array(1 + 1024 * 1024);
    piece[0] = FrameKind.sync | 0x80;
    const feed = (assembler: FrameAssembler) => {
      for (let i = 0; i < MAX_MESSAGE_BYTES / (piece.length - 1); i++) expect(assembler.push(piece)).to.equal(null);
    };
    const exact = new FrameAssembler();
    feed(exact);
    expect(exact.push(new Uint8Array([FrameKind.sync]))!.payload.length).to.equal(MAX_MESSAGE_BYTES);
    const over = new FrameAssembler();
    feed(over);
    expect(() => over.push(new Uint8Array([FrameKind.sync, 0]))).to.throw(/message too large/);
  });
});
