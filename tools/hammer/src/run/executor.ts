import type { Target } from '../target.js';
import { okCode, type Recorder } from './recorder.js';

/** Makes one call and records it; never rejects. */
export type Execute = (call: string, intendedStartMs: number) => Promise<void>;

export interface Executor {
  readonly execute: Execute;
  /** Calls started and not yet ended. */
  readonly inFlight: () => number;
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Latency is measured from `intendedStartMs` (performance.now() time) to the end of the call. */
export function createExecutor(target: Target, recorder: Recorder): Executor {
  let inFlight = 0;
  const execute: Execute = async (call, intendedStartMs) => {
    inFlight += 1;
    let code = okCode;
    try {
      if ((await target.invoke(call)) === 'skipped') {
        recorder.skip(call);
        // A skip resolves at once: without a turn of the event loop a closed loop would spin.
        await yieldToEventLoop();
        return;
      }
    } catch (err) {
      code = target.errorCode(err);
    } finally {
      inFlight -= 1;
    }
    const endMs = performance.now();
    recorder.record(call, endMs - intendedStartMs, code, endMs);
  };
  return { execute, inFlight: () => inFlight };
}
