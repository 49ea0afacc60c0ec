import { fullJitterDelayMs } from '@vpcd/backoff';
import type { ChassisState } from '@vpcd/api';
import type { Logger } from 'pino';
import { wantsFull } from '../store/change-log.js';
import type { ConvergeStore, PendingChange } from '../store/converge-store.js';
import { systemClock, type Clock } from './clock.js';
import type { ConvergeMetrics } from './converge-metrics.js';
import { messageKey, type ConvergePublisher, type Outgoing, type Route } from './publisher.js';
import type { WorkResult } from './work-queue.js';

export type { ConvergeStore, PendingChange };

/** What `reconcile` decided, and when the queue should bring the chassis back. */
export interface ReconcileResult extends WorkResult {
  readonly action: ReconcileAction;
}

/**
 * forget: not owned (or unknown), its memory dropped; wait: a message is unacknowledged and not
 * yet due for resending; hold: changes are pending, held back while the chassis is in a burst
 * (see ReconcilerOptions.burstIntervalMs); resend: the same message again; full: a full state
 * (new chain, gap, FULL row, resends exhausted, refused recovery, audit mismatch); delta: the
 * pending changes on top of the last revision; none: nothing to send.
 */
export type ReconcileAction = 'forget' | 'wait' | 'hold' | 'resend' | 'full' | 'delta' | 'none';

/** How an acknowledgement turned out, as the reconciler needs it. */
export type AckOutcome = 'applied' | 'needs_full' | 'refused' | 'error';

export interface ReconcilerOptions {
  readonly store: ConvergeStore;
  readonly publisher: ConvergePublisher;
  /** This instance's leases: chassis id -> epoch (LeaseManager.ownedChassis). */
  readonly leases: { ownedChassis(): ReadonlyMap<string, number> };
  readonly metrics: ConvergeMetrics;
  readonly logger: Logger;
  readonly clock?: Clock;
  /** First wait for an acknowledgement before resending; doubles per resend. Default 2 s. */
  readonly ackTimeoutMs?: number;
  /** Cap of that wait. Default 30 s. */
  readonly maxAckTimeoutMs?: number;
  /**
   * Added to the wait and its cap for each port a message carries (local or remote, set or
   * removed). Default 1 ms: a chassis compiles and programs a full state of 10,000 ports in
   * seconds, and a resend that comes sooner only queues behind the first (see docs/architecture.md).
   */
  readonly ackTimeoutPerPortMs?: number;
  /** Resends of one unacknowledged message before a full state replaces it. Default 3. */
  readonly maxResends?: number;
  /**
   * A chassis told of BURST_CHANGES changes or more (`changed`) while a message to it was in
   * flight is in a burst once that message is acknowledged: its next delta goes out no sooner
   * than this long after that message, with whatever came meanwhile. One change is no burst:
   * the owner can hear of the ack after the next change's hint, a lag of a few milliseconds
   * that must not hold a chassis whose changes come one at a time. The burst ends when a
   * reconcile finds nothing in flight and nothing unsent (the hints were late, for changes the
   * message carried). One whose changes come only while nothing is in flight gets each at once.
   * Under load each change otherwise made a message of its own for every chassis of its VPC,
   * which was most of a create's CPU; at idle nothing waits. Default 200 ms; 0 turns it off.
   */
  readonly burstIntervalMs?: number;
  /** Mean time between audits of a chassis, jittered by +-50%. Default 10 min; 0 turns audits off. */
  readonly auditIntervalMs?: number;
  /** contentHash of @vpcd/flows; without it there is no audit. */
  readonly contentHash?: (state: ChassisState) => string;
  readonly random?: () => number;
}

/** Changes told of during one message's flight that make the chassis' next ones a burst. */
const BURST_CHANGES = 2;

/** A message sent and not yet answered. */
interface InFlight {
  /** The message; a resend takes it to the address the chassis registered since, if it moved. */
  message: Outgoing;
  readonly revision: number;
  readonly changes: readonly number[];
  /** Resends so far. */
  attempts: number;
  retryAtMs: number;
  /** What the message's size adds to each wait for its ack (ackTimeoutPerPortMs per port). */
  readonly sizeAllowanceMs: number;
}

/** What the owner remembers of one chassis' chain in the current epoch. */
interface Chain {
  readonly epoch: number;
  /** The last revision sent; the next message is revision + 1 and a delta's base is this. */
  revision: number;
  /** The last revision acknowledged as applied; 0 before any. */
  acked: number;
  inFlight: InFlight | undefined;
  /** The VPCs the chassis holds at `revision` (from the last full state plus deltas since). */
  held: Set<string>;
  /** Change seqs covered by messages of this chain and still pending (not yet retired). */
  sent: Set<number>;
  /** The next message is a full state: a new chain, or the chassis said it needs one. */
  fullWanted: boolean;
  /** The last message was refused for good: the next change goes out as a full state. */
  refused: boolean;
  /** When the last new message (not a resend) was handed to the publisher. */
  sentAtMs: number;
  /** Changes reported while the message in flight was unacknowledged. */
  changesInFlight: number;
  /**
   * BURST_CHANGES or more changes came while the last acknowledged message was in flight (see
   * burstIntervalMs); false again once a reconcile finds nothing to send.
   */
  burst: boolean;
  auditAtMs: number;
}

/**
 * Decides, for one chassis at a time, what its owner sends next, and sends it; the work queue
 * calls `reconcile` (never twice at once for one chassis). Level-triggered: each call reads the
 * change log, so a lost hint or ack costs time, not correctness; what it keeps in memory (the
 * chain) is what the database cannot say: which revision this instance sent last and what the
 * chassis holds at it. A crash loses only that, and the next owner starts a new chain with a
 * full state under a new epoch.
 *
 * Every message is one revision of the chassis' chain in the lease epoch. A chassis has one
 * message unacknowledged at most: what changes meanwhile goes out in the next one, after the
 * ack (or after the batching window, when none is in flight). An unacknowledged message is sent
 * again unchanged with backoff; after `maxResends` a full state replaces it.
 */
export class Reconciler {
  private readonly chains = new Map<string, Chain>();
  /**
   * The last revision of a chain dropped while its lease stayed (the chassis could not be
   * loaded, or had no address): a message of it may still be in flight, so the next chain in
   * the same epoch goes on above it rather than reusing its revisions.
   */
  private readonly dropped = new Map<string, { epoch: number; revision: number }>();
  private readonly o: Required<Omit<ReconcilerOptions, 'contentHash'>> &
    Pick<ReconcilerOptions, 'contentHash'>;

  constructor(options: ReconcilerOptions) {
    this.o = {
      clock: systemClock,
      ackTimeoutMs: 2000,
      maxAckTimeoutMs: 30_000,
      ackTimeoutPerPortMs: 1,
      maxResends: 3,
      burstIntervalMs: 200,
      auditIntervalMs: 600_000,
      random: Math.random,
      ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)),
    } as typeof this.o;
  }

  async reconcile(chassisId: string): Promise<ReconcileResult> {
    const end = this.o.metrics.duration.startTimer();
    try {
      const result = await this.decide(chassisId);
      this.o.metrics.reconciles.inc({ action: result.action });
      return result;
    } finally {
      end();
      this.o.metrics.inFlight.set(this.inFlightCount());
    }
  }

  /**
   * Takes an acknowledgement of this chassis into account (recorded in the store already): the
   * in-flight message is answered, and the next reconcile may send. Acks of other epochs or
   * revisions change nothing.
   */
  observeAck(chassisId: string, epoch: number, generation: number, outcome: AckOutcome): void {
    const chain = this.chains.get(chassisId);
    if (!chain || chain.epoch !== epoch) return;
    const f = chain.inFlight;
    if (outcome === 'needs_full') {
      // A gap: the chassis is not at the base of a delta this chain sent.
      if (generation > chain.acked) {
        chain.fullWanted = true;
        if (f && f.revision <= generation) chain.inFlight = undefined;
      }
      return;
    }
    if (!f || f.revision !== generation) return;
    if (outcome === 'applied') {
      chain.acked = generation;
      chain.inFlight = undefined;
      chain.burst = chain.changesInFlight >= BURST_CHANGES;
      chain.changesInFlight = 0;
      for (const seq of f.changes) chain.sent.delete(seq);
    } else if (outcome === 'refused') {
      chain.refused = true;
      chain.inFlight = undefined;
    }
    // 'error': the message is sent again when its retry is due.
  }

  /**
   * An API write changed the chassis' state (a change hint): noted when a message to it is in
   * flight, as the sign of a burst (see burstIntervalMs). No I/O.
   */
  changed(chassisId: string): void {
    const chain = this.chains.get(chassisId);
    if (chain?.inFlight) chain.changesInFlight++;
  }

  /** Chassis this instance remembers a chain for. */
  remembered(): IterableIterator<string> {
    return this.chains.keys();
  }

  /** Whether the chassis has a chain in `epoch`: if not, its next reconcile sends a full state. */
  hasChain(chassisId: string, epoch: number): boolean {
    return this.chains.get(chassisId)?.epoch === epoch;
  }

  /** Chassis whose audit is due (nothing in flight); the caller queues them. */
  auditsDue(): string[] {
    if (!this.auditsOn()) return [];
    const now = this.o.clock.nowMs();
    const due: string[] = [];
    for (const [id, chain] of this.chains) {
      if (chain.auditAtMs <= now && !chain.inFlight) due.push(id);
    }
    return due;
  }

  private auditsOn(): boolean {
    return this.o.auditIntervalMs > 0 && this.o.contentHash !== undefined;
  }

  private inFlightCount(): number {
    let n = 0;
    for (const chain of this.chains.values()) if (chain.inFlight) n++;
    return n;
  }

  private async decide(chassisId: string): Promise<ReconcileResult> {
    const epoch = this.o.leases.ownedChassis().get(chassisId);
    if (epoch === undefined) {
      this.chains.delete(chassisId);
      this.dropped.delete(chassisId);
      return { action: 'forget' };
    }
    let chain = this.chains.get(chassisId);
    if (!chain || chain.epoch !== epoch) {
      chain = this.newChain(chassisId, epoch);
      this.chains.set(chassisId, chain);
    }
    const now = this.o.clock.nowMs();

    const f = chain.inFlight;
    if (f) {
      if (now < f.retryAtMs) return { action: 'wait', requeueAfterMs: f.retryAtMs - now };
      // Due: perhaps it was applied and the word did not reach us (a lost hint).
      const reported = await this.o.store.reportedContent(chassisId);
      if (reported?.epoch === chain.epoch && reported.generation >= f.revision) {
        this.observeAck(chassisId, chain.epoch, f.revision, 'applied');
      } else if (f.attempts >= this.o.maxResends) {
        chain.inFlight = undefined;
        chain.fullWanted = true;
      } else {
        return this.resend(chassisId, chain, f);
      }
    }

    const pending = (await this.o.store.pendingFor([chassisId])).get(chassisId) ?? [];
    const pendingSeqs = new Set(pending.map((r) => r.seq));
    for (const seq of chain.sent) if (!pendingSeqs.has(seq)) chain.sent.delete(seq);
    const unsent = pending.filter((r) => !chain.sent.has(r.seq));

    if (chain.fullWanted || unsent.some(wantsFull) || (chain.refused && unsent.length > 0)) {
      return this.sendFull(chassisId, chain);
    }
    if (unsent.length > 0) {
      const holdUntilMs = chain.burst ? chain.sentAtMs + this.o.burstIntervalMs : 0;
      if (now < holdUntilMs) return { action: 'hold', requeueAfterMs: holdUntilMs - now };
      return this.sendDelta(chassisId, chain, unsent);
    }
    // Caught up: whatever the chassis was told of meanwhile, the last message carried. A hint
    // can come after the message that carries its change (sent on an ack or the safety pass
    // first); that is no burst, and the next change goes at once.
    chain.burst = false;
    if (this.auditsOn() && chain.auditAtMs <= now) return this.audit(chassisId, chain);
    return { action: 'none' };
  }

  private newChain(chassisId: string, epoch: number): Chain {
    const dropped = this.dropped.get(chassisId);
    this.dropped.delete(chassisId);
    return {
      epoch,
      revision: dropped?.epoch === epoch ? dropped.revision : 0,
      acked: 0,
      inFlight: undefined,
      held: new Set(),
      sent: new Set(),
      fullWanted: true,
      refused: false,
      sentAtMs: 0,
      changesInFlight: 0,
      burst: false,
      auditAtMs: this.nextAuditAtMs(),
    };
  }

  /** Forgets the chain of a chassis this instance still owns, keeping its last revision. */
  private drop(chassisId: string, chain: Chain): ReconcileResult {
    this.chains.delete(chassisId);
    this.dropped.set(chassisId, { epoch: chain.epoch, revision: chain.revision });
    return { action: 'forget' };
  }

  private nextAuditAtMs(): number {
    return this.o.clock.nowMs() + this.o.auditIntervalMs * (0.5 + this.o.random());
  }

  private async sendFull(
    chassisId: string,
    chain: Chain,
    loaded?: Awaited<ReturnType<ConvergeStore['loadFull']>>,
  ): Promise<ReconcileResult> {
    const full = loaded ?? (await this.o.store.loadFull(chassisId));
    if (!full) return this.drop(chassisId, chain);
    // Above what the chassis acknowledged last, in whatever epoch: an agent of the previous
    // release takes a state only when its revision is above the one it holds.
    const revision = Math.max(chain.revision, full.appliedGeneration) + 1;
    const state: ChassisState = {
      ...full.state,
      chassisId,
      epoch: chain.epoch,
      generation: revision,
      changes: full.changes,
    };
    // The chain moves on as the message is handed over: if the publish fails, it is resent as is.
    chain.held = new Set(state.vpcs.map((v) => v.vpcId));
    chain.sent = new Set(full.changes);
    chain.fullWanted = false;
    chain.refused = false;
    chain.auditAtMs = this.nextAuditAtMs();
    const route = { hvflowdAddr: full.hvflowdAddr, traceparent: full.traceparent };
    return this.send(chassisId, chain, { kind: 'full', state, route }, 'full');
  }

  private async sendDelta(
    chassisId: string,
    chain: Chain,
    rows: readonly PendingChange[],
  ): Promise<ReconcileResult> {
    const d = await this.o.store.loadDelta(chassisId, rows, chain.held);
    if (d.fullWanted) return this.sendFull(chassisId, chain);
    const changes = rows.map((r) => r.seq);
    const route: Route = { hvflowdAddr: d.hvflowdAddr, traceparent: newestTraceparent(rows) };
    for (const v of d.vpcs) chain.held.add(v.vpcId);
    for (const id of d.removedVpcs) chain.held.delete(id);
    for (const seq of changes) chain.sent.add(seq);
    return this.send(
      chassisId,
      chain,
      {
        kind: 'delta',
        delta: {
          chassisId,
          epoch: chain.epoch,
          baseGeneration: chain.revision,
          generation: chain.revision + 1,
          vpcs: d.vpcs,
          ports: d.ports,
          remotePorts: d.remotePorts,
          removedVpcs: d.removedVpcs,
          removedPorts: d.removedPorts,
          removedRemotePorts: d.removedRemotePorts,
          changes,
        },
        route,
      },
      'delta',
    );
  }

  /**
   * Publishes a new revision and holds it in flight until answered. A message refused for good
   * (too large) is recorded as refused: its rows are not sent again, and the next change gets a
   * full state. A publish the broker did not confirm throws, and the queue retries with backoff:
   * the next reconcile finds the message due and sends it again.
   */
  private async send(
    chassisId: string,
    chain: Chain,
    message: Outgoing,
    action: 'full' | 'delta',
  ): Promise<ReconcileResult> {
    const { generation: revision } = messageKey(message);
    const changes = message.kind === 'full' ? message.state.changes : message.delta.changes;
    chain.revision = revision;
    chain.sentAtMs = this.o.clock.nowMs();
    // Its ack may be observed before the broker confirms the publish: then `f` is detached.
    const f: InFlight = {
      message,
      revision,
      changes,
      attempts: 0,
      retryAtMs: 0,
      sizeAllowanceMs: portsIn(message) * this.o.ackTimeoutPerPortMs,
    };
    chain.inFlight = f;
    const outcome = await this.o.publisher.publish(message, 0);
    if ('refused' in outcome) {
      // Recorded before it is counted, so whoever sees the count finds the refusal recorded.
      await this.o.store.recordRefused(chassisId, chain.epoch, changes, outcome.refused);
      this.refusedBeforeSending(chassisId, outcome.refused);
      if (chain.inFlight === f) chain.inFlight = undefined;
      chain.refused = true;
      return { action };
    }
    const waitMs = this.ackWaitMs(f);
    f.retryAtMs = this.o.clock.nowMs() + waitMs;
    return { action, requeueAfterMs: waitMs };
  }

  private async resend(chassisId: string, chain: Chain, f: InFlight): Promise<ReconcileResult> {
    // An agent that came back on another address registered it: the copy goes there.
    const address = await this.o.store.hvflowdAddr(chassisId);
    if (address === undefined) return this.drop(chassisId, chain);
    if (address !== f.message.route.hvflowdAddr) {
      f.message = { ...f.message, route: { ...f.message.route, hvflowdAddr: address } };
    }
    f.attempts++;
    f.retryAtMs = 0;
    try {
      await this.o.publisher.publish(f.message, f.attempts);
    } catch (err) {
      f.attempts--; // not a resend the chassis saw
      throw err;
    }
    const waitMs = this.ackWaitMs(f);
    f.retryAtMs = this.o.clock.nowMs() + waitMs;
    return { action: 'resend', requeueAfterMs: waitMs };
  }

  /**
   * How long to wait for the ack of `f` before sending it again: the ack timeout plus what the
   * message's size adds, doubling with each resend, jittered, capped (the cap grows by the size
   * allowance too). A resend due before the chassis could have applied the first copy is
   * queued behind it, and each copy of a large full state costs every hop again.
   */
  private ackWaitMs(f: InFlight): number {
    const initialDelayMs = this.o.ackTimeoutMs + f.sizeAllowanceMs;
    return fullJitterDelayMs(
      f.attempts,
      {
        initialDelayMs,
        maxDelayMs: this.o.maxAckTimeoutMs + f.sizeAllowanceMs,
        minDelayMs: initialDelayMs,
      },
      this.o.random,
    );
  }

  /**
   * Compares the content hash the chassis reported at this chain's revision with the hash of
   * the state it should hold, and sends that state when they differ. Skipped when the chassis
   * has not reported at this revision, or a change landed since the last message.
   */
  private async audit(chassisId: string, chain: Chain): Promise<ReconcileResult> {
    chain.auditAtMs = this.nextAuditAtMs();
    const reported = await this.o.store.reportedContent(chassisId);
    if (
      !reported ||
      reported.contentHash === '' ||
      reported.epoch !== chain.epoch ||
      reported.generation !== chain.revision
    ) {
      this.o.metrics.audits.inc({ result: 'skipped' });
      return { action: 'none' };
    }
    const full = await this.o.store.loadFull(chassisId);
    if (!full) return this.drop(chassisId, chain);
    if (full.changes.some((seq) => !chain.sent.has(seq))) {
      // A change committed since the pending rows were read: its own message comes first.
      this.o.metrics.audits.inc({ result: 'skipped' });
      return { action: 'none', requeueAfterMs: 0 };
    }
    if (this.o.contentHash!(full.state) === reported.contentHash) {
      this.o.metrics.audits.inc({ result: 'match' });
      return { action: 'none' };
    }
    this.o.metrics.audits.inc({ result: 'mismatch' });
    this.o.logger.warn(
      { chassis: chassisId, epoch: chain.epoch, generation: chain.revision },
      'the chassis holds other content than its chain says; sending it a full state',
    );
    return this.sendFull(chassisId, chain, full);
  }

  private refusedBeforeSending(chassisId: string, reason: string): void {
    this.o.metrics.refused.inc({ reason: 'too_large' });
    this.o.logger.error(
      { chassis: chassisId, reason },
      'converge message over the transport limit; not sent',
    );
  }
}

/** Ports a message carries, local and remote, set or removed: what the chassis has to apply. */
function portsIn(message: Outgoing): number {
  if (message.kind === 'full') return message.state.ports.length + message.state.remotePorts.length;
  const d = message.delta;
  return (
    d.ports.length + d.remotePorts.length + d.removedPorts.length + d.removedRemotePorts.length
  );
}

/** The trace of the newest change a message carries: the one a caller waits on. */
function newestTraceparent(rows: readonly PendingChange[]): string | null {
  let newest: PendingChange | undefined;
  for (const r of rows) if (r.traceparent && (!newest || r.seq > newest.seq)) newest = r;
  return newest?.traceparent ?? null;
}
