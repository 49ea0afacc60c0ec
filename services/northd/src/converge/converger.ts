import type { ChassisState } from '@vpcd/api';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { systemClock, type Clock } from './clock.js';
import type { ConvergeMetrics } from './converge-metrics.js';
import type { AckNote, Hint } from './hints.js';
import type { ConvergePublisher } from './publisher.js';
import { Reconciler, type ConvergeStore } from './reconciler.js';
import { WorkQueue } from './work-queue.js';

export interface ConvergerOptions {
  readonly store: ConvergeStore;
  readonly publisher: ConvergePublisher;
  /** This instance's leases: chassis id -> epoch (LeaseManager.ownedChassis). */
  readonly leases: { ownedChassis(): ReadonlyMap<string, number> };
  /**
   * Tells the other northd which chassis to reconcile (undefined: all they own) and the acks of
   * chassis they own (ChangeHints.send).
   */
  readonly hint: (chassisIds: readonly string[] | undefined, acks: readonly AckNote[]) => void;
  readonly metrics: ConvergeMetrics;
  /** Where the work queue's metrics go. */
  readonly registry: Registry;
  readonly logger: Logger;
  readonly clock?: Clock;
  /** CONVERGE_BATCH_WINDOW_MS: changes to one chassis within it go out as one message. Default 5 ms. */
  readonly batchWindowMs?: number;
  /** CONVERGE_BURST_INTERVAL_MS: see ReconcilerOptions.burstIntervalMs. Default 200 ms. */
  readonly burstIntervalMs?: number;
  /** CONVERGE_INTERVAL_MS: the safety pass over owned chassis with pending changes. Default 2 s. */
  readonly safetyIntervalMs?: number;
  /** CONVERGE_AUDIT_INTERVAL_MS: mean time between audits of a chassis; 0 turns them off. Default 10 min. */
  readonly auditIntervalMs?: number;
  /** First wait for an acknowledgement before resending. Default 2 s. */
  readonly ackTimeoutMs?: number;
  /** Chassis reconciled at once. Default 64. */
  readonly concurrency?: number;
  /** contentHash of @vpcd/flows, for the audit; without it there is none. */
  readonly contentHash?: (state: ChassisState) => string;
}

/** Chassis read per statement by the safety pass. */
const passChunk = 500;

/**
 * The owner side of convergence: a work queue of chassis ids driving a reconciler. Chassis are
 * queued by what concerns them, each in proportion to the change: an API write names the chassis
 * it touched (`changed`), an ack its chassis (`acked`), a hint from another northd its chassis
 * (`hinted`), a lease change the chassis gained or lost (`leasesChanged`). A periodic safety
 * pass queues the owned chassis with pending changes (one indexed query per 500) and those
 * due for an audit, so that a lost hint costs at most its interval.
 */
export class Converger {
  readonly metrics: ConvergeMetrics;
  private readonly reconciler: Reconciler;
  private readonly queue: WorkQueue;
  /** Chassis whose last reconcile failed (publish or database), for the failed gauge. */
  private readonly failing = new Set<string>();
  private cancelPass: (() => void) | undefined;
  private passing: Promise<void> | undefined;
  private stopped = true;
  private readonly clock: Clock;

  constructor(private readonly o: ConvergerOptions) {
    this.clock = o.clock ?? systemClock;
    this.metrics = o.metrics;
    this.reconciler = new Reconciler({
      store: o.store,
      publisher: o.publisher,
      leases: o.leases,
      metrics: this.metrics,
      logger: o.logger,
      clock: this.clock,
      ackTimeoutMs: o.ackTimeoutMs,
      burstIntervalMs: o.burstIntervalMs,
      auditIntervalMs: o.auditIntervalMs,
      contentHash: o.contentHash,
    });
    this.queue = new WorkQueue({
      process: (chassisId) => this.reconcile(chassisId),
      registry: o.registry,
      logger: o.logger,
      clock: this.clock,
      batchWindowMs: o.batchWindowMs,
      concurrency: o.concurrency,
    });
  }

  /** Starts the safety pass (at once) and, after a `stop`, the queue again. */
  start(): void {
    this.stopped = false;
    this.queue.start();
    this.schedulePass(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.cancelPass?.();
    await this.passing;
    await this.queue.stop();
  }

  /** Chassis whose state an API write changed (undefined: not known, look at all). */
  changed(chassisIds: readonly string[] | undefined): void {
    if (chassisIds === undefined) {
      this.o.hint(undefined, []);
      this.wake();
      return;
    }
    const owned = this.o.leases.ownedChassis();
    const others: string[] = [];
    for (const id of chassisIds) {
      if (owned.has(id)) this.change(id);
      else others.push(id);
    }
    if (others.length > 0) this.o.hint(others, []);
  }

  /** An ack recorded here: its chassis' owner may send the next message. */
  acked(note: AckNote): void {
    if (this.o.leases.ownedChassis().has(note.chassisId)) this.takeAck(note);
    else this.o.hint([note.chassisId], [note]);
  }

  /** A hint from any northd (this one included); undefined asks for a safety pass. */
  hinted(hint: Hint | undefined): void {
    this.metrics.hints.inc({ direction: 'received' });
    if (!hint) {
      this.wake();
      return;
    }
    const owned = this.o.leases.ownedChassis();
    for (const note of hint.acks) if (owned.has(note.chassisId)) this.takeAck(note);
    for (const id of hint.chassis) if (owned.has(id)) this.change(id);
  }

  /**
   * The owned set changed: chassis gained (or re-claimed at a new epoch) start a chain with a
   * full state; chassis lost are forgotten.
   */
  leasesChanged(): void {
    const owned = this.o.leases.ownedChassis();
    for (const [id, epoch] of owned) if (!this.reconciler.hasChain(id, epoch)) this.queue.add(id);
    for (const id of this.reconciler.remembered()) if (!owned.has(id)) this.queue.add(id);
  }

  /** One safety pass; public so tests can drive it. `attempted`: owned chassis found behind. */
  async pass(): Promise<{ attempted: number }> {
    this.leasesChanged();
    const ids = [...this.o.leases.ownedChassis().keys()];
    let behind = 0;
    for (let i = 0; i < ids.length; i += passChunk) {
      const pending = await this.o.store.pendingFor(ids.slice(i, i + passChunk));
      behind += pending.size;
      for (const id of pending.keys()) this.queue.add(id);
    }
    for (const id of this.reconciler.auditsDue()) this.queue.add(id);
    this.metrics.attempted.set(behind);
    return { attempted: behind };
  }

  private change(chassisId: string): void {
    this.reconciler.changed(chassisId);
    this.queue.add(chassisId);
  }

  private takeAck(note: AckNote): void {
    this.reconciler.observeAck(note.chassisId, note.epoch, note.generation, note.outcome);
    this.queue.add(note.chassisId);
  }

  private async reconcile(chassisId: string) {
    try {
      const result = await this.reconciler.reconcile(chassisId);
      this.failing.delete(chassisId);
      return result;
    } catch (err) {
      this.failing.add(chassisId);
      throw err;
    } finally {
      this.metrics.failed.set(this.failing.size);
    }
  }

  /** Runs a safety pass now, unless one is running. */
  wake(): void {
    if (this.stopped || this.passing) return;
    this.cancelPass?.();
    this.passing = this.pass()
      .then(() => undefined)
      .catch((err: unknown) => this.o.logger.warn({ err }, 'converge safety pass failed'))
      .finally(() => {
        this.passing = undefined;
        this.schedulePass(this.o.safetyIntervalMs ?? 2000);
      });
  }

  private schedulePass(delayMs: number): void {
    if (this.stopped) return;
    this.cancelPass?.();
    this.cancelPass = this.clock.setTimer(() => {
      this.cancelPass = undefined;
      this.wake();
    }, delayMs);
  }
}
