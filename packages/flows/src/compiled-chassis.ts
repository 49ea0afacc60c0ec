import type { ChassisState } from '@vpcd/api';
import type { CompileOptions } from './chassis-plan.js';
import { compileFlows } from './compile.js';
import { cookieFor } from './cookie.js';
import { diff, type FlowDiff } from './diff.js';
import { FlowsError } from './flows-error.js';
import { compareFlows, sortFlows, type Flow } from './flow.js';
import { TABLE_CLASSIFY, TABLE_DHCP, TABLE_FORWARD } from './pipeline.js';
import { flowDigest, FlowSetHash } from './state-hash.js';

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

const tunnelOf = (port: Remotes[number]) => `tunnel:${port.vpcId}:${port.underlayIp}`;

/**
 * The compiled flows of one chassis, kept by the part of the state each flow is for (a local
 * port, a remote port, a tunnel from a chassis for a VPC, a VPC's gateway, the tables' own), so
 * that a new state is compiled only where it differs from the last one: a part differs when its
 * entry's fields do (compared field by field, at once for the same object: applyDelta keeps the
 * objects of what it leaves alone), when its port number moved, or when its VPC differs. New tunnel or DHCP port numbers, or the first state, compile everything. The result
 * is the flow set compileFlows gives for the whole state. States must be screened (the
 * `accepted` part of screenChassisState); not safe for concurrent use.
 */
export class CompiledChassis {
  private readonly parts = new Map<string, readonly Flow[]>();
  private held: { state: ChassisState; options: CompileOptions } | undefined;
  /** Every flow held, kept in flow order as parts change (a change splices in and out). */
  private ordered: Flow[] = [];
  private sorted: Flow[] | undefined;
  /** stateHash of the flows held, adjusted by each change's own flows. */
  private hash = new FlowSetHash();

  /** Compiles `state` and answers what turns the flows held before into its flows. */
  update(state: ChassisState, options: CompileOptions): FlowDiff {
    const held = this.held;
    const whole =
      held === undefined ||
      held.options.tunnelPort !== options.tunnelPort ||
      held.options.dhcpPort !== options.dhcpPort;
    const change = whole
      ? this.compileAll(state, options)
      : this.compileChanged(held, state, options);
    this.held = { state, options };
    this.sorted = undefined;
    for (const flow of change.remove) this.hash.remove(flowDigest(flow));
    for (const flow of change.add) this.hash.add(flowDigest(flow));
    return change;
  }

  /** stateHash of the flows held, without reading them: the updates kept it. */
  stateHash(): string {
    return this.hash.hex();
  }

  /** Every flow held, in flow order: a copy, made once per update. */
  flows(): Flow[] {
    this.sorted ??= [...this.ordered];
    return this.sorted;
  }

  private compileAll(state: ChassisState, options: CompileOptions): FlowDiff {
    const flows = compileFlows(state, options);
    const change = diff(this.ordered, flows);
    this.parts.clear();
    for (const [part, list] of partition(state, flows)) this.parts.set(part, list);
    this.ordered = flows;
    return change;
  }

  private compileChanged(
    held: { state: ChassisState; options: CompileOptions },
    state: ChassisState,
    options: CompileOptions,
  ): FlowDiff {
    const oldVpcs = new Map(held.state.vpcs.map((vpc) => [vpc.vpcId, vpc]));
    const newVpcs = new Map(state.vpcs.map((vpc) => [vpc.vpcId, vpc]));
    const changedVpcs = new Set<string>();
    for (const [id, vpc] of newVpcs) if (!sameVpc(oldVpcs.get(id), vpc)) changedVpcs.add(id);
    for (const id of oldVpcs.keys()) if (!newVpcs.has(id)) changedVpcs.add(id);

    const touched = new Set<string>();
    const subPorts: Ports = [];
    const subRemotes: Remotes = [];
    const oldPorts = new Map(held.state.ports.map((port) => [port.interfaceId, port]));
    const oldNumbers = held.options.portNumbers;
    for (const port of state.ports) {
      const id = port.interfaceId;
      const same =
        samePort(oldPorts.get(id), port) &&
        oldNumbers.get(id) === options.portNumbers.get(id) &&
        !changedVpcs.has(port.vpcId);
      oldPorts.delete(id);
      if (same) continue;
      touched.add(`port:${id}`);
      subPorts.push(port);
    }
    for (const id of oldPorts.keys()) touched.add(`port:${id}`);

    const oldRemotes = new Map(held.state.remotePorts.map((port) => [port.interfaceId, port]));
    const tunnels = new Set<string>();
    for (const port of state.remotePorts) {
      const id = port.interfaceId;
      const old = oldRemotes.get(id);
      oldRemotes.delete(id);
      tunnels.add(tunnelOf(port));
      if (sameRemote(old, port) && !changedVpcs.has(port.vpcId)) continue;
      touched.add(`remote:${id}`).add(tunnelOf(port));
      if (old !== undefined) touched.add(tunnelOf(old));
      subRemotes.push(port);
    }
    for (const [id, old] of oldRemotes) touched.add(`remote:${id}`).add(tunnelOf(old));
    for (const id of changedVpcs) touched.add(`gateway:${id}`);

    // A tunnel still used, but by no port compiled now, keeps its flow: one of its ports is
    // compiled along so the flow is made again (its VPC did not change, or all its ports would be).
    const compiledTunnels = new Set(subRemotes.map(tunnelOf));
    for (const port of state.remotePorts) {
      const tunnel = tunnelOf(port);
      if (touched.has(tunnel) && !compiledTunnels.has(tunnel)) {
        compiledTunnels.add(tunnel);
        subRemotes.push(port);
        touched.add(`remote:${port.interfaceId}`);
      }
    }

    // Compiling most of a large state part by part costs more than compiling it whole.
    const parts = subPorts.length + subRemotes.length;
    if (parts > 64 && 2 * parts > state.ports.length + state.remotePorts.length) {
      return this.compileAll(state, options);
    }
    const needed = new Set([
      ...changedVpcs,
      ...subPorts.map((port) => port.vpcId),
      ...subRemotes.map((port) => port.vpcId),
    ]);
    const sub: ChassisState = {
      ...state,
      vpcs: state.vpcs.filter((vpc) => needed.has(vpc.vpcId)),
      ports: subPorts,
      remotePorts: subRemotes,
    };
    const compiled = partition(sub, compileFlows(sub, options));
    const remove: Flow[] = [];
    const add: Flow[] = [];
    for (const part of touched) {
      const before = this.parts.get(part) ?? [];
      const after =
        part.startsWith('tunnel:') && !tunnels.has(part) ? [] : (compiled.get(part) ?? []);
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
    return { remove: sortFlows(remove), add: sortFlows(add) };
  }
}

// Field by field: cheaper than encoding, and the same objects (what applyDelta leaves alone)
// compare at once.
type Vpc = ChassisState['vpcs'][number];
function sameVpc(a: Vpc | undefined, b: Vpc): boolean {
  return (
    a === b ||
    (a !== undefined && a.vni === b.vni && a.cidr === b.cidr && a.gatewayIp === b.gatewayIp)
  );
}
function samePort(a: Ports[number] | undefined, b: Ports[number]): boolean {
  return (
    a === b ||
    (a !== undefined &&
      a.vpcId === b.vpcId &&
      a.name === b.name &&
      a.ip === b.ip &&
      a.mac === b.mac)
  );
}
function sameRemote(a: Remotes[number] | undefined, b: Remotes[number]): boolean {
  return (
    a === b ||
    (a !== undefined &&
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
