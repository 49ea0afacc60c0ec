/** Latencies of one measurement, recorded without allocating per call. Not thread-safe. */
export class LatencyRecorder {
  private samples: Float64Array;
  private size = 0;

  constructor(initialCapacity = 1 << 18) {
    this.samples = new Float64Array(initialCapacity);
  }

  get count(): number {
    return this.size;
  }

  record(latencyMs: number): void {
    if (this.size === this.samples.length) {
      const grown = new Float64Array(this.samples.length * 2);
      grown.set(this.samples);
      this.samples = grown;
    }
    this.samples[this.size++] = latencyMs;
  }

  /** The recorded latencies, sorted ascending (a copy). */
  sorted(): Float64Array {
    return this.samples.slice(0, this.size).sort();
  }
}

/**
 * The nearest-rank percentile (`p` in 0..1) of ascending `sorted` values: the smallest value
 * with at least p of the values at or below it. NaN when there are none.
 */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.max(1, Math.ceil(p * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1] as number;
}

/** The median of `values` (mean of the two middle ones for an even count); NaN when empty. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}
