import { context } from '@opentelemetry/api';
import {
  ChassisState,
  convergeHeaders,
  maxChassisStateBytes,
  messageTypes,
  queues,
} from '@vpcd/api';
import type { Database } from '@vpcd/db';
import type { Broker } from '@vpcd/messaging';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { LeaseManager } from '../leases/lease-manager.js';
import { loadChassisStates } from '../store/chassis-state.js';
import { contextOf } from '../trace-parent.js';
import { recordRefused } from './acks.js';
import { fullJitterDelayMs } from '@vpcd/backoff';
import { convergeMetrics, type ConvergeMetrics } from './converge-metrics.js';

export interface ConvergeLoopOptions {
  readonly db: Database;
  readonly broker: Broker;
  readonly leases: Pick<LeaseManager, 'ownedChassis'>;
  readonly logger: Logger;
  readonly registry: Registry;
  readonly northdId: string;
  /** Safety-net pass interval; change hints wake the loop sooner. Default 2 s. */
  readonly intervalMs?: number;
  /** First wait for an acknowledgement before republishing; doubles per attempt. Default 2 s. */
  readonly ackTimeoutMs?: number;
  /** Cap of the republish backoff. Default 30 s. */
  readonly maxRetryDelayMs?: number;
  /** Publishes in flight at once. Default 64. */
  readonly publishConcurrency?: number;
  /**
   * Least time between two states of a chassis in a burst of changes, i.e. one whose desired
   * generation moved on while its previous state was unacknowledged. Default 200 ms.
   */
  readonly burstIntervalMs?: number;
}

interface Sent {
  generation: number;
  epoch: number;
  attempts: number;
  /** When it was published (Date.now()). */
  atMs: number;
  retryAtMs: number;
  /** A pass saw a newer desired generation while this one was unacknowledged. */
  superseded: boolean;
}

/**
 * Level-triggered convergence of the chassis this instance holds leases on. A pass reads which
 * owned chassis want a newer generation than they acknowledged (one query), computes their full
 * states (three queries, batched), and publishes each with publisher confirms. Work is sent
 * again when its acknowledgement does not come in time, with capped, jittered backoff. Nothing
 * is remembered that the database does not also say: a crash anywhere loses nothing, as the
 * next pass (here or on the next owner) finds the chassis behind and publishes again.
 *
 * A chassis has one state unacknowledged at most: changes made meanwhile go out together, in
 * the next state, once the ack is in (or the retry is due). A chassis whose desired generation
 * moved on while its state was unacknowledged is in a burst of changes, and gets a state at most
 * every `burstIntervalMs`; a chassis that changes now and then gets its state at once. Each
 * state is the whole one, so the newest replaces all before it; sent one per change hint, a
 * stream of writes to a VPC made every chassis in it compute, publish, apply and acknowledge a
 * full state per write, and that work took the CPU and the chassis rows (an ack updates the row
 * that every write in the chassis' VPCs locks) from the writes themselves.
 */
export class ConvergeLoop {
  private readonly sent = new Map<string, Sent>();
  private readonly addresses = new Map<string, string>();
  private readonly traceparents = new Map<string, string | null>();
  private readonly metrics: ConvergeMetrics;
  private wakeRequested = false;
  /** When the earliest chassis held back by the last pass becomes due (Date.now() clock). */
  private nextDueAtMs = Infinity;
  private running: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = true;
  private readonly o: Required<ConvergeLoopOptions>;

  constructor(options: ConvergeLoopOptions) {
    this.o = {
      intervalMs: 2000,
      ackTimeoutMs: 2000,
      maxRetryDelayMs: 30_000,
      publishConcurrency: 64,
      burstIntervalMs: 200,
      ...options,
    };
    this.metrics = convergeMetrics(options.registry);
  }

  start(): void {
    this.stopped = false;
    this.wake();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** Asks for a pass now; passes never overlap, requests during one coalesce into the next. */
  wake(): void {
    if (this.stopped) return;
    this.wakeRequested = true;
    if (this.running) return;
    clearTimeout(this.timer);
    this.running = this.runPasses().finally(() => {
      this.running = undefined;
      if (this.stopped) return;
      // The safety net, or sooner when a chassis held back now becomes due.
      const dueInMs = Math.min(this.o.intervalMs, this.nextDueAtMs - Date.now());
      this.timer = setTimeout(() => this.wake(), Math.max(0, dueInMs));
    });
  }

  /** The metrics, for the ack consumer. */
  get convergeMetrics(): ConvergeMetrics {
    return this.metrics;
  }

  private async runPasses(): Promise<void> {
    while (this.wakeRequested && !this.stopped) {
      this.wakeRequested = false;
      try {
        await this.pass();
      } catch (err) {
        this.o.logger.warn({ err }, 'converge pass failed');
      }
    }
  }

  /** One pass; public so tests can drive it. */
  async pass(): Promise<{ attempted: number; failed: number }> {
    const end = this.metrics.duration.startTimer();
    const owned = this.o.leases.ownedChassis();
    const due = await this.dueChassis(owned);
    let failed = 0;
    if (due.length > 0) {
      const states = await loadChassisStates(this.o.db, due);
      const queue = [...states.values()];
      const worker = async () => {
        for (let state = queue.shift(); state; state = queue.shift()) {
          const epoch = owned.get(state.chassisId);
          if (epoch === undefined || epoch !== state.epoch) continue; // lost or re-claimed meanwhile
          if (!(await this.publish(state))) failed++;
        }
      };
      await Promise.all(
        Array.from({ length: Math.min(this.o.publishConcurrency, queue.length) }, worker),
      );
    }
    this.metrics.attempted.set(due.length);
    this.metrics.failed.set(failed);
    this.metrics.inFlight.set(this.sent.size);
    end();
    return { attempted: due.length, failed };
  }

  /**
   * Owned chassis behind their desired generation, less those whose state is unacknowledged
   * (until its retry time) and those in a burst that got a state less than `burstIntervalMs`
   * ago; `nextDueAtMs` says when the first of those becomes due.
   */
  private async dueChassis(owned: ReadonlyMap<string, number>): Promise<string[]> {
    this.nextDueAtMs = Infinity;
    if (owned.size === 0) {
      this.sent.clear();
      return [];
    }
    // Only the chassis behind come back: a pass costs what changed, not what this instance
    // owns (every change hint wakes every instance, and each owns a share of the whole fleet).
    // A chassis not returned is caught up or not ours, so what is remembered of it goes.
    const rows = await this.o.db.query<{
      id: string;
      epoch: number;
      desired_generation: number;
      applied_generation: number;
      refused_generation: number;
      hvflowd_addr: string;
      desired_traceparent: string | null;
    }>(
      `SELECT id, epoch, desired_generation, applied_generation, refused_generation, hvflowd_addr,
         desired_traceparent
       FROM chassis
       WHERE owner = ? AND lease_expires_at > NOW(3) AND applied_generation < desired_generation
         AND refused_generation < desired_generation`,
      [this.o.northdId],
    );
    const now = Date.now();
    const due: string[] = [];
    const seen = new Set<string>();
    for (const row of rows) {
      seen.add(row.id);
      this.addresses.set(row.id, row.hvflowd_addr);
      this.traceparents.set(row.id, row.desired_traceparent);
      const epoch = Number(row.epoch);
      if (owned.get(row.id) !== epoch) continue;
      const sent = this.sent.get(row.id);
      const dueAtMs = sent?.epoch === epoch ? this.dueAt(sent, row) : now;
      if (dueAtMs <= now) due.push(row.id);
      else this.nextDueAtMs = Math.min(this.nextDueAtMs, dueAtMs);
    }
    for (const id of this.sent.keys()) if (!seen.has(id)) this.sent.delete(id);
    for (const id of this.addresses.keys()) if (!seen.has(id)) this.addresses.delete(id);
    for (const id of this.traceparents.keys()) if (!seen.has(id)) this.traceparents.delete(id);
    return due;
  }

  /**
   * When a chassis that got state `sent` (in its current epoch) is due again. A state refused
   * for good is answered as an applied one is: the next generation need not wait for its retry.
   */
  private dueAt(
    sent: Sent,
    row: { desired_generation: number; applied_generation: number; refused_generation: number },
  ): number {
    const answered = Math.max(Number(row.applied_generation), Number(row.refused_generation));
    if (answered < sent.generation) {
      if (Number(row.desired_generation) > sent.generation) sent.superseded = true;
      return sent.retryAtMs;
    }
    return sent.superseded ? sent.atMs + this.o.burstIntervalMs : 0;
  }

  private async publish(state: ChassisState): Promise<boolean> {
    const previous = this.sent.get(state.chassisId);
    const attempts =
      previous && previous.generation === state.generation && previous.epoch === state.epoch
        ? previous.attempts + 1
        : 0;
    const atMs = Date.now();
    // Full jitter, never sooner than an acknowledgement could come: failed chassis do not retry
    // in lockstep.
    const retryAtMs =
      atMs +
      fullJitterDelayMs(attempts, {
        initialDelayMs: this.o.ackTimeoutMs,
        maxDelayMs: this.o.maxRetryDelayMs,
        minDelayMs: this.o.ackTimeoutMs,
      });
    this.sent.set(state.chassisId, {
      generation: state.generation,
      epoch: state.epoch,
      attempts,
      atMs,
      retryAtMs,
      superseded: false,
    });
    const body = Buffer.from(ChassisState.encode(state).finish());
    if (body.length > maxChassisStateBytes) {
      // No hop would carry it; northd's per-chassis limit keeps this from happening.
      this.metrics.refused.inc({ reason: 'too_large' });
      this.o.logger.error(
        { chassis: state.chassisId, generation: state.generation, bytes: body.length },
        'chassis state over the transport limit; not sent',
      );
      await recordRefused(
        this.o.db,
        state,
        `too_large: ${body.length} bytes, limit ${maxChassisStateBytes}`,
      );
      return true; // not a publish failure: counted as refused, and not due again
    }
    try {
      // Published in the trace of the change that made it due: one trace from the API call.
      await context.with(contextOf(this.traceparents.get(state.chassisId)), () =>
        this.o.broker.publish(queues.convergeExchange, state.chassisId, body, {
          messageId: `${state.chassisId}/${state.epoch}/${state.generation}/${attempts}`,
          type: messageTypes.chassisState,
          headers: {
            [convergeHeaders.chassisId]: state.chassisId,
            [convergeHeaders.epoch]: state.epoch,
            [convergeHeaders.generation]: state.generation,
            [convergeHeaders.northdId]: this.o.northdId,
            [convergeHeaders.hvflowdAddr]: this.addresses.get(state.chassisId) ?? '',
          },
        }),
      );
      return true;
    } catch (err) {
      this.o.logger.warn({ err, chassis: state.chassisId }, 'publishing converge work failed');
      return false;
    }
  }
}
