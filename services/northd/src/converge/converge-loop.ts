import { context } from '@opentelemetry/api';
import { ChassisState, convergeHeaders, queues } from '@vpcd/api';
import type { Database } from '@vpcd/db';
import type { Broker } from '@vpcd/messaging';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { LeaseManager } from '../leases/lease-manager.js';
import { loadChassisStates } from '../store/chassis-state.js';
import { contextOf } from '../trace-parent.js';
import { retryDelayMs } from './backoff.js';
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
}

interface Sent {
  generation: number;
  epoch: number;
  attempts: number;
  retryAtMs: number;
}

/**
 * Level-triggered convergence of the chassis this instance holds leases on. A pass reads which
 * owned chassis want a newer generation than they acknowledged (one query), computes their full
 * states (three queries, batched), and publishes each with publisher confirms. Work is sent
 * again when its acknowledgement does not come in time, with capped, jittered backoff. Nothing
 * is remembered that the database does not also say: a crash anywhere loses nothing, as the
 * next pass (here or on the next owner) finds the chassis behind and publishes again.
 */
export class ConvergeLoop {
  private readonly sent = new Map<string, Sent>();
  private readonly addresses = new Map<string, string>();
  private readonly traceparents = new Map<string, string | null>();
  private readonly metrics: ConvergeMetrics;
  private wakeRequested = false;
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
      if (!this.stopped) this.timer = setTimeout(() => this.wake(), this.o.intervalMs);
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

  /** Owned chassis behind their desired generation, and not waiting for an ack already. */
  private async dueChassis(owned: ReadonlyMap<string, number>): Promise<string[]> {
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
      hvflowd_addr: string;
      desired_traceparent: string | null;
    }>(
      `SELECT id, epoch, desired_generation, hvflowd_addr, desired_traceparent FROM chassis
       WHERE owner = ? AND lease_expires_at > NOW(3) AND applied_generation < desired_generation`,
      [this.o.northdId],
    );
    const now = Date.now();
    const due: string[] = [];
    const seen = new Set<string>();
    for (const row of rows) {
      seen.add(row.id);
      this.addresses.set(row.id, row.hvflowd_addr);
      this.traceparents.set(row.id, row.desired_traceparent);
      const desired = Number(row.desired_generation);
      const epoch = Number(row.epoch);
      if (owned.get(row.id) !== epoch) continue;
      const sent = this.sent.get(row.id);
      if (sent && sent.generation === desired && sent.epoch === epoch && sent.retryAtMs > now)
        continue;
      due.push(row.id);
    }
    for (const id of this.sent.keys()) if (!seen.has(id)) this.sent.delete(id);
    for (const id of this.addresses.keys()) if (!seen.has(id)) this.addresses.delete(id);
    for (const id of this.traceparents.keys()) if (!seen.has(id)) this.traceparents.delete(id);
    return due;
  }

  private async publish(state: ChassisState): Promise<boolean> {
    const previous = this.sent.get(state.chassisId);
    const attempts =
      previous && previous.generation === state.generation && previous.epoch === state.epoch
        ? previous.attempts + 1
        : 0;
    const retryAtMs =
      Date.now() + retryDelayMs(attempts, this.o.ackTimeoutMs, this.o.maxRetryDelayMs);
    this.sent.set(state.chassisId, {
      generation: state.generation,
      epoch: state.epoch,
      attempts,
      retryAtMs,
    });
    try {
      // Published in the trace of the change that made it due: one trace from the API call.
      await context.with(contextOf(this.traceparents.get(state.chassisId)), () =>
        this.o.broker.publish(
          queues.convergeExchange,
          state.chassisId,
          Buffer.from(ChassisState.encode(state).finish()),
          {
            messageId: `${state.chassisId}/${state.epoch}/${state.generation}/${attempts}`,
            headers: {
              [convergeHeaders.chassisId]: state.chassisId,
              [convergeHeaders.epoch]: state.epoch,
              [convergeHeaders.generation]: state.generation,
              [convergeHeaders.northdId]: this.o.northdId,
              [convergeHeaders.hvflowdAddr]: this.addresses.get(state.chassisId) ?? '',
            },
          },
        ),
      );
      return true;
    } catch (err) {
      this.o.logger.warn({ err, chassis: state.chassisId }, 'publishing converge work failed');
      return false;
    }
  }
}
