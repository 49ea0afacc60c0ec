import type { ChassisState } from '@vpcd/api';
import type { CompileOptions } from './chassis-plan.js';
import { compileFlows } from './compile.js';
import { cookieFor } from './cookie.js';
import { diff, type FlowDiff } from './diff.js';
import { FlowsError } from './flows-error.js';
import { compareFlows, sortFlows, type Flow } from './flow.js';
import { TABLE_CLASSIFY, TABLE_DHCP, TABLE_FORWARD } from './pipeline.js';
import { flowDigest, DigestSum } from './state-hash.js';

// The purposes (see cookieFor) of the flows each part of a state compiles to, as the pipeline's
// add*Flows functions name them. A test compares the result with compileFlows on random states.
const PORT_PURPOSES = [
  'ingress-ip',
  'ingress-arp',
  'ingress-dhcp',
  'arp-reply',
  'arp-self',
  'deliver',
  'dhcp-request',
  'dhcp-reply',
  'dhcp-reply-unicast',
];
const REMOTE_PURPOSES = ['arp-reply', 'tunnel'];
const BASE_PURPOSES = [
  `table:${TABLE_CLASSIFY}:drop`,
  `table:${TABLE_DHCP}:drop`,
  `table:${TABLE_FORWARD}:drop`,
  'dhcp:hvaddr:ingress',
];
const BASE = 'base';

type Ports = ChassisState['ports'];
type Remotes = ChassisState['remotePorts'];
type Vpc = ChassisState['vpcs'][number];

const tunnelOf = (port: Remotes[number]) => `tunnel:${port.vpcId}:${port.underlayIp}`;

/**
 * What changed in a state since the one a CompiledChassis compiled last: the ids of the entries
 * that may differ (a superset does no harm), and each entry now (undefined when gone or left
 * out). `state` gives the whole state, for when it must be compiled whole.
 */
export interface ChangedState {
  readonly vpcIds: Iterable<string>;
  readonly portIds: Iterable<string>;
  readonly remotePortIds: Iterable<string>;
  vpc(vpcId: string): Vpc | undefined;
  port(interfaceId: string): Ports[number] | undefined;
  remotePort(interfaceId: string): Remotes[number] | undefined;
  state(): ChassisState;
}

/**
 * The compiled flows of one chassis, kept by the part of the state each flow is for (a local
 * port, a remote port, a tunnel from a chassis for a VPC, a VPC's gateway, the tables' own), so
 * that a new state is compiled only where it differs from the last one: a part differs when its
 * entry's fields do (compared field by field, at once for the same object: a delta keeps the
 * objects of what it leaves alone), when its port number moved, or when its VPC differs. New
 * tunnel or DHCP port numbers, or the first state, compile everything. The result is the flow
 * set compileFlows gives for the whole state. States must be screened (the `accepted` part of
 * screenChassisState); not safe for concurrent use.
 */
export class CompiledChassis {
  private readonly parts = new Map<string, readonly Flow[]>();
  /** What the flows held were compiled from, by id; undefined before the first state or after a failure. */
  private held: Compiled | undefined;
  /** Every flow held, kept in flow order as parts change (a change splices in and out). */
  private ordered: Flow[] = [];
  private sorted: Flow[] | undefined;
  /** stateHash of the flows held, adjusted by each change's own flows. */
  private hash = new DigestSum();

  /**
   * Compiles `state` and answers what turns the flows held before into its flows: finds what
   * differs by reading every entry (O(state)); `updateChanged` is told instead.
   */
  update(state: ChassisState, options: CompileOptions): FlowDiff {
    const byId = <T>(list: readonly T[], idOf: (entry: T) => string) =>
      new Map(list.map((entry) => [idOf(entry), entry]));
    const vpcs = byId(state.vpcs, (vpc) => vpc.vpcId);
    const ports = byId(state.ports, (port) => port.interfaceId);
    const remotes = byId(state.remotePorts, (port) => port.interfaceId);
    const held = this.held;
    return this.updateChanged(
      {
        vpcIds: new Set([...vpcs.keys(), ...(held?.vpcs.keys() ?? [])]),
        portIds: new Set([...ports.keys(), ...(held?.ports.keys() ?? [])]),
        remotePortIds: new Set([...remotes.keys(), ...(held?.remotes.keys() ?? [])]),
        vpc: (id) => vpcs.get(id),
        port: (id) => ports.get(id),
        remotePort: (id) => remotes.get(id),
        state: () => state,
      },
      options,
    );
  }

  /**
   * Compiles the state `change` describes, reading only the entries it names (and the ports of
   * a VPC that changed, and those whose number moved when `options.portNumbers` is not the map
   * compiled with last), and answers what turns the flows held before into its flows.
   */
  updateChanged(change: ChangedState, options: CompileOptions): FlowDiff {
    const held = this.held;
    const whole =
      held === undefined ||
      held.options.tunnelPort !== options.tunnelPort ||
      held.options.dhcpPort !== options.dhcpPort;
    // A failure leaves the parts and the record of what they are of apart: start again whole.
    this.held = undefined;
    const result = whole
      ? this.compileAll(change.state(), options)
      : this.compileChanged(held, change, options);
    this.sorted = undefined;
    for (const flow of result.remove) this.hash.remove(flowDigest(flow));
    for (const flow of result.add) this.hash.add(flowDigest(flow));
    return result;
  }

  /** stateHash of the flows held, without reading them: the updates kept it. */
  stateHash(): string {
    return this.hash.hex();
  }

  /** How many flows are held. */
  get size(): number {
    return this.ordered.length;
  }

  /** Every flow held, in flow order: a copy (O(flows)), made once per update when asked. */
  flows(): Flow[] {
    this.sorted ??= this.ordered.slice();
    return this.sorted;
  }

  private compileAll(state: ChassisState, options: CompileOptions): FlowDiff {
    const flows = compileFlows(state, options);
    const change = diff(this.ordered, flows);
    this.parts.clear();
    for (const [part, list] of partition(state, flows)) this.parts.set(part, list);
    this.ordered = flows;
    this.held = compiledOf(state, options);
    return change;
  }

  private compileChanged(held: Compiled, change: ChangedState, options: CompileOptions): FlowDiff {
    const changedVpcs = new Set<string>();
    for (const id of change.vpcIds) {
      const now = change.vpc(id);
      if (sameVpc(held.vpcs.get(id), now)) continue;
      changedVpcs.add(id);
      if (now === undefined) held.vpcs.delete(id);
      else held.vpcs.set(id, now);
    }

    const touched = new Set<string>();
    const subPorts: Ports = [];
    const portIds = new Set(change.portIds);
    const oldNumbers = held.options.portNumbers;
    if (oldNumbers !== options.portNumbers) {
      for (const id of movedNumbers(oldNumbers, options.portNumbers)) portIds.add(id);
    }
    for (const id of portIds) {
      const [old, now] = [held.ports.get(id), change.port(id)];
      const same = samePort(old, now) && oldNumbers.get(id) === options.portNumbers.get(id);
      if (same) continue;
      touched.add(`port:${id}`);
      held.putPort(id, now);
      if (now !== undefined) subPorts.push(now);
    }

    const subRemotes: Remotes = [];
    const compileRemote = (port: Remotes[number]) => {
      touched.add(`remote:${port.interfaceId}`).add(tunnelOf(port));
      subRemotes.push(port);
    };
    for (const id of change.remotePortIds) {
      const [old, now] = [held.remotes.get(id), change.remotePort(id)];
      if (sameRemote(old, now)) continue;
      touched.add(`remote:${id}`);
      if (old !== undefined) touched.add(tunnelOf(old));
      held.putRemote(id, now);
      if (now !== undefined) compileRemote(now);
    }
    for (const vpcId of changedVpcs) {
      touched.add(`gateway:${vpcId}`);
      for (const id of held.portsByVpc.get(vpcId) ?? []) {
        if (touched.has(`port:${id}`)) continue;
        touched.add(`port:${id}`);
        subPorts.push(held.ports.get(id)!);
      }
      for (const id of held.remotesByVpc.get(vpcId) ?? []) {
        if (!touched.has(`remote:${id}`)) compileRemote(held.remotes.get(id)!);
      }
    }

    // A tunnel still used, but by no port compiled now, keeps its flow: one of its ports is
    // compiled along so the flow is made again (its VPC did not change, or all its ports would be).
    const compiledTunnels = new Set(subRemotes.map(tunnelOf));
    for (const part of [...touched]) {
      if (!part.startsWith('tunnel:') || compiledTunnels.has(part)) continue;
      const users = held.tunnelUsers.get(part);
      if (users === undefined) continue;
      const [id] = users;
      compiledTunnels.add(part);
      subRemotes.push(held.remotes.get(id!)!);
      touched.add(`remote:${id}`);
    }

    // Compiling most of a large state part by part costs more than compiling it whole.
    const parts = subPorts.length + subRemotes.length;
    if (parts > 64 && 2 * parts > held.ports.size + held.remotes.size) {
      return this.compileAll(change.state(), options);
    }
    const needed = new Set([
      ...changedVpcs,
      ...subPorts.map((port) => port.vpcId),
      ...subRemotes.map((port) => port.vpcId),
    ]);
    const sub: ChassisState = {
      chassisId: held.chassisId,
      epoch: 0,
      generation: 0,
      changes: [],
      vpcs: [...needed].flatMap((id) => held.vpcs.get(id) ?? []),
      ports: subPorts,
      remotePorts: subRemotes,
    };
    const compiled = partition(sub, compileFlows(sub, options));
    const remove: Flow[] = [];
    const add: Flow[] = [];
    for (const part of touched) {
      const before = this.parts.get(part) ?? [];
      const after =
        part.startsWith('tunnel:') && !held.tunnelUsers.has(part) ? [] : (compiled.get(part) ?? []);
      const change = diff(before, after);
      remove.push(...change.remove);
      add.push(...change.add);
      if (after.length === 0) this.parts.delete(part);
      else this.parts.set(part, after);
    }
    for (const flow of remove) {
      this.ordered.splice(position(this.ordered, flow), 1);
    }
    for (const flow of add) this.ordered.splice(position(this.ordered, flow), 0, flow);
    held.options = options;
    this.held = held;
    return { remove: sortFlows(remove), add: sortFlows(add) };
  }
}

/**
 * What a CompiledChassis compiled last: its entries by id, its ports and remote ports by VPC,
 * the remote ports of each tunnel, and the options. Changed in place as parts are compiled.
 */
interface Compiled {
  readonly chassisId: string;
  options: CompileOptions;
  readonly vpcs: Map<string, Vpc>;
  readonly ports: Map<string, Ports[number]>;
  readonly remotes: Map<string, Remotes[number]>;
  readonly portsByVpc: Map<string, Set<string>>;
  readonly remotesByVpc: Map<string, Set<string>>;
  readonly tunnelUsers: Map<string, Set<string>>;
  putPort(id: string, port: Ports[number] | undefined): void;
  putRemote(id: string, port: Remotes[number] | undefined): void;
}

function compiledOf(state: ChassisState, options: CompileOptions): Compiled {
  const group = (groups: Map<string, Set<string>>, key: string, id: string, add: boolean) => {
    const set = groups.get(key);
    if (add) {
      if (set === undefined) groups.set(key, new Set([id]));
      else set.add(id);
    } else if (set !== undefined) {
      set.delete(id);
      if (set.size === 0) groups.delete(key);
    }
  };
  const compiled: Compiled = {
    chassisId: state.chassisId,
    options,
    vpcs: new Map(state.vpcs.map((vpc) => [vpc.vpcId, vpc])),
    ports: new Map(),
    remotes: new Map(),
    portsByVpc: new Map(),
    remotesByVpc: new Map(),
    tunnelUsers: new Map(),
    putPort(id, port) {
      const old = this.ports.get(id);
      if (old !== undefined) group(this.portsByVpc, old.vpcId, id, false);
      if (port === undefined) this.ports.delete(id);
      else {
        this.ports.set(id, port);
        group(this.portsByVpc, port.vpcId, id, true);
      }
    },
    putRemote(id, port) {
      const old = this.remotes.get(id);
      if (old !== undefined) {
        group(this.remotesByVpc, old.vpcId, id, false);
        group(this.tunnelUsers, tunnelOf(old), id, false);
      }
      if (port === undefined) this.remotes.delete(id);
      else {
        this.remotes.set(id, port);
        group(this.remotesByVpc, port.vpcId, id, true);
        group(this.tunnelUsers, tunnelOf(port), id, true);
      }
    },
  };
  for (const port of state.ports) compiled.putPort(port.interfaceId, port);
  for (const port of state.remotePorts) compiled.putRemote(port.interfaceId, port);
  return compiled;
}

/** The ids whose number differs between two numberings (one missing in either counts). */
function movedNumbers(before: ReadonlyMap<string, number>, now: ReadonlyMap<string, number>) {
  const moved: string[] = [];
  for (const [id, number] of now) if (before.get(id) !== number) moved.push(id);
  for (const id of before.keys()) if (!now.has(id)) moved.push(id);
  return moved;
}

// Field by field: cheaper than encoding, and the same objects (what applyDelta leaves alone)
// compare at once.
function sameVpc(a: Vpc | undefined, b: Vpc | undefined): boolean {
  return (
    a === b ||
    (a !== undefined &&
      b !== undefined &&
      a.vni === b.vni &&
      a.cidr === b.cidr &&
      a.gatewayIp === b.gatewayIp)
  );
}
function samePort(a: Ports[number] | undefined, b: Ports[number] | undefined): boolean {
  return (
    a === b ||
    (a !== undefined &&
      b !== undefined &&
      a.vpcId === b.vpcId &&
      a.name === b.name &&
      a.ip === b.ip &&
      a.mac === b.mac)
  );
}
function sameRemote(a: Remotes[number] | undefined, b: Remotes[number] | undefined): boolean {
  return (
    a === b ||
    (a !== undefined &&
      b !== undefined &&
      a.vpcId === b.vpcId &&
      a.ip === b.ip &&
      a.mac === b.mac &&
      a.chassisId === b.chassisId &&
      a.underlayIp === b.underlayIp)
  );
}

/** Where `flow` is, or goes, in `flows` (in flow order): a binary search. */
function position(flows: readonly Flow[], flow: Flow): number {
  let [low, high] = [0, flows.length];
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (compareFlows(flows[middle]!, flow) < 0) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** The flows compiled from `state`, by the part of the state each is for. */
function partition(state: ChassisState, flows: readonly Flow[]): Map<string, Flow[]> {
  const partOf = new Map<bigint, string>();
  const name = (part: string, purposes: readonly string[], prefix: string) => {
    for (const purpose of purposes) partOf.set(cookieFor(`${prefix}:${purpose}`), part);
  };
  for (const purpose of BASE_PURPOSES) partOf.set(cookieFor(purpose), BASE);
  for (const { vpcId } of state.vpcs) {
    partOf.set(cookieFor(`gateway:${vpcId}:arp-reply`), `gateway:${vpcId}`);
  }
  for (const { interfaceId } of state.ports) {
    name(`port:${interfaceId}`, PORT_PURPOSES, `port:${interfaceId}`);
  }
  for (const port of state.remotePorts) {
    name(`remote:${port.interfaceId}`, REMOTE_PURPOSES, `remote:${port.interfaceId}`);
    partOf.set(cookieFor(`${tunnelOf(port)}:ingress`), tunnelOf(port));
  }
  const parts = new Map<string, Flow[]>();
  for (const flow of flows) {
    const part = partOf.get(flow.cookie);
    // Guards this file's list of purposes against the pipeline's.
    if (part === undefined) {
      throw new FlowsError('invalid-state', `a flow of no known part: cookie ${flow.cookie}`);
    }
    const list = parts.get(part);
    if (list === undefined) parts.set(part, [flow]);
    else list.push(flow);
  }
  return parts;
}
