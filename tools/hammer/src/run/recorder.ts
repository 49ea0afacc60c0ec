import { build, type Histogram } from 'hdr-histogram-js';

/** Latency histograms and error counts of one call, or of one call in one second. */
export interface CallStats {
  /** Microseconds, 3 significant digits. */
  readonly histogram: Histogram;
  /** Completed calls: successes and errors. */
  count: number;
  readonly errors: Map<string, number>;
  skipped: number;
}

/** One second of the run (by when calls ended): every call together, and each call. */
export interface SecondStats {
  readonly all: CallStats;
  readonly calls: Map<string, CallStats>;
}

export const okCode = 'OK';

// Pure JS (no WebAssembly): the same everywhere, and fast enough at the rates one process drives.
const newHistogram = (digits: 2 | 3): Histogram =>
  build({
    useWebAssembly: false,
    lowestDiscernibleValue: 1,
    highestTrackableValue: 60_000_000,
    numberOfSignificantValueDigits: digits,
    bitBucketSize: digits === 3 ? 32 : 'packed',
    autoResize: true,
  });

const newStats = (digits: 2 | 3): CallStats => ({
  histogram: newHistogram(digits),
  count: 0,
  errors: new Map(),
  skipped: 0,
});

/**
 * Collects every call's latency (HDR histogram, microseconds) and code: overall per call, and
 * per second of the run (2 significant digits there, enough for a p99 line). Not thread-safe;
 * Node runs it on one thread.
 */
export class Recorder {
  readonly calls = new Map<string, CallStats>();
  readonly seconds: SecondStats[] = [];
  completed = 0;
  errors = 0;

  constructor(
    callNames: readonly string[],
    /** performance.now() at the start of the run: seconds count from it. */
    private readonly startMs: number,
  ) {
    for (const name of callNames) this.calls.set(name, newStats(3));
  }

  /** A call that ended at `endMs` after `latencyMs` (from its intended start), with its code. */
  record(call: string, latencyMs: number, code: string, endMs: number): void {
    const micros = Math.max(1, Math.round(latencyMs * 1000));
    const second = this.second(Math.max(0, Math.floor((endMs - this.startMs) / 1000)));
    let perSecond = second.calls.get(call);
    if (!perSecond) second.calls.set(call, (perSecond = newStats(2)));
    for (const stats of [this.calls.get(call)!, second.all, perSecond]) {
      stats.histogram.recordValue(micros);
      stats.count += 1;
      if (code !== okCode) stats.errors.set(code, (stats.errors.get(code) ?? 0) + 1);
    }
    this.completed += 1;
    if (code !== okCode) this.errors += 1;
  }

  /** A call that had nothing to act on (e.g. deleteInterface before any was created). */
  skip(call: string): void {
    this.calls.get(call)!.skipped += 1;
  }

  private second(index: number): SecondStats {
    while (this.seconds.length <= index) this.seconds.push({ all: newStats(2), calls: new Map() });
    return this.seconds[index]!;
  }
}
