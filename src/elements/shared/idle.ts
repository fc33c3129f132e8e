/**
 * Runs `task` once the page is idle, and at the latest after `timeout` ms (Safari has no
 * requestIdleCallback: after a quarter of it there).
 */
export function whenIdle(task: () => void, timeout: number): void {
  if (typeof requestIdleCallback === 'function') requestIdleCallback(() => task(), { timeout });
  else setTimeout(task, timeout / 4);
}
