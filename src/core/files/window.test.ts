import { expect } from '@open-wc/testing';
import { DelayWindow, LONG_PATH_WINDOW_CHUNKS, MAX_WINDOW_CHUNKS, MIN_WINDOW_CHUNKS, TARGET_QUEUE_MS } from './window.js';

/**
 * Drives a window over a path whose round trip is `base` plus `queue` ms, acking each chunk
 * alone, for `chunks` chunks from `seq`; returns the next sequence number and time. The
 * queue is the transfer's own: a probe (the window at 1) finds it drained.
 */
function run(window: DelayWindow, { seq = 0, now = 0, chunks = 200, base = 30, queue = 0 } = {}) {
  for (let i = 0; i < chunks; i++, seq++) {
    window.sent(seq, now);
    now += base + (window.size === 1 ? 0 : queue);
    window.acked(seq + 1, now);
  }
  return { seq, now };
}

describe('DelayWindow (the file sender’s window follows the queueing delay it causes)', () => {
  it('opens to its cap on a path with no queue to fill', () => {
    const window = new DelayWindow(0);
    run(window, { queue: 0 });
    expect(window.size).to.equal(MAX_WINDOW_CHUNKS);
  });

  it('closes to its floor while chunks come back far later than the least round trip', () => {
    const window = new DelayWindow(0);
    const at = run(window, { chunks: 200, queue: 0 });
    expect(window.size).to.equal(MAX_WINDOW_CHUNKS);
    run(window, { ...at, chunks: 100, queue: 4 * TARGET_QUEUE_MS });
    expect(window.queueDelay).to.be.closeTo(4 * TARGET_QUEUE_MS, 0.001);
    expect(window.size).to.equal(MIN_WINDOW_CHUNKS);
  });

  it('settles where the delay it adds meets the target, and reopens when the queue drains', () => {
    const window = new DelayWindow(0);
    const at = run(window, { chunks: 20, queue: 0 });
    // A round trip at the target neither grows nor shrinks the window.
    const before = window.size;
    const next = run(window, { ...at, chunks: 20, queue: TARGET_QUEUE_MS });
    expect(window.size).to.equal(before);
    const later = run(window, { ...next, chunks: 100, queue: 5 * TARGET_QUEUE_MS });
    expect(window.size).to.equal(MIN_WINDOW_CHUNKS);
    run(window, { ...later, chunks: 300, queue: 0 });
    expect(window.size).to.equal(MAX_WINDOW_CHUNKS);
  });

  it('follows a path that gets longer: the window reopens once the old probes are forgotten', () => {
    const window = new DelayWindow(0);
    const at = run(window, { chunks: 200, base: 30 });
    expect(window.size).to.equal(MAX_WINDOW_CHUNKS);
    // 50 ms more of round trip, none of it queue: it reads as queue at first…
    const next = run(window, { ...at, chunks: 60, base: 80 });
    expect(window.size).to.be.below(MAX_WINDOW_CHUNKS);
    // …until four probes (5 s apart) have measured the new path.
    run(window, { ...next, chunks: 600, base: 80 });
    expect(window.queueDelay).to.be.closeTo(0, 0.001);
    expect(window.size).to.equal(MAX_WINDOW_CHUNKS);
  });

  it('keeps the short-path cap on a short path, whatever the receiver takes', () => {
    const window = new DelayWindow(0, LONG_PATH_WINDOW_CHUNKS);
    run(window, { chunks: 3000, base: 2 });
    expect(window.cap).to.equal(MAX_WINDOW_CHUNKS);
    expect(window.size).to.equal(MAX_WINDOW_CHUNKS);
  });

  it('raises its cap with the round trip a probe measures, up to the receiver’s limit', () => {
    // 100 ms of round trip: 16 chunks in flight would use a fifth of a 100 Mbit/s path.
    const long = new DelayWindow(0, LONG_PATH_WINDOW_CHUNKS);
    expect(long.cap, 'before any probe').to.equal(MAX_WINDOW_CHUNKS);
    run(long, { chunks: 30, base: 100 });
    expect(long.cap).to.equal(80);
    // Growth is about cap/16 chunks per window's worth of acks: here 5 per 16–80 acks.
    run(long, { seq: 30, now: 3000, chunks: 700, base: 100 });
    expect(long.size).to.equal(80);
    const limited = new DelayWindow(0, 32);
    run(limited, { chunks: 300, base: 100 });
    expect(limited.cap).to.equal(32);
    expect(limited.size).to.equal(32);
  });

  it('learns the least round trip from a chunk sent alone: the window is 1 until one comes back', () => {
    const window = new DelayWindow(0);
    // Four in flight at a time, each behind the others: 40 ms apart, 100 ms round trips.
    let seq = 0;
    let now = 0;
    for (; now < 1200; now += 40, seq++) {
      window.sent(seq, now);
      if (seq >= 3) window.acked(seq - 2, now);
    }
    expect(window.size, 'probing after the first second').to.equal(1);
    // Drain what is in flight: still probing, those chunks had others ahead.
    window.acked(seq, now + 100);
    expect(window.size).to.equal(1);
    // One chunk alone: its round trip (30 ms) is the least, and the window reopens.
    window.sent(seq, now + 100);
    window.acked(seq + 1, now + 130);
    expect(window.size).to.be.greaterThan(1);
    expect(window.queueDelay).to.be.greaterThan(0);
  });
});
