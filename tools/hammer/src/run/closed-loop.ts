import type { MixPicker } from '../mix.js';
import type { Execute } from './executor.js';

export interface ClosedLoopOptions {
  readonly concurrency: number;
  /** performance.now() time after which no call starts. */
  readonly endAtMs: number;
  readonly picker: MixPicker;
  readonly execute: Execute;
  readonly signal: AbortSignal;
}

/**
 * `concurrency` callers, each starting its next call when its last one ended, until the end.
 * Latency counts from each call's actual start: a closed loop waits out a slow server, so its
 * numbers hide the waiting (coordinated omission); use the open loop to see it.
 */
export async function runClosedLoop(o: ClosedLoopOptions): Promise<void> {
  const caller = async () => {
    while (!o.signal.aborted && performance.now() < o.endAtMs) {
      await o.execute(o.picker.pick(), performance.now());
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, caller));
}
