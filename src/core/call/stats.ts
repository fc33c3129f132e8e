// The session's one stats poller: features that read WebRTC stats on a timer (the quality
// monitor every 2 s, the active speaker every 400 ms) subscribe with every(), and one timer
// serves them all. It runs only while someone is subscribed: a page with only a form, or
// out of the call, reads nothing.
import type { FeatureHost } from '../session/features.js';

/** The poller's tick: every period asked for is a multiple of it. */
export const STATS_TICK_MS = 200;

export class StatsPoller {
  /** Each subscriber's task, its period in ticks and the tick it is next due at. */
  readonly #tasks = new Map<() => void, { period: number; due: number }>();
  #timer: ReturnType<typeof setInterval> | undefined;
  #ticks = 0;

  /** Whether the timer runs (someone is subscribed). */
  get running(): boolean {
    return this.#timer !== undefined;
  }

  /**
   * Runs `task` every `periodMs` (rounded to STATS_TICK_MS), the first time `periodMs` after
   * this call, until the returned function is called. A task that fails (a connection
   * closing mid-read) is tried again next time. A task still running when it is due again
   * is not started a second time: on a busy machine a read can take longer than its period
   * (the active speaker's, every 400 ms, in Chromium pages of a seven-person call on two
   * cores), and reads started on top of it would pile up until the page does little else.
   */
  every(periodMs: number, task: () => unknown): () => void {
    let running = false;
    const run = () => {
      if (running) return;
      running = true;
      void Promise.resolve()
        .then(task)
        .catch(() => {})
        .finally(() => (running = false));
    };
    const period = Math.max(1, Math.round(periodMs / STATS_TICK_MS));
    this.#tasks.set(run, { period, due: this.#ticks + period });
    this.#timer ??= setInterval(this.#tick, STATS_TICK_MS);
    return () => {
      this.#tasks.delete(run);
      if (!this.#tasks.size) this.dispose();
    };
  }

  dispose(): void {
    this.#tasks.clear();
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #tick = (): void => {
    this.#ticks++;
    for (const [run, task] of this.#tasks) {
      if (this.#ticks < task.due) continue;
      task.due = this.#ticks + task.period;
      run();
    }
  };
}

const createPoller = () => new StatsPoller();

/** The session's stats poller (one per session, made on first use). */
export function statsOf(session: FeatureHost): StatsPoller {
  return session.feature(createPoller);
}
