/** A look at a run in progress, every `progressIntervalMs`. */
export interface Progress {
  readonly elapsedMs: number;
  readonly durationMs: number;
  /** Calls ended so far, errors included. */
  readonly completed: number;
  readonly errors: number;
  readonly inFlight: number;
  /** Calls ended a second since the previous look. */
  readonly throughputPerSecond: number;
}
