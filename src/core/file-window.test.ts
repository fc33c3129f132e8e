import { expect } from '@open-wc/testing';
import { DelayWindow, MAX_WINDOW_CHUNKS, MIN_WINDOW_CHUNKS, TARGET_QUEUE_MS } from './file-window.js';

/**
 * Drives a window over a path whose round trip is `base` plus `queue` ms, acking each chunk
 * alone, for `chunks` chunks from `seq`; returns the next sequence number and time.
 */
function run(window: DelayWindow, { seq = 0, now = 0, chunks = 200, base = 30, queue = 0 } = {}) {
  for (let i = 0; i < chunks; i++, seq++) {
    window.sent(seq, now);
    now += base + queue;
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
