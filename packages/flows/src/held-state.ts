import type { ChassisDelta, ChassisState, PortState, RemotePortState, VpcState } from '@vpcd/api';
import { applyDelta, deltaProblems } from './chassis-delta.js';
import { portDigest, remotePortDigest, vpcDigest } from './content-hash.js';
import { FlowsError } from './flows-error.js';
import { DigestSum } from './state-hash.js';

/**
 * What an apply (or a revert) changed in a HeldState: each entry added, replaced or removed, by
 * id, with the entry it held before (undefined for one added). A removed VPC's ports are listed
 * with it. `whole`: the state was replaced as a whole (the maps are then empty): whoever follows
 * it must read it anew.
 */
export interface StateChange {
  readonly whole: boolean;
  readonly vpcs: ReadonlyMap<string, VpcState | undefined>;
  readonly ports: ReadonlyMap<string, PortState | undefined>;
  readonly remotePorts: ReadonlyMap<string, RemotePortState | undefined>;
}

type Held = VpcState | PortState | RemotePortState;
/** The lists of a state, as StateChange names them. */
type List = 'vpcs' | 'ports' | 'remotePorts';

/**
 * One list of the state by id, in the order applyDelta gives (an entry replaced keeps its
 * place, one added goes last), with its entries by VPC and their digests in the content hash.
 */
class Table<T extends Held> {
  readonly byId = new Map<string, T>();
  private readonly byVpc = new Map<string, Set<string>>();

  constructor(
    private readonly digest: (entry: T) => bigint,
    private readonly sum: DigestSum,
  ) {}

  /** Puts `entry` (undefined: removes) at `id`; the entry held before. */
  put(id: string, entry: T | undefined): T | undefined {
    const before = this.byId.get(id);
    if (before !== undefined) {
      this.sum.remove(this.digest(before));
      this.byVpc.get(before.vpcId)?.delete(id);
    }
    if (entry === undefined) {
      this.byId.delete(id);
      return before;
    }
    this.byId.set(id, entry);
    this.sum.add(this.digest(entry));
    const group = this.byVpc.get(entry.vpcId);
    if (group === undefined) this.byVpc.set(entry.vpcId, new Set([id]));
    else group.add(id);
    return before;
  }

  /** The ids of the entries of VPC `vpcId` (held or not): a copy, safe to change the table by. */
  idsOf(vpcId: string): string[] {
    return [...(this.byVpc.get(vpcId) ?? [])];
  }
}

/** What the last apply changed, to undo it: each change in order, and the header it replaced. */
interface UndoLog {
  readonly steps: { readonly list: List; readonly id: string; readonly before?: Held }[];
  readonly header: Header;
  /** The state as given before an apply that replaced it whole. */
  readonly irregular?: ChassisState;
}

interface Header {
  readonly epoch: number;
  readonly generation: number;
  readonly changes: ChassisState['changes'];
}

/**
 * The state a chassis holds, indexed by id so that a delta applies in time proportional to the
 * delta, not to the state: applying one gives what applyDelta gives (the same entries, in the
 * same order, the objects of what the delta leaves alone kept as they are) and reports what
 * changed; contentHash is kept as entries change. A full state whose lists repeat an id (which
 * screening rejects, and applyDelta collapses) is held as given, and its next delta is applied by
 * applyDelta. Not safe for concurrent use; states and entries are never mutated.
 */
export class HeldState {
  readonly chassisId: string;
  private header: Header;
  private readonly sum = new DigestSum();
  private readonly vpcs = new Table<VpcState>(vpcDigest, this.sum);
  private readonly ports = new Table<PortState>(portDigest, this.sum);
  private readonly remotes = new Table<RemotePortState>(remotePortDigest, this.sum);
  /** The state as given when its lists repeat an id; the tables are then empty. */
  private irregular: ChassisState | undefined;
  private undo: UndoLog | undefined;
  private materialized: ChassisState | undefined;

  constructor(state: ChassisState) {
    this.chassisId = state.chassisId;
    this.header = headerOf(state);
    this.fill(state);
  }

  get epoch(): number {
    return this.header.epoch;
  }

  get generation(): number {
    return this.header.generation;
  }

  /** True while the state held is one given whole with an id repeated in a list. */
  get repeatsIds(): boolean {
    return this.irregular !== undefined;
  }

  vpc(vpcId: string): VpcState | undefined {
    return this.vpcs.byId.get(vpcId);
  }

  port(interfaceId: string): PortState | undefined {
    return this.ports.byId.get(interfaceId);
  }

  remotePort(interfaceId: string): RemotePortState | undefined {
    return this.remotes.byId.get(interfaceId);
  }

  /** The VPCs held, in the order of state(). */
  vpcList(): Iterable<VpcState> {
    return this.vpcs.byId.values();
  }

  /** The interface ids of the ports of `vpcId`, whether the VPC is held or not. */
  portsOf(vpcId: string): readonly string[] {
    return this.ports.idsOf(vpcId);
  }

  remotePortsOf(vpcId: string): readonly string[] {
    return this.remotes.idsOf(vpcId);
  }

  /** contentHash of the state held, kept as it changes. */
  contentHash(): string {
    return this.sum.hex();
  }

  /** The state held as a ChassisState: built when asked (O(state)), then kept until a change. */
  state(): ChassisState {
    this.materialized ??= this.irregular ?? {
      chassisId: this.chassisId,
      epoch: this.header.epoch,
      generation: this.header.generation,
      vpcs: [...this.vpcs.byId.values()],
      ports: [...this.ports.byId.values()],
      remotePorts: [...this.remotes.byId.values()],
      changes: this.header.changes,
    };
    return this.materialized;
  }

  /**
   * Applies `delta` as applyDelta does, in place, and answers what changed. Throws FlowsError
   * `invalid-delta` with applyDelta's problems on the deltas applyDelta refuses, and then holds
   * what it held. The base revision is the caller's to check.
   */
  apply(delta: ChassisDelta): StateChange {
    if (this.irregular !== undefined) return this.replace(applyDelta(this.irregular, delta));
    const problems = deltaProblems(delta, this.chassisId, (id) => this.vpcs.byId.has(id));
    if (problems.length > 0) throw new FlowsError('invalid-delta', problems);
    const log: UndoLog = { steps: [], header: this.header };
    const change = emptyChange();
    const put = (list: List, id: string, entry: Held | undefined) => {
      const before = this.table(list).put(id, entry);
      log.steps.push({ list, id, before });
      const changed = change[list] as Map<string, Held | undefined>;
      if (!changed.has(id)) changed.set(id, before);
    };
    for (const vpcId of new Set(delta.removedVpcs)) {
      put('vpcs', vpcId, undefined);
      for (const id of this.ports.idsOf(vpcId)) put('ports', id, undefined);
      for (const id of this.remotes.idsOf(vpcId)) put('remotePorts', id, undefined);
    }
    for (const vpc of delta.vpcs) put('vpcs', vpc.vpcId, vpc);
    for (const id of delta.removedPorts) put('ports', id, undefined);
    for (const port of delta.ports) put('ports', port.interfaceId, port);
    for (const id of delta.removedRemotePorts) put('remotePorts', id, undefined);
    for (const port of delta.remotePorts) put('remotePorts', port.interfaceId, port);
    this.header = headerOf(delta);
    this.undo = log;
    this.materialized = undefined;
    return change;
  }

  /**
   * Undoes the last apply, when the state it gave could not be programmed, and answers what that
   * changed back; nothing when there is none to undo. Entries come back with their objects, but
   * an entry removed and restored goes last in its list.
   */
  revert(): StateChange {
    const log = this.undo;
    this.undo = undefined;
    if (log === undefined) return emptyChange();
    this.materialized = undefined;
    this.header = log.header;
    if (log.irregular !== undefined) {
      this.fill(log.irregular);
      return { ...emptyChange(), whole: true };
    }
    const change = emptyChange();
    for (let i = log.steps.length - 1; i >= 0; i--) {
      const { list, id, before } = log.steps[i]!;
      const now = this.table(list).put(id, before);
      // The first step undone for an id is the last done: it replaces what the apply left.
      const changed = change[list] as Map<string, Held | undefined>;
      if (!changed.has(id)) changed.set(id, now);
    }
    return change;
  }

  private table(list: List): Table<Held> {
    const tables = { vpcs: this.vpcs, ports: this.ports, remotePorts: this.remotes };
    return tables[list] as Table<Held>;
  }

  /** Holds `state` (of a delta applied to a state that repeats ids) in place of the irregular. */
  private replace(state: ChassisState): StateChange {
    const irregular = this.irregular!;
    const header = this.header;
    this.fill(state);
    this.header = headerOf(state);
    this.undo = { steps: [], header, irregular };
    this.materialized = undefined;
    return { ...emptyChange(), whole: true };
  }

  /** Holds `state` in place of whatever was held. */
  private fill(state: ChassisState): void {
    if (this.irregular !== undefined) {
      for (const digest of digestsOf(this.irregular)) this.sum.remove(digest);
    }
    for (const list of ['vpcs', 'ports', 'remotePorts'] as const) {
      const table = this.table(list);
      for (const id of [...table.byId.keys()]) table.put(id, undefined);
    }
    const repeats = (ids: readonly string[]) => new Set(ids).size !== ids.length;
    if (
      repeats(state.vpcs.map((vpc) => vpc.vpcId)) ||
      repeats(state.ports.map((port) => port.interfaceId)) ||
      repeats(state.remotePorts.map((port) => port.interfaceId))
    ) {
      this.irregular = state;
      for (const digest of digestsOf(state)) this.sum.add(digest);
      return;
    }
    this.irregular = undefined;
    for (const vpc of state.vpcs) this.vpcs.put(vpc.vpcId, vpc);
    for (const port of state.ports) this.ports.put(port.interfaceId, port);
    for (const port of state.remotePorts) this.remotes.put(port.interfaceId, port);
  }
}

function emptyChange(): {
  whole: boolean;
  vpcs: Map<string, VpcState | undefined>;
  ports: Map<string, PortState | undefined>;
  remotePorts: Map<string, RemotePortState | undefined>;
} {
  return { whole: false, vpcs: new Map(), ports: new Map(), remotePorts: new Map() };
}

const headerOf = ({ epoch, generation, changes }: Header): Header => ({
  epoch,
  generation,
  changes,
});

function* digestsOf(state: ChassisState): Iterable<bigint> {
  for (const vpc of state.vpcs) yield vpcDigest(vpc);
  for (const port of state.ports) yield portDigest(port);
  for (const port of state.remotePorts) yield remotePortDigest(port);
}
