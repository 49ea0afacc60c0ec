import { SpanStatusCode, trace, type Tracer, type TracerProvider } from '@opentelemetry/api';
import type { ChassisDelta, ChassisState } from '@vpcd/api';
import {
  CompiledChassis,
  diff,
  hasFlowsCode,
  HeldState,
  StateScreen,
  stateHash,
  type CompileOptions,
  type Flow,
  type FlowDiff,
  type RejectedPort,
  type StateChange,
} from '@vpcd/flows';
import type { Logger } from 'pino';
import type { Datapath, UnboundPort } from '../datapath/datapath.js';
import { isBridgeNotExist } from '../datapath/ovs-error.js';
import { ApplyError, isApplyError } from './apply-error.js';
import {
  auditBridge,
  bindable,
  bindableChange,
  bindState,
  canDriftBehindOurBack,
  type AuditFinding,
  type Programmed,
} from './bridge-audit.js';
import type { HvflowdMetrics } from './hvflowd-metrics.js';
import { SerialQueue } from './serial-queue.js';

/**
 * What an apply did. `unchanged`: the revision was applied already; `needs-full`: a delta not on
 * the revision held, of which nothing was applied. In both the datapath was not touched, and the
 * figures are those of the state held.
 */
export interface ApplyOutcome {
  readonly result: 'applied' | 'unchanged' | 'needs-full';
  readonly appliedGeneration: number;
  readonly stateHash: string;
  /** contentHash of the logical state held after the apply. */
  readonly contentHash: string;
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
  /** The revision of the state held; 0 before the first apply. */
  readonly generation: number;
  /** The epoch of the state held; 0 before the first apply. */
  readonly appliedEpoch: number;
  /** contentHash of the state held; '' before the first apply. */
  readonly contentHash: string;
  /** stateHash of the flows on the bridge now. */
  readonly stateHash: string;
  readonly flows: readonly Flow[];
}

/** Where a state comes from: a northd's converge work (fenced), or the chassis' own sync. */
type StateOrigin = 'converge' | 'initial-sync';

/** One message of converge work: a full state, or a delta on the revision held. */
type Work =
  | { readonly kind: 'state'; readonly state: ChassisState }
  | { readonly kind: 'delta'; readonly delta: ChassisDelta };

/**
 * The logical state a chassis holds (as sent, unscreened), what the next delta applies to, kept
 * indexed so that a delta costs what it changes, with its screening kept alongside.
 */
interface Held {
  readonly state: HeldState;
  readonly screen: StateScreen;
}

/** A state to program: the held state it is, what changed in its screening, and how to undo it. */
interface NextState extends Held {
  /** What changed in the accepted state since the one programmed last; `whole` for a full state. */
  readonly change: StateChange;
  /** Puts back the state held before, when this one could not be programmed. */
  undo(): void;
}

/** The epoch, revision and content hash of the state last applied. */
interface AppliedState {
  readonly epoch: number;
  readonly generation: number;
  readonly contentHash: string;
}

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
  /** The logical state last applied; ahead of `appliedState` while a delta is programmed. */
  private held: Held | undefined;
  private appliedState: AppliedState | undefined;
  private appliedHash = '';
  /** The ports the last apply left out: screened out of its state, then those left unbound. */
  private rejectedPorts: readonly RejectedPort[] = [];
  /** The part of rejectedPorts that screening found: an audit that binds a port keeps these. */
  private screenedOut: readonly RejectedPort[] = [];
  private programmed: Programmed | undefined;
  /** The flows of the state held, kept by part so that a delta compiles only what it touches. */
  private readonly compiled = new CompiledChassis();
  private bridgeReady = false;

  constructor(private readonly options: ChassisRuntimeOptions) {
    this.chassisId = options.chassisId;
    this.datapath = options.datapath;
    this.queue = new SerialQueue(options.metrics.applyQueue);
    this.logger = options.logger.child({ chassis: options.chassisId });
    this.tracer = (options.tracerProvider ?? trace.getTracerProvider()).getTracer('@vpcd/hvflowd');
  }

  /**
   * The epoch and revision of the state held (0 before the first apply), the hash of the flows
   * it left and the hash of its content; no I/O.
   */
  get applied(): {
    readonly epoch: number;
    readonly generation: number;
    readonly stateHash: string;
    readonly contentHash: string;
  } {
    const now = this.current();
    return {
      epoch: this.appliedState?.epoch ?? 0,
      generation: now.appliedGeneration,
      stateHash: now.stateHash,
      contentHash: now.contentHash,
    };
  }

  /**
   * Programs the chassis to `state`, converge work of the northd that holds its lease. A port the
   * flows cannot carry is left out and reported in the outcome; the rest is applied. Rejects
   * with ApplyError when refused (`stale-epoch`, `wrong-chassis`, `invalid-state`), when the
   * datapath's port numbers do not fit (`datapath`), and with the datapath's error (OvsError)
   * when it fails.
   */
  apply(state: ChassisState): Promise<ApplyOutcome> {
    return this.queue.run(() => this.applyNow({ kind: 'state', state }, 'converge'));
  }

  /**
   * Applies a delta of the lease owner's chain to the state held, and programs the result as
   * `apply` does. A delta whose base is not the revision held (or of another epoch) applies
   * nothing: the outcome is `needs-full`. Rejects as `apply` does, and with ApplyError
   * `invalid-state` for a delta that does not fit the state held (see applyDelta).
   */
  applyDelta(delta: ChassisDelta): Promise<ApplyOutcome> {
    return this.queue.run(() => this.applyNow({ kind: 'delta', delta }, 'converge'));
  }

  /**
   * Programs the chassis to the state its agent pulled with SyncInitialChassis. That state is the
   * database's committed state, read for the chassis itself, not work of a northd that may have
   * been deposed since: it is never fenced. It is in no chain (revision 0): it applies before
   * anything else has, or with a higher epoch than the state held; otherwise the owner's work
   * came first and the sync is `unchanged`. A higher epoch fences the work of older owners from
   * then on, and the owner's next delta is refused (`needs-full`): a full state follows.
   */
  applyInitialSync(state: ChassisState): Promise<ApplyOutcome> {
    return this.queue.run(() => this.applyNow({ kind: 'state', state }, 'initial-sync'));
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
      // The bridge holds exactly the flows programmed: their hash is the one the applies kept.
      return this.snapshotOf(actual, this.appliedHash);
    }
    const details = {
      generation: this.appliedState?.generation,
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
    // A port the switch numbered (or stopped numbering) since the apply: its flows followed.
    const [held, applied] = [this.held, this.appliedState];
    if (held && applied && programmed.unbound.length + finding.programmed.unbound.length > 0) {
      const { unbound } = finding.programmed;
      this.recordRejected(applied, withUnbound(this.screenedOut, held.screen, unbound));
    }
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
      // Ports that moved are compiled anew; the compiled flows follow what the repair programs.
      auditBridge(this.datapath, programmed, (state, ports) => {
        // What was programmed keeps its flows, should the repair fail (see programmedOf).
        void programmed.flows;
        this.recompile(state, ports);
        return this.compiled.flows();
      });
    try {
      return await audit();
    } catch (err) {
      if (!isBridgeNotExist(err)) throw err;
      this.logger.warn({ err }, 'the bridge is gone; creating it again');
      await this.datapath.ensureBridge();
      return audit();
    }
  }

  /**
   * `hash`: stateHash of `flows` when the caller knows it; else the datapath's own when it keeps
   * one (hashing every flow at each heartbeat was most of a simulated fleet's work).
   */
  private snapshotOf(
    flows: Flow[],
    hash = this.datapath.flowsHash?.() ?? stateHash(flows),
  ): ChassisSnapshot {
    return {
      chassisId: this.chassisId,
      epoch: this.highestEpoch,
      generation: this.appliedState?.generation ?? 0,
      appliedEpoch: this.appliedState?.epoch ?? 0,
      contentHash: this.appliedState?.contentHash ?? '',
      stateHash: hash,
      flows,
    };
  }

  /**
   * Whether a message applies (design: chained deltas). A converge message of an epoch below the
   * highest seen is fenced. A full state applies unless it is of the held epoch at a revision
   * held already (a duplicate). A delta applies only on the revision it names as its base, in
   * the held epoch; a duplicate of one applied is `unchanged`; anything else needs a full state.
   * The initial sync (revision 0, in no chain) applies only before anything else or with a
   * higher epoch than the held one, and is never fenced.
   */
  private decide(work: Work, origin: StateOrigin): 'apply' | 'unchanged' | 'needs-full' {
    const { epoch, generation } = work.kind === 'state' ? work.state : work.delta;
    if (origin === 'converge' && epoch < this.highestEpoch) {
      this.options.metrics.fenced.inc();
      this.logger.warn(
        { epoch, highestEpoch: this.highestEpoch, generation, kind: work.kind },
        'refused converge work of a stale epoch',
      );
      this.options.metrics.applies.inc({ result: 'fenced' });
      throw new ApplyError('stale-epoch', `stale epoch ${epoch} < ${this.highestEpoch}`);
    }
    this.highestEpoch = Math.max(this.highestEpoch, epoch);
    const held = this.appliedState;
    const sameEpoch = held !== undefined && held.epoch === epoch;
    if (origin === 'initial-sync') {
      return held === undefined || epoch > held.epoch ? 'apply' : 'unchanged';
    }
    if (sameEpoch && generation <= held.generation) return 'unchanged';
    if (work.kind === 'state') return 'apply';
    return sameEpoch && work.delta.baseGeneration === held.generation ? 'apply' : 'needs-full';
  }

  private async applyNow(work: Work, origin: StateOrigin): Promise<ApplyOutcome> {
    const { metrics } = this.options;
    const message = work.kind === 'state' ? work.state : work.delta;
    if (message.chassisId !== this.chassisId) {
      metrics.applies.inc({ result: 'rejected' });
      throw new ApplyError(
        'wrong-chassis',
        `${work.kind} of chassis "${message.chassisId}" sent to ${this.chassisId}`,
      );
    }
    const verdict = this.decide(work, origin);
    if (verdict !== 'apply') {
      metrics.applies.inc({ result: verdict === 'unchanged' ? 'unchanged' : 'needs_full' });
      if (verdict === 'needs-full') {
        this.logger.info(
          {
            epoch: message.epoch,
            baseGeneration: work.kind === 'delta' ? work.delta.baseGeneration : undefined,
            heldEpoch: this.appliedState?.epoch,
            heldGeneration: this.appliedState?.generation,
          },
          'a delta not on the revision held: asking for a full state',
        );
      }
      return {
        result: verdict,
        ...this.current(),
        flowsAdded: 0,
        flowsRemoved: 0,
        rejectedPorts: this.rejectedPorts,
      };
    }
    const next = work.kind === 'state' ? fresh(work.state) : this.patched(work.delta);
    const stopTimer = metrics.applyDuration.startTimer();
    return this.tracer.startActiveSpan('hvflowd apply', async (span) => {
      span.setAttributes({
        'vpcd.chassis_id': this.chassisId,
        'vpcd.epoch': next.state.epoch,
        'vpcd.generation': next.state.generation,
        'vpcd.kind': work.kind,
      });
      try {
        const outcome = await this.program(next);
        metrics.applies.inc({ result: work.kind === 'delta' ? 'delta' : 'applied' });
        span.setAttributes({
          'vpcd.flows_added': outcome.flowsAdded,
          'vpcd.flows_removed': outcome.flowsRemoved,
        });
        return outcome;
      } catch (err) {
        // Whatever failed may have been the bridge itself: make sure of it again next time.
        this.bridgeReady = false;
        next.undo();
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

  /**
   * The held state with `delta` applied, in place, and screened: in time proportional to the
   * delta. A delta that does not fit it is refused, and changes nothing.
   */
  private patched(delta: ChassisDelta): NextState {
    const { state, screen } = this.held!;
    // A state that repeats ids changes whole, screening included: what was programmed of it is
    // read now (see programmedOf).
    if (state.repeatsIds) void this.programmed?.state;
    try {
      const change = screen.update(state.apply(delta));
      return { state, screen, change, undo: () => screen.update(state.revert()) };
    } catch (err) {
      this.options.metrics.applies.inc({ result: 'rejected' });
      if (hasFlowsCode(err, 'invalid-delta')) {
        throw new ApplyError('invalid-state', (err as Error).message, { cause: err });
      }
      throw err;
    }
  }

  /**
   * Programs the bridge to `state` by the difference between the flows the last apply left and
   * the flows of `state`: the bridge is read only when nothing was programmed since the start or
   * a failure (the heartbeat's audit reads it and repairs drift).
   */
  private async program(next: NextState): Promise<ApplyOutcome> {
    const { datapath, metrics } = this.options;
    const { state, screen } = next;
    const startedMs = performance.now();
    if (!this.bridgeReady) {
      await datapath.ensureBridge();
      this.bridgeReady = true;
    }
    // One tenant's bad port costs only itself: it is neither bound nor compiled (the screen
    // left it out of its accepted state).
    const rejected = screen.rejected;
    // Binding changes ports before it can fail: until this apply is through, the bridge is not
    // what the previous state says, and an audit must not bind that state's ports back.
    const previous = this.programmed;
    this.programmed = undefined;
    // A change that leaves the local ports alone (a remote port, most changes a chassis hears
    // of) needs no port binding, which on Open vSwitch lists every interface; ports renumbered
    // behind hvflowd's back meanwhile are the heartbeat audit's to find, as between applies.
    // Ports the switch left unnumbered are asked about again at every apply until it numbers them.
    const { ports, unbound } =
      previous !== undefined &&
      previous.unbound.length === 0 &&
      (next.change.whole
        ? sameLocalPorts(previous.state.ports, screen.accepted().ports)
        : !localPortsMoved(next.change, screen))
        ? previous
        : await bindState(datapath, screen.accepted());
    // After a failure (nothing programmed) the flows compiled last may be of any state.
    const compiled =
      previous === undefined || next.change.whole
        ? this.recompile(screen.accepted(), ports)
        : this.compiling(() =>
            this.compiled.updateChanged(bindableChange(screen, next.change, ports), ports),
          );
    const change = previous ? compiled : diff(await datapath.dumpFlows(), this.compiled.flows());
    await datapath.applyFlowMods(change);
    this.appliedHash = this.compiled.stateHash();
    this.programmed = programmedOf(screen, this.compiled, ports, unbound);
    this.held = { state, screen };
    this.appliedState = {
      epoch: state.epoch,
      generation: state.generation,
      contentHash: state.contentHash(),
    };
    this.screenedOut = rejected;
    const leftOut = withUnbound(rejected, screen, unbound);
    this.recordRejected(state, leftOut);
    metrics.appliedGeneration.set({ chassis: this.chassisId }, state.generation);
    metrics.flowsApplied.inc({ op: 'add' }, change.add.length);
    metrics.flowsApplied.inc({ op: 'remove' }, change.remove.length);
    this.logger.info(
      {
        epoch: state.epoch,
        generation: state.generation,
        flowsAdded: change.add.length,
        flowsRemoved: change.remove.length,
        flows: this.compiled.size,
        durationMs: Math.round(performance.now() - startedMs),
      },
      'applied chassis state',
    );
    return {
      result: 'applied',
      ...this.current(),
      flowsAdded: change.add.length,
      flowsRemoved: change.remove.length,
      rejectedPorts: leftOut,
    };
  }

  /** Counts, logs and keeps the ports an applied generation left out. */
  private recordRejected(
    state: { readonly epoch: number; readonly generation: number },
    rejected: readonly RejectedPort[],
  ): void {
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

  /**
   * Compiles the parts of `state` that changed, without the ports the switch has not numbered;
   * the change from the flows compiled before.
   */
  private recompile(state: ChassisState, options: CompileOptions): FlowDiff {
    return this.compiling(() => this.compiled.update(bindable(state, options), options));
  }

  /** Runs a compilation, turning the compiler's refusals into the runtime's. */
  private compiling<T>(compile: () => T): T {
    try {
      return compile();
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

  private current(): { appliedGeneration: number; stateHash: string; contentHash: string } {
    return {
      appliedGeneration: this.appliedState?.generation ?? 0,
      stateHash: this.appliedHash,
      contentHash: this.appliedState?.contentHash ?? '',
    };
  }
}

/** A full state to program: held and screened anew (O(state)); nothing to undo. */
function fresh(state: ChassisState): NextState {
  const held = new HeldState(state);
  const screen = new StateScreen(held);
  const change = { whole: true, vpcs: new Map(), ports: new Map(), remotePorts: new Map() };
  return { state: held, screen, change, undo: () => undefined };
}

/**
 * What an apply programmed. Its state (the screen's accepted state) and its flows (a copy of the
 * compiled ones) are built when first read, by an audit or a full state's comparison of local
 * ports, not at each apply: copying 30,000 flows a delta was most of a delta's cost on a large
 * chassis. Each must be read before the screen or the compiled flows change, or not at all:
 * patched reads the state before a change of the whole state, inspect the flows before it
 * compiles anew, and an apply drops what was programmed before either changes.
 */
function programmedOf(
  screen: StateScreen,
  compiled: CompiledChassis,
  ports: CompileOptions,
  unbound: readonly UnboundPort[],
): Programmed {
  let state: ChassisState | undefined;
  let flows: readonly Flow[] | undefined;
  return {
    get state() {
      return (state ??= screen.accepted());
    },
    get flows() {
      return (flows ??= compiled.flows());
    },
    ports,
    unbound,
  };
}

/**
 * The screened-out ports and then the unbound ones, as rejected ports of `reason` port-unbound;
 * `screen` gives the VPC of each.
 */
function withUnbound(
  screenedOut: readonly RejectedPort[],
  screen: StateScreen,
  unbound: readonly UnboundPort[],
): readonly RejectedPort[] {
  if (unbound.length === 0) return screenedOut;
  return [
    ...screenedOut,
    ...unbound.map(({ interfaceId, message }) => ({
      interfaceId,
      vpcId: screen.port(interfaceId)?.vpcId ?? '',
      remote: false,
      reason: 'port-unbound' as const,
      problems: [`port ${JSON.stringify(interfaceId)}: ${message}`],
    })),
  ];
}

/**
 * Whether binding after `change` would ask the datapath for more than it bound before: a local
 * port accepted or no longer accepted, or its MAC changed. The ports `change` does not name are
 * those bound before; sameLocalPorts, for the change of a whole state.
 */
function localPortsMoved(change: StateChange, screen: StateScreen): boolean {
  for (const [id, before] of change.ports) {
    if (before?.mac.toLowerCase() !== screen.port(id)?.mac.toLowerCase()) return true;
  }
  return false;
}

/** Whether binding `now` would ask the datapath for what it bound for `before`. */
function sameLocalPorts(before: ChassisState['ports'], now: ChassisState['ports']): boolean {
  if (before.length !== now.length) return false;
  const macs = new Map(before.map((port) => [port.interfaceId, port.mac.toLowerCase()]));
  return now.every((port) => macs.get(port.interfaceId) === port.mac.toLowerCase());
}
