import { SpanStatusCode, trace, type Tracer, type TracerProvider } from '@opentelemetry/api';
import type { ChassisState } from '@vpcd/api';
import {
  compileFlows,
  diff,
  hasFlowsCode,
  screenChassisState,
  stateHash,
  type CompileOptions,
  type Flow,
  type RejectedPort,
} from '@vpcd/flows';
import type { Logger } from 'pino';
import type { Datapath } from '../datapath/datapath.js';
import { isBridgeNotExist } from '../datapath/ovs-error.js';
import { ApplyError, isApplyError } from './apply-error.js';
import {
  auditBridge,
  bindState,
  canDriftBehindOurBack,
  type AuditFinding,
  type Programmed,
} from './bridge-audit.js';
import type { HvflowdMetrics } from './hvflowd-metrics.js';
import { SerialQueue } from './serial-queue.js';

/** What an apply did. `unchanged`: the generation was applied already; the datapath was not touched. */
export interface ApplyOutcome {
  readonly result: 'applied' | 'unchanged';
  readonly appliedGeneration: number;
  readonly stateHash: string;
  readonly flowsAdded: number;
  readonly flowsRemoved: number;
  /** Ports of the applied generation left out of the flows, with why; the rest is applied. */
  readonly rejectedPorts: readonly RejectedPort[];
}

/** The chassis as it is now: what it has seen and applied, and the flows on its bridge. */
export interface ChassisSnapshot {
  readonly chassisId: string;
  /** The highest epoch seen. */
  readonly epoch: number;
  /** The generation last applied; 0 before the first apply. */
  readonly generation: number;
  /** stateHash of the flows on the bridge now. */
  readonly stateHash: string;
  readonly flows: readonly Flow[];
}

/** Where a state comes from: a northd's converge work (fenced), or the chassis' own sync. */
type StateOrigin = 'converge' | 'initial-sync';

export interface ChassisRuntimeOptions {
  readonly chassisId: string;
  readonly datapath: Datapath;
  readonly metrics: HvflowdMetrics;
  readonly logger: Logger;
  /** Default: the global provider. */
  readonly tracerProvider?: TracerProvider;
}

/**
 * One chassis: fences converge work of stale epochs, treats an applied generation as done, and
 * programs its datapath to a new state by diff. Applies and snapshots run one at a time, in
 * arrival order.
 * What it has seen lives in memory: after a restart, the first apply (the initial sync)
 * reconciles by diffing against what the bridge holds, so unchanged flows are never touched.
 */
export class ChassisRuntime {
  readonly chassisId: string;
  readonly datapath: Datapath;
  private readonly queue: SerialQueue;
  private readonly logger: Logger;
  private readonly tracer: Tracer;
  private highestEpoch = 0;
  private appliedGeneration: number | undefined;
  private appliedHash = '';
  private rejectedPorts: readonly RejectedPort[] = [];
  private programmed: Programmed | undefined;
  private bridgeReady = false;

  constructor(private readonly options: ChassisRuntimeOptions) {
    this.chassisId = options.chassisId;
    this.datapath = options.datapath;
    this.queue = new SerialQueue(options.metrics.applyQueue);
    this.logger = options.logger.child({ chassis: options.chassisId });
    this.tracer = (options.tracerProvider ?? trace.getTracerProvider()).getTracer('@vpcd/hvflowd');
  }

  /** The generation last applied (0 before the first) and the hash it left; no I/O. */
  get applied(): { readonly generation: number; readonly stateHash: string } {
    return { generation: this.appliedGeneration ?? 0, stateHash: this.appliedHash };
  }

  /**
   * Programs the chassis to `state`, converge work of the northd that holds its lease. A port the
   * flows cannot carry is left out and reported in the outcome; the rest is applied. Rejects
   * with ApplyError when refused (`stale-epoch`, `wrong-chassis`, `invalid-state`), when the
   * datapath's port numbers do not fit (`datapath`), and with the datapath's error (OvsError)
   * when it fails.
   */
  apply(state: ChassisState): Promise<ApplyOutcome> {
    return this.queue.run(() => this.applyNow(state, 'converge'));
  }

  /**
   * Programs the chassis to the state its agent pulled with SyncInitialChassis. That state is the
   * database's committed state, read for the chassis itself, not work of a northd that may have
   * been deposed since: it is never fenced. A lower epoch than the highest seen means the read
   * came before a lease claim whose work arrived first; that work is of the same or a newer
   * generation, so the sync then finds its generation applied already (`unchanged`). A higher
   * epoch is the lease's current one, and fences the work of older owners from then on.
   */
  applyInitialSync(state: ChassisState): Promise<ApplyOutcome> {
    return this.queue.run(() => this.applyNow(state, 'initial-sync'));
  }

  /** Reads the bridge, in turn with applies, so generation and flows belong together. */
  snapshot(): Promise<ChassisSnapshot> {
    return this.queue.run(async () => this.snapshotOf(await this.datapath.dumpFlows()));
  }

  /**
   * Repairs the bridge to the applied state, in turn with applies, and then reads it as
   * `snapshot` does: the heartbeat's audit. Flows deleted, added or changed behind hvflowd's back
   * are put right by one bundle, as an apply would; ports are bound again, and when their
   * numbers moved (a restarted ovs-vswitchd) the flows are compiled anew. Counted and logged.
   * Only a datapath others can change is audited (the ovs driver); before the first apply there
   * is nothing to audit. Rejects when the bridge cannot be read; when it was read but the repair
   * failed, the snapshot is of the bridge as read (a bundle is all or nothing).
   */
  audit(): Promise<ChassisSnapshot> {
    return this.queue.run(async () => {
      const programmed = this.programmed;
      if (programmed === undefined || !canDriftBehindOurBack(this.datapath)) {
        return this.snapshotOf(await this.datapath.dumpFlows());
      }
      return this.auditNow(programmed);
    });
  }

  private async auditNow(programmed: Programmed): Promise<ChassisSnapshot> {
    const { datapath, metrics } = this.options;
    let finding: AuditFinding;
    try {
      finding = await this.inspect(programmed);
    } catch (err) {
      this.bridgeReady = false;
      metrics.audits.inc({ result: 'failed' });
      throw err;
    }
    const { change, renumbered, actual } = finding;
    if (change.add.length === 0 && change.remove.length === 0 && renumbered.length === 0) {
      metrics.audits.inc({ result: 'clean' });
      return this.snapshotOf(actual);
    }
    const details = {
      generation: this.appliedGeneration,
      flowsFound: actual.length,
      flowsAdded: change.add.length,
      flowsRemoved: change.remove.length,
      renumbered,
    };
    let after: Flow[];
    try {
      await datapath.applyFlowMods(change);
      after = await datapath.dumpFlows();
    } catch (err) {
      this.bridgeReady = false;
      metrics.audits.inc({ result: 'failed' });
      this.logger.warn(
        { err, ...details },
        'cannot repair the bridge; trying again next heartbeat',
      );
      return this.snapshotOf(actual);
    }
    this.programmed = finding.programmed;
    this.appliedHash = stateHash(after);
    metrics.audits.inc({ result: 'repaired' });
    metrics.flowsRepaired.inc({ op: 'add' }, change.add.length);
    metrics.flowsRepaired.inc({ op: 'remove' }, change.remove.length);
    metrics.portsRenumbered.inc(renumbered.length);
    this.logger.warn(
      { ...details, flows: after.length },
      actual.length === 0
        ? 'the bridge had lost every flow (ovs-vswitchd restarted?); programmed it again'
        : "repaired the bridge: flows or ports changed behind hvflowd's back",
    );
    return this.snapshotOf(after);
  }

  /**
   * Audits the bridge; one deleted behind hvflowd's back is created again (empty) and audited.
   * Otherwise the bridge is not ensured: with ovs-vswitchd down, that would wait for it.
   */
  private async inspect(programmed: Programmed): Promise<AuditFinding> {
    const audit = () =>
      auditBridge(this.datapath, programmed, (state, ports) => this.compile(state, ports));
    try {
      return await audit();
    } catch (err) {
      if (!isBridgeNotExist(err)) throw err;
      this.logger.warn({ err }, 'the bridge is gone; creating it again');
      await this.datapath.ensureBridge();
      return audit();
    }
  }

  private snapshotOf(flows: Flow[]): ChassisSnapshot {
    return {
      chassisId: this.chassisId,
      epoch: this.highestEpoch,
      generation: this.appliedGeneration ?? 0,
      stateHash: stateHash(flows),
      flows,
    };
  }

  private async applyNow(state: ChassisState, origin: StateOrigin): Promise<ApplyOutcome> {
    const { metrics } = this.options;
    const refuse = (err: ApplyError, result: 'fenced' | 'rejected'): never => {
      metrics.applies.inc({ result });
      throw err;
    };
    if (state.chassisId !== this.chassisId) {
      refuse(
        new ApplyError(
          'wrong-chassis',
          `state of chassis "${state.chassisId}" sent to ${this.chassisId}`,
        ),
        'rejected',
      );
    }
    if (origin === 'converge' && state.epoch < this.highestEpoch) {
      metrics.fenced.inc();
      this.logger.warn(
        { epoch: state.epoch, highestEpoch: this.highestEpoch, generation: state.generation },
        'refused a state of a stale epoch',
      );
      refuse(
        new ApplyError('stale-epoch', `stale epoch ${state.epoch} < ${this.highestEpoch}`),
        'fenced',
      );
    }
    this.highestEpoch = Math.max(this.highestEpoch, state.epoch);
    if (this.appliedGeneration !== undefined && state.generation <= this.appliedGeneration) {
      metrics.applies.inc({ result: 'unchanged' });
      return {
        result: 'unchanged',
        ...this.current(),
        flowsAdded: 0,
        flowsRemoved: 0,
        rejectedPorts: this.rejectedPorts,
      };
    }
    const stopTimer = metrics.applyDuration.startTimer();
    return this.tracer.startActiveSpan('hvflowd apply', async (span) => {
      span.setAttributes({
        'vpcd.chassis_id': this.chassisId,
        'vpcd.epoch': state.epoch,
        'vpcd.generation': state.generation,
      });
      try {
        const outcome = await this.program(state);
        metrics.applies.inc({ result: 'applied' });
        span.setAttributes({
          'vpcd.flows_added': outcome.flowsAdded,
          'vpcd.flows_removed': outcome.flowsRemoved,
        });
        return outcome;
      } catch (err) {
        // Whatever failed may have been the bridge itself: make sure of it again next time.
        this.bridgeReady = false;
        metrics.applies.inc({ result: isApplyError(err) ? 'rejected' : 'failed' });
        span.recordException(err as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
        throw err;
      } finally {
        stopTimer();
        span.end();
      }
    });
  }

  private async program(state: ChassisState): Promise<ApplyOutcome> {
    const { datapath, metrics } = this.options;
    const startedMs = performance.now();
    if (!this.bridgeReady) {
      await datapath.ensureBridge();
      this.bridgeReady = true;
    }
    // One tenant's bad port costs only itself: it is neither bound nor compiled.
    const { accepted, rejected } = screenChassisState(state);
    // Binding changes ports before it can fail: until this apply is through, the bridge is not
    // what the previous state says, and an audit must not bind that state's ports back.
    this.programmed = undefined;
    const ports = await bindState(datapath, accepted);
    const desired = this.compile(accepted, ports);
    const change = diff(await datapath.dumpFlows(), desired);
    await datapath.applyFlowMods(change);
    const after = await datapath.dumpFlows();
    this.appliedGeneration = state.generation;
    this.appliedHash = stateHash(after);
    this.programmed = { state: accepted, ports, flows: desired };
    this.recordRejected(state, rejected);
    metrics.appliedGeneration.set({ chassis: this.chassisId }, state.generation);
    metrics.flowsApplied.inc({ op: 'add' }, change.add.length);
    metrics.flowsApplied.inc({ op: 'remove' }, change.remove.length);
    if (this.appliedHash !== stateHash(desired)) {
      this.logger.warn(
        { generation: state.generation },
        'the bridge differs from the compiled flows after the apply',
      );
    }
    this.logger.info(
      {
        epoch: state.epoch,
        generation: state.generation,
        flowsAdded: change.add.length,
        flowsRemoved: change.remove.length,
        flows: after.length,
        durationMs: Math.round(performance.now() - startedMs),
      },
      'applied chassis state',
    );
    return {
      result: 'applied',
      ...this.current(),
      flowsAdded: change.add.length,
      flowsRemoved: change.remove.length,
      rejectedPorts: rejected,
    };
  }

  /** Counts, logs and keeps the ports an applied generation left out. */
  private recordRejected(state: ChassisState, rejected: readonly RejectedPort[]): void {
    const { rejectedPorts, rejectedNow } = this.options.metrics;
    for (const port of this.rejectedPorts) rejectedNow.dec({ reason: port.reason });
    for (const port of rejected) {
      rejectedNow.inc({ reason: port.reason });
      rejectedPorts.inc({ reason: port.reason });
    }
    this.rejectedPorts = rejected;
    if (rejected.length > 0) {
      this.logger.warn(
        {
          epoch: state.epoch,
          generation: state.generation,
          rejected: rejected.map((r) => ({
            interfaceId: r.interfaceId,
            remote: r.remote,
            reason: r.reason,
            problems: r.problems,
          })),
        },
        'left ports the flows cannot carry out of the chassis state; applied the rest',
      );
    }
  }

  private compile(state: ChassisState, options: CompileOptions): Flow[] {
    try {
      return compileFlows(state, options);
    } catch (err) {
      if (hasFlowsCode(err, 'invalid-state')) {
        throw new ApplyError('invalid-state', (err as Error).message, { cause: err });
      }
      // The options are the port numbers the datapath gave: its fault, not the state's.
      if (hasFlowsCode(err, 'invalid-options')) {
        throw new ApplyError('datapath', (err as Error).message, { cause: err });
      }
      throw err;
    }
  }

  private current(): { appliedGeneration: number; stateHash: string } {
    return { appliedGeneration: this.appliedGeneration ?? 0, stateHash: this.appliedHash };
  }
}
