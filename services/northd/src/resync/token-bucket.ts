export interface TokenBucketOptions {
  /** Tokens added per second, continuously. */
  readonly ratePerS: number;
  /** The most tokens held at once; the bucket starts full. */
  readonly burst: number;
  /** The clock, in ms; default performance.now. Tests pass their own. */
  readonly nowMs?: () => number;
}

/**
 * A token bucket: `burst` tokens at most, refilled at `ratePerS`. Pure but for its clock; not
 * shared between processes (each northd has its own). Safe for concurrent use (one event loop).
 */
export class TokenBucket {
  private tokens: number;
  private lastMs: number;
  private readonly nowMs: () => number;

  constructor(private readonly options: TokenBucketOptions) {
    if (!(options.ratePerS > 0)) throw new Error(`ratePerS ${options.ratePerS} must be > 0`);
    if (!(options.burst >= 1)) throw new Error(`burst ${options.burst} must be >= 1`);
    this.nowMs = options.nowMs ?? (() => performance.now());
    this.tokens = options.burst;
    this.lastMs = this.nowMs();
  }

  /** Takes one token when there is one; false (nothing taken) when there is none. */
  tryTake(): boolean {
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Tokens held now (fractional while refilling). */
  available(): number {
    this.refill();
    return this.tokens;
  }

  /** Ms until a whole token is held (0 when one is). */
  msUntilToken(): number {
    this.refill();
    return this.tokens >= 1 ? 0 : ((1 - this.tokens) * 1000) / this.options.ratePerS;
  }

  private refill(): void {
    const now = this.nowMs();
    // A clock that steps back adds nothing (performance.now never does; a test clock might).
    const elapsedMs = Math.max(0, now - this.lastMs);
    this.lastMs = now;
    this.tokens = Math.min(
      this.options.burst,
      this.tokens + (elapsedMs * this.options.ratePerS) / 1000,
    );
  }
}
