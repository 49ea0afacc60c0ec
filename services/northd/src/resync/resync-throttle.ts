import { createSaturationGauges, type Registry } from '@vpcd/observability';
import { refusedWithPushback } from '@vpcd/rpc';
import { Counter, Gauge } from 'prom-client';
import type { ResyncConfig } from './resync-config.js';
import { TokenBucket } from './token-bucket.js';

/** The weight of each call's run time in the moving average: about the last ten calls. */
const runWeight = 0.1;

/** Why a call was refused: no token in the bucket, or every slot taken. */
export type ThrottleReason = 'rate' | 'in_flight';

export interface ResyncThrottleOptions extends ResyncConfig {
  readonly registry: Registry;
  /** The clock, in ms; default performance.now. */
  readonly nowMs?: () => number;
  /** Uniform in [0, 1); default Math.random. */
  readonly random?: () => number;
}

/** What `admit` decided: run now (then `release`), or come back in `retryAfterMs`. */
export type Admission =
  | { readonly admitted: true; release(): void }
  | { readonly admitted: false; readonly reason: ThrottleReason; readonly retryAfterMs: number };

/**
 * Admission of the calls a chassis makes when it (re)starts, per northd instance: a token
 * bucket (`ratePerS`, `burst`) and at most `maxInFlight` running at once. A call over either is
 * refused at once with RESOURCE_EXHAUSTED and a retry time (`grpc-retry-pushback-ms`), rather
 * than queued here: see services/northd/README.md, "Resync storms".
 *
 * The retry times pace the refused: each is given the next free slot after the bucket's next
 * token and the slots already handed out, plus a uniform jitter within its slot, so a storm's
 * retries come back at about the rate they can be admitted instead of together. A slot is
 * 1/rate s, or longer when the calls are slow: the mean time a call runs (a moving average)
 * over the calls allowed in flight, which is the rate at which slots free up.
 * Nothing is kept per caller: a refused chassis that never returns costs nothing.
 */
export class ResyncThrottle {
  private readonly bucket: TokenBucket;
  private readonly nowMs: () => number;
  private readonly random: () => number;
  private readonly slotMs: number;
  private inFlight = 0;
  /** Moving average of how long an admitted call runs, in ms. */
  private meanRunMs = 0;
  /** Where the next refused call's slot begins. */
  private nextSlotMs = -Infinity;
  private readonly saturation;
  private readonly throttled: Counter<'reason'>;

  constructor(private readonly options: ResyncThrottleOptions) {
    this.nowMs = options.nowMs ?? (() => performance.now());
    this.random = options.random ?? Math.random;
    this.bucket = new TokenBucket({
      ratePerS: options.ratePerS,
      burst: options.burst,
      nowMs: this.nowMs,
    });
    this.slotMs = 1000 / options.ratePerS;
    this.saturation = createSaturationGauges(options.registry, {
      name: 'northd_resync',
      help: 'RegisterChassis and SyncInitialChassis calls running on this northd',
    });
    this.saturation.setCapacity(options.maxInFlight);
    this.throttled = new Counter({
      name: 'northd_resync_throttled_total',
      help: 'RegisterChassis and SyncInitialChassis calls refused with RESOURCE_EXHAUSTED, by reason.',
      labelNames: ['reason'],
      registers: [options.registry],
    });
    for (const reason of ['rate', 'in_flight'] as const) this.throttled.inc({ reason }, 0);
    const bucket = this.bucket;
    new Gauge({
      name: 'northd_resync_tokens',
      help: 'Tokens in the resync bucket of this northd (RESYNC_BURST at most).',
      registers: [options.registry],
      collect() {
        this.set(bucket.available());
      },
    });
    const backlogS = () => Math.max(0, this.nextSlotMs - this.nowMs()) / 1000;
    new Gauge({
      name: 'northd_resync_backlog_seconds',
      help: 'How far ahead the latest refused resync call was told to come back: the queue refused callers form.',
      registers: [options.registry],
      collect() {
        this.set(backlogS());
      },
    });
  }

  /** Admits a call now (it must `release` when done) or says when to come back. */
  admit(): Admission {
    if (this.inFlight >= this.options.maxInFlight) return this.refuse('in_flight');
    if (!this.bucket.tryTake()) return this.refuse('rate');
    this.inFlight++;
    this.saturation.inc();
    const startMs = this.nowMs();
    let released = false;
    return {
      admitted: true,
      release: () => {
        if (released) return;
        released = true;
        this.inFlight--;
        this.saturation.dec();
        this.meanRunMs += (Math.max(0, this.nowMs() - startMs) - this.meanRunMs) * runWeight;
      },
    };
  }

  /** Runs `task` when admitted; else throws RESOURCE_EXHAUSTED with a `grpc-retry-pushback-ms`. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    const admission = this.admit();
    if (!admission.admitted) {
      throw refusedWithPushback(
        admission.reason === 'rate'
          ? 'resync throttled: too many chassis (re)starting on this northd'
          : 'resync throttled: this northd is busy with other chassis',
        admission.retryAfterMs,
      );
    }
    try {
      return await task();
    } finally {
      admission.release();
    }
  }

  private refuse(reason: ThrottleReason): Admission {
    this.throttled.inc({ reason });
    const now = this.nowMs();
    const slotMs = Math.max(this.nextSlotMs, now + this.bucket.msUntilToken());
    const { maxPushbackMs } = this.options;
    if (slotMs - now >= maxPushbackMs) {
      // The schedule is full up to the cap: spread these over its second half (equal jitter),
      // and keep the schedule where it is; they take the slots that are free when they return.
      return { admitted: false, reason, retryAfterMs: maxPushbackMs * (0.5 + this.random() / 2) };
    }
    const lengthMs = Math.max(this.slotMs, this.meanRunMs / this.options.maxInFlight);
    this.nextSlotMs = slotMs + lengthMs;
    const retryAfterMs = Math.min(maxPushbackMs, slotMs - now + this.random() * lengthMs);
    return { admitted: false, reason, retryAfterMs };
  }
}
