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
import { SqlConvergeStore, type ConvergeStore, type FullLoad } from '../store/converge-store.js';
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
  /**
   * Least time between two states of a chassis in a burst of changes, i.e. one whose desired
   * generation moved on while its previous state was unacknowledged. Default 200 ms.
   */
  readonly burstIntervalMs?: number;
}

interface Sent {
  generation: number;
  epoch: number;
  /** The change rows the message covered; it is answered once none of them is pending. */
  changes: number[];
  attempts: number;
  /** When it was published (Date.now()). */
  atMs: number;
  retryAtMs: number;
  /** A pass saw a newer desired generation while this one was unacknowledged. */
  superseded: boolean;
}

/**
 * Level-triggered convergence of the chassis this instance holds leases on. A pass reads which
 * owned chassis have change rows pending (one query), loads their full states with the pending
 * seqs (`changes`, which the ack retires), and publishes each with publisher confirms, numbered
 * by a revision that grows per chassis and epoch. (The incremental reconciler replaces this.) Work is sent
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
  /** The last revision sent to each owned chassis, in its epoch. */
  private readonly revisions = new Map<string, { epoch: number; revision: number }>();
  private readonly store: ConvergeStore;
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
    this.store = new SqlConvergeStore(options.db);
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
      const queue = [...due];
      const worker = async () => {
        for (let id = queue.shift(); id; id = queue.shift()) {
          const load = await this.store.loadFull(id);
          const epoch = owned.get(id);
          // Lost or re-claimed meanwhile.
          if (!load || epoch === undefined || epoch !== load.state.epoch) continue;
          if (!(await this.publish(load))) failed++;
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
   * Owned chassis with changes pending, less those whose message is unanswered (until its
   * retry time) and those in a burst that got a state less than `burstIntervalMs` ago;
   * `nextDueAtMs` says when the first of those becomes due.
   */
  private async dueChassis(owned: ReadonlyMap<string, number>): Promise<string[]> {
    this.nextDueAtMs = Infinity;
    for (const id of this.revisions.keys()) if (!owned.has(id)) this.revisions.delete(id);
    if (owned.size === 0) {
      this.sent.clear();
      return [];
    }
    // Only the chassis with pending rows come back: a pass costs what changed, not what this
    // instance owns. A chassis not returned is caught up, so what is remembered of it goes.
    const pending = await this.store.pendingFor([...owned.keys()]);
    const now = Date.now();
    const due: string[] = [];
    for (const [id, rows] of pending) {
      const epoch = owned.get(id)!;
      const sent = this.sent.get(id);
      const dueAtMs = sent?.epoch === epoch ? this.dueAt(sent, rows) : now;
      if (dueAtMs <= now) due.push(id);
      else this.nextDueAtMs = Math.min(this.nextDueAtMs, dueAtMs);
    }
    for (const id of this.sent.keys()) if (!pending.has(id)) this.sent.delete(id);
    return due;
  }

  /**
   * When a chassis that got message `sent` (in its current epoch) is due again: at its retry
   * time while a row it covered is pending, else now, or after the burst interval when changes
   * came while it was unanswered.
   */
  private dueAt(sent: Sent, rows: ReadonlyArray<{ seq: number }>): number {
    const pendingSeqs = new Set(rows.map((r) => r.seq));
    const covered = new Set(sent.changes);
    if (sent.changes.some((seq) => pendingSeqs.has(seq))) {
      if (rows.some((r) => !covered.has(r.seq))) sent.superseded = true;
      return sent.retryAtMs;
    }
    return sent.superseded ? sent.atMs + this.o.burstIntervalMs : 0;
  }

  private async publish(load: FullLoad): Promise<boolean> {
    const { state: loaded, changes, hvflowdAddr, traceparent } = load;
    const id = loaded.chassisId;
    const previous = this.sent.get(id);
    const sameWork =
      previous?.epoch === loaded.epoch &&
      previous.changes.length === changes.length &&
      previous.changes.every((seq, i) => changes[i] === seq);
    const attempts = previous && sameWork ? previous.attempts + 1 : 0;
    // A resend of the same changes keeps its revision: the chassis that applied it answers at
    // once ('unchanged') instead of applying it again. Agents that compare revisions across
    // epochs (an older hvflowd takes a state only when its revision is above the one it holds,
    // whatever the epoch) must see a new owner's first state as newer than what the chassis
    // acknowledged last: new revisions start above it.
    const last = this.revisions.get(id);
    const revision =
      previous && sameWork
        ? previous.generation
        : Math.max(last?.epoch === loaded.epoch ? last.revision : 0, load.appliedGeneration) + 1;
    this.revisions.set(id, { epoch: loaded.epoch, revision });
    const state = { ...loaded, generation: revision, changes };
    const atMs = Date.now();
    const retryAtMs = atMs + retryDelayMs(attempts, this.o.ackTimeoutMs, this.o.maxRetryDelayMs);
    this.sent.set(id, {
      generation: revision,
      epoch: state.epoch,
      changes,
      attempts,
      atMs,
      retryAtMs,
      superseded: false,
    });
    const body = Buffer.from(ChassisState.encode(state).finish());
    if (body.length > maxChassisStateBytes) {
      // No hop would carry it; northd's per-chassis limit keeps this from happening. Recorded
      // before it is counted, so whoever sees the count finds the refusal recorded.
      await this.store.recordRefused(
        id,
        state.epoch,
        changes,
        `too_large: ${body.length} bytes, limit ${maxChassisStateBytes}`,
      );
      this.metrics.refused.inc({ reason: 'too_large' });
      this.o.logger.error(
        { chassis: id, generation: revision, bytes: body.length },
        'chassis state over the transport limit; not sent',
      );
      return true; // not a publish failure: counted as refused, and not due again
    }
    try {
      // Published in the trace of the change that made it due: one trace from the API call.
      await context.with(contextOf(traceparent), () =>
        this.o.broker.publish(queues.convergeExchange, id, body, {
          messageId: `${id}/${state.epoch}/${revision}`,
          type: messageTypes.chassisState,
          headers: {
            [convergeHeaders.chassisId]: id,
            [convergeHeaders.epoch]: state.epoch,
            [convergeHeaders.generation]: revision,
            [convergeHeaders.northdId]: this.o.northdId,
            [convergeHeaders.hvflowdAddr]: hvflowdAddr,
          },
        }),
      );
      return true;
    } catch (err) {
      this.o.logger.warn({ err, chassis: id }, 'publishing converge work failed');
      return false;
    }
  }
}
