/** Latency summary of a set of calls, in milliseconds. */
export interface LatencySummaryMs {
  readonly min: number;
  readonly mean: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
}

/** One point of a percentile distribution: `{ percentile: 99.9, latencyMs: 12.5 }`. */
export interface PercentilePoint {
  readonly percentile: number;
  readonly latencyMs: number;
}

export interface CallReport {
  /** Completed calls: ok plus errors (skipped ones are not calls). */
  readonly count: number;
  readonly ok: number;
  /** Failed calls by code: gRPC code names (`NotFound`, ...), DHCP ones (`NoOffer`, `Nak`, ...). */
  readonly errors: Readonly<Record<string, number>>;
  readonly errorCount: number;
  /** Drawn from the mix but with nothing to act on, so not made. */
  readonly skipped: number;
  /** Completed calls a second, over the elapsed time. */
  readonly throughputPerSecond: number;
  /** Every completed call, errors included. */
  readonly latencyMs: LatencySummaryMs;
  readonly percentiles: readonly PercentilePoint[];
}

/** One second of the run, by when calls ended. */
export interface TimelinePoint {
  /** Seconds since the start: the second [second, second + 1). */
  readonly second: number;
  readonly count: number;
  readonly errors: number;
  /** p99 of the calls that ended in this second; 0 when none did. */
  readonly p99Ms: number;
  readonly calls: Readonly<Record<string, { count: number; errors: number; p99Ms: number }>>;
}

/** What `runHammer` returns and `--out` writes as JSON. */
export interface Report {
  readonly schemaVersion: 1;
  readonly target: { readonly kind: string; readonly description: string };
  /** ISO-8601 time of the start of the load (after setup). */
  readonly startTime: string;
  /** `closed`: `concurrency` callers back to back; `open`: calls sent at `ratePerSecond`. */
  readonly mode: 'closed' | 'open';
  readonly concurrency: number | null;
  readonly ratePerSecond: number | null;
  /**
   * How latency is measured: from the call's intended send time in open mode (corrected for
   * coordinated omission), from its actual start in closed mode.
   */
  readonly latencyFrom: 'intended-start' | 'actual-start';
  readonly durationMs: number;
  /** From the start until the last call ended. */
  readonly elapsedMs: number;
  /** The run was stopped before its duration. */
  readonly interrupted: boolean;
  readonly mix: Readonly<Record<string, number>>;
  readonly totals: {
    readonly count: number;
    readonly ok: number;
    readonly errorCount: number;
    readonly errors: Readonly<Record<string, number>>;
    readonly skipped: number;
    readonly throughputPerSecond: number;
    readonly latencyMs: LatencySummaryMs;
  };
  readonly calls: Readonly<Record<string, CallReport>>;
  readonly timeline: readonly TimelinePoint[];
  readonly setUp: Readonly<Record<string, number>>;
  readonly cleanedUp: Readonly<Record<string, number>>;
  readonly notes: readonly string[];
}
