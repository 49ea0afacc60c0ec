/**
 * Resolves after `ms`, or at once when `signal` aborts; never rejects, so a loop that sleeps
 * between retries checks its own stop condition after each wait. The timer does not outlive an
 * abort.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
