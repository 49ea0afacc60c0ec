import { fullJitterDelayMs } from '@vpcd/backoff';
import type { Logger } from 'pino';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { systemClock, type Clock } from './clock.js';

/** What processing a key asks of the queue next; nothing means done until the key is added again. */
export interface WorkResult {
  /** Process the key again after this long (an acknowledgement timeout, say); not a failure. */
  readonly requeueAfterMs?: number;
}

/**
 * Thrown by a processor for a failure that trying again cannot fix: the key is forgotten, not
 * retried (controller-runtime's reconcile.TerminalError).
 */
export class TerminalError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TerminalError';
  }

  static is(err: unknown): err is TerminalError {
    return err instanceof Error && err.name === 'TerminalError';
  }
}

export interface WorkQueueOptions {
  /** Processes one key; never called twice at once for the same key. A throw retries with backoff. */
  readonly process: (key: string) => Promise<WorkResult | undefined>;
  readonly registry: Registry;
  readonly logger: Logger;
  readonly clock?: Clock;
  /**
   * A key added is processed no sooner than this after its first add; further adds meanwhile
   * coalesce into that one processing. Default 5 ms.
   */
  readonly batchWindowMs?: number;
  /** Keys processed at once. Default 64. */
  readonly concurrency?: number;
  /** First retry delay after a failure; doubles per consecutive failure, with jitter. Default 50 ms. */
  readonly initialRetryDelayMs?: number;
  /** Cap of the retry delay. Default 30 s. */
  readonly maxRetryDelayMs?: number;
  /** The jitter's source; tests pin it. */
  readonly random?: () => number;
}

/**
 * A keyed work queue on the model of client-go's workqueue (queue.go, delaying_queue.go,
 * rate_limiting_queue.go), driving its processor itself as controller-runtime's controller
 * drives a Reconciler:
 * - a key is in the queue at most once: adds while it waits coalesce (client-go's dirty set);
 * - a key is processed by one worker at a time: added while processing, it runs again after
 *   (client-go's processing set), never twice at once;
 * - `add` waits the batching window, `addAfter` any delay; a key waiting keeps its earliest time;
 * - a failure (a throw) re-adds the key after a per-key exponential, jittered delay
 *   (`addRateLimited`); success forgets the key's failures (`forget`); a result with
 *   `requeueAfterMs` forgets and re-adds after that long, as controller-runtime does with
 *   Result.RequeueAfter.
 * Pure apart from its clock and timers: no I/O of its own. Not safe to share between processes.
 */
export class WorkQueue {
  /** Keys waiting for their time: key -> when they may run. */
  private readonly waiting = new Map<string, number>();
  private readonly timeline = new MinHeap();
  /** Keys due, in order, waiting for a worker. */
  private readonly ready: string[] = [];
  private readonly readySet = new Set<string>();
  /** When each ready key became due, for the latency metric. */
  private readonly dueSince = new Map<string, number>();
  private readonly processing = new Set<string>();
  /** Keys that fell due while processing: they run again once it ends. */
  private readonly rerun = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly running = new Set<Promise<void>>();
  private cancelTimer: (() => void) | undefined;
  private timerAtMs = Infinity;
  private stopped = false;
  private readonly o: Required<Omit<WorkQueueOptions, 'logger' | 'registry' | 'process'>>;
  private readonly metrics: ReturnType<typeof queueMetrics>;

  constructor(private readonly options: WorkQueueOptions) {
    this.o = {
      clock: systemClock,
      batchWindowMs: 5,
      concurrency: 64,
      initialRetryDelayMs: 50,
      maxRetryDelayMs: 30_000,
      random: Math.random,
      ...stripUndefined(options),
    };
    this.metrics = queueMetrics(options.registry, () => this.length);
  }

  /** Keys waiting or due, not counting those processing. */
  get length(): number {
    return this.waiting.size + this.ready.length + this.rerun.size;
  }

  /** Processes `key` once the batching window from now has passed (or sooner if already due). */
  add(key: string): void {
    this.addAfter(key, this.o.batchWindowMs);
  }

  /** Processes `key` after `delayMs`, or at the earlier time it already waits for. */
  addAfter(key: string, delayMs: number): void {
    if (this.stopped) return;
    this.metrics.adds.inc();
    if (this.readySet.has(key) || this.rerun.has(key)) return;
    const atMs = this.o.clock.nowMs() + Math.max(0, delayMs);
    const current = this.waiting.get(key);
    if (current !== undefined && current <= atMs) return;
    this.waiting.set(key, atMs);
    this.timeline.push(atMs, key);
    this.pump();
  }

  /** Processes `key` after its backoff: doubles with each call until `forget`. */
  addRateLimited(key: string): void {
    const failures = this.failures.get(key) ?? 0;
    this.failures.set(key, failures + 1);
    this.metrics.retries.inc();
    this.addAfter(
      key,
      fullJitterDelayMs(
        failures,
        {
          initialDelayMs: this.o.initialRetryDelayMs,
          maxDelayMs: this.o.maxRetryDelayMs,
          minDelayMs: this.o.initialRetryDelayMs,
        },
        this.o.random,
      ),
    );
  }

  /** Clears the key's failure count; its next failure waits the initial delay again. */
  forget(key: string): void {
    this.failures.delete(key);
  }

  /** Consecutive failures of `key` since it was last forgotten. */
  numRequeues(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** Whether `key` waits, is due or is processing. */
  has(key: string): boolean {
    return this.waiting.has(key) || this.readySet.has(key) || this.processing.has(key);
  }

  /** Takes work again after `stop` (a new queue takes work from the start). */
  start(): void {
    this.stopped = false;
  }

  /** Stops taking work, drops what waits, and waits for the keys processing now. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    this.waiting.clear();
    this.ready.length = 0;
    this.readySet.clear();
    this.rerun.clear();
    await Promise.all(this.running);
  }

  /** Resolves once no key is processing (keys may still wait for their time). For tests. */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all(this.running);
  }

  /** Moves due keys to the ready list, starts workers, and arms the timer for the next due key. */
  private pump(): void {
    if (this.stopped) return;
    const now = this.o.clock.nowMs();
    for (let top = this.timeline.peek(); top && top.atMs <= now; top = this.timeline.peek()) {
      this.timeline.pop();
      if (this.waiting.get(top.key) !== top.atMs) continue; // superseded by an earlier time
      this.waiting.delete(top.key);
      if (this.processing.has(top.key)) this.rerun.add(top.key);
      else this.makeReady(top.key, now);
    }
    while (this.processing.size < this.o.concurrency && this.ready.length > 0) {
      const key = this.ready.shift()!;
      this.readySet.delete(key);
      this.begin(key, now);
    }
    this.armTimer();
  }

  private makeReady(key: string, now: number): void {
    this.ready.push(key);
    this.readySet.add(key);
    this.dueSince.set(key, now);
  }

  private armTimer(): void {
    let top = this.timeline.peek();
    while (top && this.waiting.get(top.key) !== top.atMs) {
      this.timeline.pop();
      top = this.timeline.peek();
    }
    const atMs = top?.atMs ?? Infinity;
    if (atMs === this.timerAtMs) return;
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    this.timerAtMs = atMs;
    if (atMs === Infinity) return;
    this.cancelTimer = this.o.clock.setTimer(() => {
      this.cancelTimer = undefined;
      this.timerAtMs = Infinity;
      this.pump();
    }, atMs - this.o.clock.nowMs());
  }

  private begin(key: string, now: number): void {
    this.processing.add(key);
    this.metrics.latency.observe((now - (this.dueSince.get(key) ?? now)) / 1000);
    this.dueSince.delete(key);
    const run = this.runOne(key).finally(() => {
      this.running.delete(run);
      this.processing.delete(key);
      if (this.rerun.delete(key) && !this.stopped) this.makeReady(key, this.o.clock.nowMs());
      this.pump();
    });
    this.running.add(run);
  }

  private async runOne(key: string): Promise<void> {
    const startedMs = this.o.clock.nowMs();
    try {
      const result = await this.options.process(key);
      this.forget(key);
      if (result?.requeueAfterMs !== undefined) this.addAfter(key, result.requeueAfterMs);
    } catch (err) {
      if (TerminalError.is(err)) {
        this.forget(key);
        this.options.logger.error({ err, key }, 'converge work failed for good; not retried');
      } else {
        this.options.logger.warn({ err, key }, 'converge work failed; retrying with backoff');
        this.addRateLimited(key);
      }
    } finally {
      this.metrics.workDuration.observe((this.o.clock.nowMs() - startedMs) / 1000);
    }
  }
}

/** The queue's metrics; their names are northd's converge queue's (one queue a process). */
function queueMetrics(registry: Registry, depth: () => number) {
  const registers = [registry];
  return {
    depth: new Gauge({
      name: 'northd_converge_queue_depth',
      help: 'Keys waiting in the work queue (batching, backoff or a free worker), not processing.',
      registers,
      collect() {
        this.set(depth());
      },
    }),
    adds: new Counter({
      name: 'northd_converge_queue_adds_total',
      help: 'Adds to the work queue, coalesced ones included.',
      registers,
    }),
    retries: new Counter({
      name: 'northd_converge_queue_retries_total',
      help: 'Keys re-added with backoff after their processing failed.',
      registers,
    }),
    latency: new Histogram({
      name: 'northd_converge_queue_latency_seconds',
      help: 'Time a due key waited for a worker.',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers,
    }),
    workDuration: new Histogram({
      name: 'northd_converge_queue_work_duration_seconds',
      help: 'Time processing one key took.',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
  };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** A binary min-heap of (time, key); entries that went stale are skipped by the reader. */
class MinHeap {
  private readonly items: { atMs: number; key: string; n: number }[] = [];
  /** Breaks ties between equal times: first pushed, first out. */
  private pushed = 0;

  push(atMs: number, key: string): void {
    const items = this.items;
    items.push({ atMs, key, n: this.pushed++ });
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(items[i]!, items[parent]!)) break;
      [items[parent], items[i]] = [items[i]!, items[parent]!];
      i = parent;
    }
  }

  peek(): { atMs: number; key: string } | undefined {
    return this.items[0];
  }

  pop(): void {
    const items = this.items;
    const last = items.pop();
    if (items.length === 0 || !last) return;
    items[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let min = i;
      if (l < items.length && before(items[l]!, items[min]!)) min = l;
      if (r < items.length && before(items[r]!, items[min]!)) min = r;
      if (min === i) break;
      [items[min], items[i]] = [items[i]!, items[min]!];
      i = min;
    }
  }
}

function before(a: { atMs: number; n: number }, b: { atMs: number; n: number }): boolean {
  return a.atMs < b.atMs || (a.atMs === b.atMs && a.n < b.n);
}
