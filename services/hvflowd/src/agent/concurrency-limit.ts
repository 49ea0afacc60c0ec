import type { SaturationGauges } from '@vpcd/observability';

/** Runs a task when a slot is free; resolves or rejects as the task does. */
export type Limit = <T>(task: () => Promise<T>) => Promise<T>;

/**
 * At most `capacity` tasks at once; the others wait in arrival order. `gauges` shows the running
 * tasks against the capacity. Safe for concurrent use.
 */
export function concurrencyLimit(capacity: number, gauges?: SaturationGauges): Limit {
  if (!Number.isInteger(capacity) || capacity < 1) throw new Error(`capacity ${capacity} < 1`);
  gauges?.setCapacity(capacity);
  let running = 0;
  const waiting: Array<() => void> = [];
  const acquire = (): Promise<void> => {
    if (running < capacity) {
      running++;
      gauges?.inc();
      return Promise.resolve();
    }
    return new Promise((resolve) => waiting.push(resolve));
  };
  const release = (): void => {
    const next = waiting.shift();
    // A finished task hands its slot straight to the next one, so no newcomer can slip in between.
    if (next) return next();
    running--;
    gauges?.dec();
  };
  return async <T>(task: () => Promise<T>): Promise<T> => {
    await acquire();
    try {
      return await task();
    } finally {
      release();
    }
  };
}
