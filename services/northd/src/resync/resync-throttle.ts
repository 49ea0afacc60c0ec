import { createSaturationGauges, type Registry } from '@vpcd/observability';
import { refusedWithPushback } from '@vpcd/rpc';
import { Counter, Gauge } from 'prom-client';
import type { ResyncConfig } from './resync-config.js';
import { TokenBucket } from './token-bucket.js';

/** The weight of each call's run time in the moving average: about the last ten calls. */
const runWeight = 0.1;

/**
 * Why a call was refused: no token in the bucket, every slot taken, or its caller came back
 * before the time it was given (or called again while its last call still runs).
 */
export type ThrottleReason = 'rate' | 'in_flight' | 'caller';

/** Refused callers remembered at most; beyond it the oldest are forgotten first. */
const defaultMaxCallers = 65_536;

/** How early a refused caller may come back: half its wait, as its jitter may be that much. */
const earlyShare = 0.5;

export interface ResyncThrottleOptions extends ResyncConfig {
  readonly registry: Registry;
  /** The clock, in ms; default performance.now. */
  readonly nowMs?: () => number;
  /** Uniform in [0, 1); default Math.random. */
  readonly random?: () => number;
  /** Refused callers remembered at once; default 65,536. */
  readonly maxCallers?: number;
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
 *
 * Callers are held to their times: a caller (its identity and chassis) refused with a retry
 * time that comes back before half of it has passed is refused again without touching the
 * bucket, and so is one calling while its previous call still runs. An agent that ignores
 * pushback and polls therefore cannot take the tokens meant for the chassis that wait their
 * turn. What is kept per caller is bounded (`maxCallers`, oldest forgotten first) and goes when
 * its time has passed.
 */
export class ResyncThrottle {
  private readonly bucket: TokenBucket;
  private readonly nowMs: () => number;
  private readonly random: () => number;
  private readonly slotMs: number;
  private inFlight = 0;
  /** Callers with a call running now. */
  private readonly running = new Set<string>();
  /** Refused callers: the earliest time (nowMs clock) each may be admitted. */
  private readonly notBefore = new Map<string, number>();
  private readonly maxCallers: number;
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
    this.maxCallers = options.maxCallers ?? defaultMaxCallers;
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
    for (const reason of ['rate', 'in_flight', 'caller'] as const) {
      this.throttled.inc({ reason }, 0);
    }
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

  /**
   * Admits a call of `caller` now (it must `release` when done) or says when to come back.
   * Without a caller, only the bucket and the slots decide.
   */
  admit(caller?: string): Admission {
    if (caller !== undefined) {
      const early = this.heldBack(caller);
      if (early !== undefined) return early;
    }
    if (this.inFlight >= this.options.maxInFlight) return this.refuse('in_flight', caller);
    if (!this.bucket.tryTake()) return this.refuse('rate', caller);
    this.inFlight++;
    if (caller !== undefined) {
      this.running.add(caller);
      this.notBefore.delete(caller);
    }
    this.saturation.inc();
    const startMs = this.nowMs();
    let released = false;
    return {
      admitted: true,
      release: () => {
        if (released) return;
        released = true;
        if (caller !== undefined) this.running.delete(caller);
        this.inFlight--;
        this.saturation.dec();
        this.meanRunMs += (Math.max(0, this.nowMs() - startMs) - this.meanRunMs) * runWeight;
      },
    };
  }

  /**
   * Runs `task` of `caller` (undefined: not held to retry times) when admitted; else throws
   * RESOURCE_EXHAUSTED with a `grpc-retry-pushback-ms`.
   */
  async run<T>(caller: string | undefined, task: () => Promise<T>): Promise<T> {
    const admission = this.admit(caller);
    if (!admission.admitted) {
      throw refusedWithPushback(refusalMessages[admission.reason], admission.retryAfterMs);
    }
    try {
      return await task();
    } finally {
      admission.release();
    }
  }

  /** A refusal for a caller that runs a call now or comes back too early; else undefined. */
  private heldBack(caller: string): Admission | undefined {
    const now = this.nowMs();
    if (this.running.has(caller)) {
      this.throttled.inc({ reason: 'caller' });
      return { admitted: false, reason: 'caller', retryAfterMs: this.slotMs };
    }
    const notBefore = this.notBefore.get(caller);
    if (notBefore === undefined) return undefined;
    if (notBefore <= now) {
      this.notBefore.delete(caller);
      return undefined;
    }
    this.throttled.inc({ reason: 'caller' });
    // Its time stands: coming back early neither earns nor costs it a place.
    return { admitted: false, reason: 'caller', retryAfterMs: (notBefore - now) / earlyShare };
  }

  /** Remembers when a refused caller may come back, forgetting the oldest beyond the bound. */
  private holdBack(caller: string, retryAfterMs: number): void {
    this.notBefore.delete(caller);
    this.notBefore.set(caller, this.nowMs() + retryAfterMs * earlyShare);
    // Insertion order is refusal order: the first key is the longest refused.
    for (const key of this.notBefore.keys()) {
      if (this.notBefore.size <= this.maxCallers) break;
      this.notBefore.delete(key);
    }
  }

  private refuse(reason: ThrottleReason, caller: string | undefined): Admission {
    const refusal = this.schedule(reason);
    if (caller !== undefined && !refusal.admitted) this.holdBack(caller, refusal.retryAfterMs);
    return refusal;
  }

  private schedule(reason: ThrottleReason): Admission {
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

const refusalMessages: Record<ThrottleReason, string> = {
  rate: 'resync throttled: too many chassis (re)starting on this northd',
  in_flight: 'resync throttled: this northd is busy with other chassis',
  caller: 'resync throttled: this caller came back before its retry time, or is running a call',
};
