/** What one call came to, besides failing: `skipped` when there was nothing to call it on. */
export type CallOutcome = 'ok' | 'skipped';

/**
 * What the hammer drives: a set of named calls against one system. The gRPC target calls
 * northd's API; other kinds (a DHCP target, say) implement the same five members.
 */
export interface Target {
  /** Short name of the kind, for the report: `grpc`. */
  readonly kind: string;
  /** Where the load goes, for the report and the progress line. */
  readonly description: string;
  /** Every call this target can make; a mix may name only these. */
  readonly calls: readonly string[];
  /**
   * Creates or finds what the calls of `mix` need, before the clock starts. Throws a HammerError
   * when a call cannot run (e.g. getVpc with no VPC to get).
   */
  prepare(mix: readonly string[]): Promise<void>;
  /** Makes one call; resolves when it succeeded (or was skipped), rejects with its error. */
  invoke(call: string): Promise<CallOutcome>;
  /** The code of a failed call for `errors by code`: CamelCase, as `NotFound`. */
  errorCode(err: unknown): string;
  /** Closes connections; undoes what the run created first when the target was asked to. */
  close(): Promise<TargetSummary>;
}

/** What the target did around the run, for the report. */
export interface TargetSummary {
  /** Resources created before the clock started, by kind: `{ vpcs: 4, chassis: 4 }`. */
  readonly setUp: Readonly<Record<string, number>>;
  /** Resources deleted after the run, by kind. */
  readonly cleanedUp: Readonly<Record<string, number>>;
  /** What is left behind, in words (e.g. resources the API cannot delete). */
  readonly notes: readonly string[];
}
