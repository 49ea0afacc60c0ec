import type { ChassisState } from '@vpcd/api';
import { parseIpv4 } from './addresses.js';
import { checkPort, vpcProblems, type PortProblem, type VpcFields } from './port-validator.js';

/** A port of a chassis' state that the flows leave out, with why. */
export interface RejectedPort {
  readonly interfaceId: string;
  readonly vpcId: string;
  /** True for an interface of another chassis (a remote port), false for a local one. */
  readonly remote: boolean;
  /** The reason of the first problem. */
  readonly reason: PortProblem['reason'];
  /** Every problem, each prefixed with the port: `port "if-1": mac ... is not a unicast MAC`. */
  readonly problems: readonly string[];
}

/** A state split into what the flows can carry and what they leave out. */
export interface ScreenedState {
  /** The state without the rejected ports and the refused VPCs. */
  readonly accepted: ChassisState;
  /** Rejected ports, by interface id (local before remote for one id). */
  readonly rejected: readonly RejectedPort[];
  /** Each refused VPC's problems, `vpc "v": ...`; its ports are rejected as `invalid-vpc`. */
  readonly vpcProblems: readonly string[];
}

export type AnyPort = ChassisState['ports'][number] | ChassisState['remotePorts'][number];

const quote = (text: string) => JSON.stringify(text);

/**
 * What screening learns of one port object alone, kept across calls: a chassis screens every
 * state it applies, and a delta leaves the objects of the ports it does not touch as they were
 * (applyDelta), so a state of 10,000 ports changed by one checks one port, not 10,000. Entries
 * are keyed by the port object and hold what they were computed against (its VPC's object, the
 * screening chassis); states and their ports are never mutated.
 */
interface PortFacts {
  /** `vpc/ip` when the IP is IPv4: the key of duplicate IPs. */
  readonly ipKey: string | undefined;
  checked?: { readonly vpc: VpcFields | undefined; readonly problems: readonly PortProblem[] };
  remote?: { readonly chassisId: string; readonly problems: readonly PortProblem[] };
}
const facts = new WeakMap<AnyPort, PortFacts>();

function factsOf(port: AnyPort): PortFacts {
  let known = facts.get(port);
  if (known === undefined) {
    const ipKey = parseIpv4(port.ip) === undefined ? undefined : `${port.vpcId}/${port.ip}`;
    facts.set(port, (known = { ipKey }));
  }
  return known;
}

/** checkPort, once per port object and VPC object. */
function checked(port: AnyPort, vpc: VpcFields | undefined): readonly PortProblem[] {
  const known = factsOf(port);
  if (known.checked?.vpc !== vpc || known.checked === undefined) {
    known.checked = { vpc, problems: checkPort(port, vpc) };
  }
  return known.checked.problems;
}

/** A remote port's own problems on chassis `chassisId`: its underlay IP, its chassis. */
function remoteProblems(
  port: ChassisState['remotePorts'][number],
  chassisId: string,
): readonly PortProblem[] {
  const known = factsOf(port);
  if (known.remote?.chassisId === chassisId) return known.remote.problems;
  const problems: PortProblem[] = [];
  if (parseIpv4(port.underlayIp) === undefined) {
    problems.push({
      field: 'underlay_ip',
      reason: 'invalid-underlay-ip',
      message: `underlay_ip ${quote(port.underlayIp)} is not IPv4`,
    });
  }
  if (port.chassisId === chassisId) {
    problems.push({
      field: 'chassis_id',
      reason: 'remote-on-this-chassis',
      message: 'is on this chassis',
    });
  }
  known.remote = { chassisId, problems };
  return problems;
}

/** What screening a port needs to know of the rest of the state. */
export interface PortContext {
  /** The screening chassis: a remote port on it is refused. */
  readonly chassisId: string;
  /** The problems of a refused VPC; undefined for one not refused (or not held). */
  refusal(vpcId: string): readonly string[] | undefined;
  /** The VPC the ports of `vpcId` are checked in: undefined when refused or not held. */
  vpc(vpcId: string): VpcFields | undefined;
  /** Whether more than one port (local or remote) has this interface id. */
  sharedId(interfaceId: string): boolean;
  /** Whether more than one port has this ipKeyOf. */
  sharedIp(ipKey: string): boolean;
}

/** The key of duplicate IPs, `vpc/ip`, for a port whose IP is IPv4; else undefined. */
export function ipKeyOf(port: AnyPort): string | undefined {
  return factsOf(port).ipKey;
}

/**
 * Why VPC `vpcId` is refused (each problem once), listed `entries` times in the state; empty
 * when it is not. `sharedVni`: whether more than one VPC of the state has this VNI.
 */
export function vpcRefusal(
  vpcId: string,
  entries: readonly VpcFields[],
  sharedVni: (vni: number) => boolean,
): string[] {
  const at = `vpc ${quote(vpcId)}`;
  const problems: string[] = [];
  if (vpcId === '') problems.push('a vpc has an empty vpc_id');
  if (entries.length > 1) problems.push(`${at} is listed twice`);
  for (const entry of entries) {
    problems.push(...vpcProblems(entry).map((p) => `${at}: ${p}`));
    if (sharedVni(entry.vni)) problems.push(`${at}: vni ${entry.vni} is used by another vpc`);
  }
  return [...new Set(problems)];
}

/** The rejection of `port` in its state (see screenChassisState); undefined when accepted. */
export function screenPort(
  port: AnyPort,
  remote: boolean,
  context: PortContext,
): RejectedPort | undefined {
  const problems = portProblems(port, remote, context);
  if (problems.length === 0) return undefined;
  const at = `${remote ? 'remote port' : 'port'} ${quote(port.interfaceId)}`;
  return {
    interfaceId: port.interfaceId,
    vpcId: port.vpcId,
    remote,
    reason: problems[0]!.reason,
    problems: problems.map((p) => `${at}${p.message.startsWith('is ') ? ' ' : ': '}${p.message}`),
  };
}

/** The order of rejected ports: by interface id, local before remote for one id. */
export function compareRejected(a: RejectedPort, b: RejectedPort): number {
  return (
    (a.interfaceId < b.interfaceId ? -1 : a.interfaceId > b.interfaceId ? 1 : 0) ||
    Number(a.remote) - Number(b.remote)
  );
}

function portProblems(
  port: AnyPort,
  remote: boolean,
  context: PortContext,
): readonly PortProblem[] {
  const refusal = context.refusal(port.vpcId);
  const own: readonly PortProblem[] = refusal
    ? [
        ...checked(port, undefined).filter((p) => p.field !== 'vpc_id'),
        { field: 'vpc_id', reason: 'invalid-vpc', message: `${refusal.join('; ')}` },
      ]
    : checked(port, context.vpc(port.vpcId));
  const duplicateId = port.interfaceId !== '' && context.sharedId(port.interfaceId);
  const key = factsOf(port).ipKey;
  const duplicateIp = key !== undefined && context.sharedIp(key);
  const elsewhere = remote
    ? remoteProblems(port as ChassisState['remotePorts'][number], context.chassisId)
    : [];
  if (!duplicateId && !duplicateIp && elsewhere.length === 0) return own;
  const problems: PortProblem[] = [];
  if (duplicateId) {
    problems.push({
      field: 'interface_id',
      reason: 'duplicate-interface-id',
      message: 'is listed twice',
    });
  }
  problems.push(...own);
  if (duplicateIp) {
    problems.push({
      field: 'ip',
      reason: 'duplicate-ip',
      message: `ip ${port.ip} is taken in its vpc by another port`,
    });
  }
  problems.push(...elsewhere);
  return problems;
}

/**
 * Splits a chassis' state into what the flows can carry and what they must leave out, so that
 * one bad port (or one VPC with a bad VNI) costs only itself: each port is checked by checkPort
 * in its VPC, and within the state for duplicates (an interface id listed twice, an IP held
 * twice in one VPC: every holder is rejected, as the state cannot tell which is right). A VPC
 * listed twice, or sharing its VNI with another, is refused with all its ports. Pure; the result
 * does not depend on the order of the state's lists. The reference of StateScreen, which keeps
 * the same result as deltas change a state, re-screening only the ports they can concern.
 */
export function screenChassisState(state: ChassisState): ScreenedState {
  const vpcEntries = new Map<string, VpcFields[]>();
  const vniUsers = new Map<number, number>();
  for (const vpc of state.vpcs) {
    vpcEntries.set(vpc.vpcId, [...(vpcEntries.get(vpc.vpcId) ?? []), vpc]);
    vniUsers.set(vpc.vni, (vniUsers.get(vpc.vni) ?? 0) + 1);
  }
  const refusedVpcs = new Map<string, string[]>();
  const goodVpcs = new Map<string, VpcFields>();
  for (const [vpcId, entries] of vpcEntries) {
    const problems = vpcRefusal(vpcId, entries, (vni) => (vniUsers.get(vni) ?? 0) > 1);
    if (problems.length > 0) refusedVpcs.set(vpcId, problems);
    else goodVpcs.set(vpcId, entries[0]!);
  }

  const idUsers = new Map<string, number>();
  const ipUsers = new Map<string, number>();
  const count = (port: AnyPort) => {
    idUsers.set(port.interfaceId, (idUsers.get(port.interfaceId) ?? 0) + 1);
    const key = factsOf(port).ipKey;
    if (key !== undefined) ipUsers.set(key, (ipUsers.get(key) ?? 0) + 1);
  };
  for (const port of state.ports) count(port);
  for (const port of state.remotePorts) count(port);

  const context: PortContext = {
    chassisId: state.chassisId,
    refusal: (vpcId) => refusedVpcs.get(vpcId),
    vpc: (vpcId) => goodVpcs.get(vpcId),
    sharedId: (id) => (idUsers.get(id) ?? 0) > 1,
    sharedIp: (key) => (ipUsers.get(key) ?? 0) > 1,
  };
  const rejected: RejectedPort[] = [];
  const screen = <T extends AnyPort>(ports: readonly T[], remote: boolean): T[] =>
    ports.filter((port) => {
      const rejection = screenPort(port, remote, context);
      if (rejection !== undefined) rejected.push(rejection);
      return rejection === undefined;
    });
  const ports = screen(state.ports, false);
  const remotePorts = screen(state.remotePorts, true);
  rejected.sort(compareRejected);
  return {
    accepted: {
      ...state,
      vpcs: state.vpcs.filter((vpc) => goodVpcs.get(vpc.vpcId) === vpc),
      ports,
      remotePorts,
    },
    rejected,
    vpcProblems: [...refusedVpcs.values()].flat(),
  };
}
