/**
 * Time as the converge parts see it: a clock and one-shot timers. The work queue and the
 * reconciler take one, so their tests move time by hand instead of sleeping.
 */
export interface Clock {
  /** Milliseconds on a monotonic-enough scale; only differences are used. */
  nowMs(): number;
  /** Calls `fn` once after `delayMs`; the returned function cancels it. */
  setTimer(fn: () => void, delayMs: number): () => void;
}

/**
 * The monotonic clock (performance.now) and setTimeout. Not the wall clock: a step of it (NTP,
 * a VM resumed, an operator's `date`) would hold a chassis, or hurry its resends, by the step.
 */
export const systemClock: Clock = Object.freeze({
  nowMs: () => performance.now(),
  setTimer(fn: () => void, delayMs: number) {
    const timer = setTimeout(fn, Math.max(0, delayMs));
    return () => clearTimeout(timer);
  },
});

/**
 * A clock that moves only when told; timers fire, in due order, inside `advance`. For tests.
 */
export class ManualClock implements Clock {
  private now: number;
  private readonly timers = new Set<{ atMs: number; fn: () => void }>();

  constructor(startMs = 1_000_000) {
    this.now = startMs;
  }

  nowMs(): number {
    return this.now;
  }

  setTimer(fn: () => void, delayMs: number): () => void {
    const timer = { atMs: this.now + Math.max(0, delayMs), fn };
    this.timers.add(timer);
    return () => this.timers.delete(timer);
  }

  /** Moves time on by `ms`, firing every timer that falls due on the way. */
  advance(ms: number): void {
    const until = this.now + ms;
    for (;;) {
      let next: { atMs: number; fn: () => void } | undefined;
      for (const t of this.timers) if (t.atMs <= until && (!next || t.atMs < next.atMs)) next = t;
      if (!next) break;
      this.timers.delete(next);
      this.now = Math.max(this.now, next.atMs);
      next.fn();
    }
    this.now = until;
  }

  /** Timers not yet fired. */
  get pendingTimers(): number {
    return this.timers.size;
  }
}
