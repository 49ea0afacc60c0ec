import type { ChassisState, PortState, RemotePortState, VpcState } from '@vpcd/api';
import type { HeldState, StateChange } from './held-state.js';
import {
  compareRejected,
  ipKeyOf,
  screenChassisState,
  screenPort,
  vpcRefusal,
  type AnyPort,
  type PortContext,
  type RejectedPort,
  type ScreenedState,
} from './screen-state.js';

/** A VPC's verdict: the entry its ports are checked in, or why it is refused. */
interface VpcVerdict {
  readonly good?: VpcState;
  readonly refusal?: readonly string[];
}

/** `port:<id>` or `remote:<id>`: one port of either list. */
type PortKey = string;
const keyOf = (remote: boolean, interfaceId: string): PortKey =>
  `${remote ? 'remote' : 'port'}:${interfaceId}`;

/**
 * screenChassisState of a HeldState, kept as deltas change it: the counts it screens duplicates
 * by (interface ids, `vpc/ip`, VNIs) are kept as entries change, and only the ports whose
 * verdict a change can move are screened again: the ports changed, those sharing an id or IP key
 * with one, and the ports of a VPC whose verdict moved (which a VPC sharing its old or new VNI
 * can). Its accepted state, rejected ports and VPC problems are those screenChassisState gives
 * for held.state(). A state that repeats ids is screened whole. Not safe for concurrent use.
 */
export class StateScreen {
  private full: ScreenedState | undefined;
  private readonly vniUsers = new Map<number, Set<string>>();
  private readonly ipUsers = new Map<string, Set<PortKey>>();
  private readonly verdicts = new Map<string, VpcVerdict>();
  private readonly acceptedVpcs = new Map<string, VpcState>();
  private readonly acceptedPorts = new Map<string, PortState>();
  private readonly acceptedRemotes = new Map<string, RemotePortState>();
  private readonly rejectedBy = new Map<PortKey, RejectedPort>();
  private rejectedList: readonly RejectedPort[] = [];
  private problems: readonly string[] = [];
  private acceptedState: ChassisState | undefined;
  /** Whether a VPC's refusal moved since vpcProblems was listed. */
  private problemsMoved = false;
  private readonly context: PortContext;

  /** Screens `held` whole; `update` follows its changes from then on. */
  constructor(private readonly held: HeldState) {
    this.context = {
      chassisId: held.chassisId,
      refusal: (vpcId) => this.verdicts.get(vpcId)?.refusal,
      vpc: (vpcId) => this.verdicts.get(vpcId)?.good,
      sharedId: (id) => held.port(id) !== undefined && held.remotePort(id) !== undefined,
      sharedIp: (key) => (this.ipUsers.get(key)?.size ?? 0) > 1,
    };
    this.screenWhole();
  }

  /** Rejected ports, sorted as screenChassisState sorts them; a new array when they change. */
  get rejected(): readonly RejectedPort[] {
    return this.rejectedList;
  }

  get vpcProblems(): readonly string[] {
    return this.problems;
  }

  /** The accepted state: built when asked (O(state)), then kept until the next update. */
  accepted(): ChassisState {
    if (this.full !== undefined) return this.full.accepted;
    if (this.acceptedState === undefined) {
      const state = this.held.state();
      this.acceptedState = {
        ...state,
        vpcs: state.vpcs.filter((vpc) => this.acceptedVpcs.get(vpc.vpcId) === vpc),
        ports: state.ports.filter((port) => this.acceptedPorts.get(port.interfaceId) === port),
        remotePorts: state.remotePorts.filter(
          (port) => this.acceptedRemotes.get(port.interfaceId) === port,
        ),
      };
    }
    return this.acceptedState;
  }

  /** The accepted VPC of this id, if any. */
  vpc(vpcId: string): VpcState | undefined {
    return this.acceptedVpcs.get(vpcId);
  }

  port(interfaceId: string): PortState | undefined {
    return this.acceptedPorts.get(interfaceId);
  }

  remotePort(interfaceId: string): RemotePortState | undefined {
    return this.acceptedRemotes.get(interfaceId);
  }

  /**
   * Follows `change`, what the held state's apply or revert just did, and answers what changed
   * in the accepted state: each accepted entry added, replaced or removed, with the one accepted
   * before. Time proportional to the ports the change can concern. Must follow every apply and
   * revert of the held state, in turn: the counts it keeps are of the state before `change`.
   */
  update(change: StateChange): StateChange {
    this.acceptedState = undefined;
    if (change.whole || this.full !== undefined) {
      this.screenWhole();
      return { whole: true, vpcs: new Map(), ports: new Map(), remotePorts: new Map() };
    }
    const out = {
      whole: false,
      vpcs: new Map<string, VpcState | undefined>(),
      ports: new Map<string, PortState | undefined>(),
      remotePorts: new Map<string, RemotePortState | undefined>(),
    };
    const again = new Set<PortKey>();
    for (const vpcId of this.countVpcs(change.vpcs)) {
      if (!this.judgeVpc(vpcId, out.vpcs)) continue;
      for (const id of this.held.portsOf(vpcId)) again.add(keyOf(false, id));
      for (const id of this.held.remotePortsOf(vpcId)) again.add(keyOf(true, id));
    }
    const keys = new Set<string>();
    const countPorts = (changed: StateChange['ports' | 'remotePorts'], remote: boolean) => {
      for (const [id, before] of changed) {
        const now = remote ? this.held.remotePort(id) : this.held.port(id);
        this.countIp(keyOf(remote, id), before, now, keys);
        again.add(keyOf(false, id)).add(keyOf(true, id));
      }
    };
    countPorts(change.ports, false);
    countPorts(change.remotePorts, true);
    for (const key of keys) for (const port of this.ipUsers.get(key) ?? []) again.add(port);

    const rejections = new Map<PortKey, RejectedPort | undefined>();
    for (const key of again) {
      const remote = key.startsWith('remote:');
      const id = key.slice(remote ? 'remote:'.length : 'port:'.length);
      const changed = (remote ? out.remotePorts : out.ports) as Map<string, AnyPort | undefined>;
      this.judgePort(remote, id, changed, rejections);
    }
    this.rejectedList = patchSorted(this.rejectedList, rejections);
    if (this.problemsMoved) this.problems = this.listProblems();
    return out;
  }

  /**
   * Counts the VNIs of the VPCs changed anew; the VPCs whose verdict may have moved: those
   * changed and those that share their old or new VNI.
   */
  private countVpcs(changed: StateChange['vpcs']): Set<string> {
    const vnis = new Set<number>();
    for (const [vpcId, before] of changed) {
      if (before !== undefined) {
        const users = this.vniUsers.get(before.vni)!;
        users.delete(vpcId);
        if (users.size === 0) this.vniUsers.delete(before.vni);
        vnis.add(before.vni);
      }
      const now = this.held.vpc(vpcId);
      if (now !== undefined) addTo(this.vniUsers, now.vni, vpcId);
    }
    const judged = new Set(changed.keys());
    for (const vni of vnis) for (const vpcId of this.vniUsers.get(vni) ?? []) judged.add(vpcId);
    for (const vpcId of changed.keys()) {
      const now = this.held.vpc(vpcId);
      if (now !== undefined) for (const other of this.vniUsers.get(now.vni)!) judged.add(other);
    }
    return judged;
  }

  /** Judges a VPC anew; whether its verdict moved. Records a change of its accepted entry. */
  private judgeVpc(vpcId: string, out: Map<string, VpcState | undefined>): boolean {
    const entry = this.held.vpc(vpcId);
    let verdict: VpcVerdict | undefined;
    if (entry !== undefined) {
      const sharedVni = (vni: number) => (this.vniUsers.get(vni)?.size ?? 0) > 1;
      const refusal = vpcRefusal(vpcId, [entry], sharedVni);
      verdict = refusal.length > 0 ? { refusal } : { good: entry };
    }
    const before = this.verdicts.get(vpcId);
    if (verdict === undefined) this.verdicts.delete(vpcId);
    else this.verdicts.set(vpcId, verdict);
    const refusalMoved = before?.refusal?.join('\n') !== verdict?.refusal?.join('\n');
    this.problemsMoved ||= refusalMoved;
    const accepted = this.acceptedVpcs.get(vpcId);
    if (accepted !== verdict?.good) {
      if (!out.has(vpcId)) out.set(vpcId, accepted);
      if (verdict?.good === undefined) this.acceptedVpcs.delete(vpcId);
      else this.acceptedVpcs.set(vpcId, verdict.good);
    }
    return refusalMoved || before?.good !== verdict?.good;
  }

  /** Moves port `key` from the IP key of `before` to that of `now`; both keys go to `keys`. */
  private countIp(
    key: PortKey,
    before: AnyPort | undefined,
    now: AnyPort | undefined,
    keys: Set<string>,
  ): void {
    const old = before === undefined ? undefined : ipKeyOf(before);
    if (old !== undefined) {
      const users = this.ipUsers.get(old)!;
      users.delete(key);
      if (users.size === 0) this.ipUsers.delete(old);
      keys.add(old);
    }
    const next = now === undefined ? undefined : ipKeyOf(now);
    if (next !== undefined) {
      addTo(this.ipUsers, next, key);
      keys.add(next);
    }
  }

  /** Screens one port anew, recording a change of its accepted entry and of its rejection. */
  private judgePort(
    remote: boolean,
    id: string,
    out: Map<string, AnyPort | undefined>,
    rejections: Map<PortKey, RejectedPort | undefined>,
  ): void {
    const port = remote ? this.held.remotePort(id) : this.held.port(id);
    const rejection = port === undefined ? undefined : screenPort(port, remote, this.context);
    const after = rejection === undefined ? port : undefined;
    const accepted = (remote ? this.acceptedRemotes : this.acceptedPorts) as Map<string, AnyPort>;
    const before = accepted.get(id);
    if (before !== after) {
      if (!out.has(id)) out.set(id, before);
      if (after === undefined) accepted.delete(id);
      else accepted.set(id, after);
    }
    const key = keyOf(remote, id);
    const was = this.rejectedBy.get(key);
    if (sameRejection(was, rejection)) return;
    if (rejection === undefined) this.rejectedBy.delete(key);
    else this.rejectedBy.set(key, rejection);
    rejections.set(key, rejection);
  }

  /** Each refused VPC's problems, in the order of the held VPCs (as screenChassisState). */
  private listProblems(): string[] {
    this.problemsMoved = false;
    const problems: string[] = [];
    for (const vpc of this.held.vpcList()) {
      problems.push(...(this.verdicts.get(vpc.vpcId)?.refusal ?? []));
    }
    return problems;
  }

  private screenWhole(): void {
    for (const map of [
      this.vniUsers,
      this.ipUsers,
      this.verdicts,
      this.acceptedVpcs,
      this.acceptedPorts,
      this.acceptedRemotes,
      this.rejectedBy,
    ] as Map<unknown, unknown>[]) {
      map.clear();
    }
    this.acceptedState = undefined;
    if (this.held.repeatsIds) {
      this.full = screenChassisState(this.held.state());
      const { accepted, rejected, vpcProblems } = this.full;
      for (const vpc of accepted.vpcs) this.acceptedVpcs.set(vpc.vpcId, vpc);
      for (const port of accepted.ports) this.acceptedPorts.set(port.interfaceId, port);
      for (const port of accepted.remotePorts) this.acceptedRemotes.set(port.interfaceId, port);
      this.rejectedList = rejected;
      this.problems = vpcProblems;
      return;
    }
    this.full = undefined;
    const state = this.held.state();
    const keys = new Set<string>();
    for (const vpc of state.vpcs) addTo(this.vniUsers, vpc.vni, vpc.vpcId);
    for (const vpc of state.vpcs) this.judgeVpc(vpc.vpcId, new Map());
    for (const port of state.ports)
      this.countIp(keyOf(false, port.interfaceId), undefined, port, keys);
    for (const port of state.remotePorts) {
      this.countIp(keyOf(true, port.interfaceId), undefined, port, keys);
    }
    const rejections = new Map<PortKey, RejectedPort | undefined>();
    for (const port of state.ports) this.judgePort(false, port.interfaceId, new Map(), rejections);
    for (const port of state.remotePorts) {
      this.judgePort(true, port.interfaceId, new Map(), rejections);
    }
    this.rejectedList = [...this.rejectedBy.values()].sort(compareRejected);
    this.problems = this.listProblems();
  }
}

function addTo<K, V>(map: Map<K, Set<V>>, key: K, value: V): void {
  const set = map.get(key);
  if (set === undefined) map.set(key, new Set([value]));
  else set.add(value);
}

function sameRejection(a: RejectedPort | undefined, b: RejectedPort | undefined): boolean {
  return (
    a === b ||
    (a !== undefined &&
      b !== undefined &&
      a.vpcId === b.vpcId &&
      a.reason === b.reason &&
      a.problems.join('\n') === b.problems.join('\n'))
  );
}

/**
 * `list` (sorted by compareRejected) with the rejections of `changes` put in or taken out, by
 * their key: a new array when anything changed (a caller may keep the old one), else `list`.
 */
function patchSorted(
  list: readonly RejectedPort[],
  changes: ReadonlyMap<PortKey, RejectedPort | undefined>,
): readonly RejectedPort[] {
  if (changes.size === 0) return list;
  const patched = [...list];
  for (const [key, rejection] of changes) {
    const remote = key.startsWith('remote:');
    const probe = {
      interfaceId: key.slice(remote ? 'remote:'.length : 'port:'.length),
      remote,
    } as RejectedPort;
    let [low, high] = [0, patched.length];
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (compareRejected(patched[middle]!, probe) < 0) low = middle + 1;
      else high = middle;
    }
    const present = low < patched.length && compareRejected(patched[low]!, probe) === 0;
    if (rejection === undefined) {
      if (present) patched.splice(low, 1);
    } else patched.splice(low, present ? 1 : 0, rejection);
  }
  return patched;
}
