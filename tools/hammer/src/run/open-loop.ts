import { sleep } from '@vpcd/backoff';
import type { MixPicker } from '../mix.js';
import type { Execute } from './executor.js';

export interface OpenLoopOptions {
  readonly ratePerSecond: number;
  /** performance.now() time of the first send. */
  readonly startMs: number;
  /** performance.now() time at and after which nothing is sent. */
  readonly endAtMs: number;
  /** Sends wait while this many calls are in flight (their latency includes the wait). */
  readonly maxInFlight: number;
  readonly picker: MixPicker;
  readonly execute: Execute;
  readonly signal: AbortSignal;
}

const yieldEvery = 64;

/**
 * Sends call i at startMs + i / rate whatever the server does, and measures each call from that
 * intended time, so a stall shows as the latency callers would see (no coordinated omission).
 * Late sends go out at once. The number of sends is the schedule's: rate × duration.
 */
export async function runOpenLoop(o: OpenLoopOptions): Promise<{ sent: number }> {
  const intervalMs = 1000 / o.ratePerSecond;
  const pending = new Set<Promise<void>>();
  let slotFreed: (() => void) | undefined;
  let sent = 0;
  while (!o.signal.aborted) {
    const intendedMs = o.startMs + sent * intervalMs;
    if (intendedMs >= o.endAtMs) break;
    if (pending.size >= o.maxInFlight) {
      await new Promise<void>((resolve) => (slotFreed = resolve));
      continue;
    }
    const now = performance.now();
    if (intendedMs > now) {
      await sleep(intendedMs - now);
      continue;
    }
    const call = o.execute(o.picker.pick(), intendedMs).finally(() => {
      pending.delete(call);
      slotFreed?.();
      slotFreed = undefined;
    });
    pending.add(call);
    sent += 1;
    if (sent % yieldEvery === 0) await new Promise<void>((resolve) => setImmediate(resolve));
  }
  await Promise.all(pending);
  return { sent };
}
