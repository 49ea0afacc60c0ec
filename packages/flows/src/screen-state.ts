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

type AnyPort = ChassisState['ports'][number] | ChassisState['remotePorts'][number];

const quote = (text: string) => JSON.stringify(text);

/**
 * Splits a chassis' state into what the flows can carry and what they must leave out, so that
 * one bad port (or one VPC with a bad VNI) costs only itself: each port is checked by checkPort
 * in its VPC, and within the state for duplicates (an interface id listed twice, an IP held
 * twice in one VPC: every holder is rejected, as the state cannot tell which is right). A VPC
 * listed twice, or sharing its VNI with another, is refused with all its ports. Pure; the result
 * does not depend on the order of the state's lists.
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
    const at = `vpc ${quote(vpcId)}`;
    const problems: string[] = [];
    if (vpcId === '') problems.push('a vpc has an empty vpc_id');
    if (entries.length > 1) problems.push(`${at} is listed twice`);
    for (const entry of entries) {
      problems.push(...vpcProblems(entry).map((p) => `${at}: ${p}`));
      if ((vniUsers.get(entry.vni) ?? 0) > 1) {
        problems.push(`${at}: vni ${entry.vni} is used by another vpc`);
      }
    }
    if (problems.length > 0) refusedVpcs.set(vpcId, [...new Set(problems)]);
    else goodVpcs.set(vpcId, entries[0]!);
  }

  const all: Array<{ port: AnyPort; remote: boolean }> = [
    ...state.ports.map((port) => ({ port, remote: false })),
    ...state.remotePorts.map((port) => ({ port, remote: true })),
  ];
  const idUsers = new Map<string, number>();
  const ipUsers = new Map<string, number>();
  const ipKey = (port: AnyPort) => `${port.vpcId}/${port.ip}`;
  for (const { port } of all) {
    idUsers.set(port.interfaceId, (idUsers.get(port.interfaceId) ?? 0) + 1);
    if (parseIpv4(port.ip) !== undefined) {
      ipUsers.set(ipKey(port), (ipUsers.get(ipKey(port)) ?? 0) + 1);
    }
  }

  const rejected: RejectedPort[] = [];
  const accepted = {
    ports: [] as ChassisState['ports'],
    remote: [] as ChassisState['remotePorts'],
  };
  for (const { port, remote } of all) {
    const problems = portProblems(port, remote);
    if (problems.length === 0) {
      if (remote) accepted.remote.push(port as ChassisState['remotePorts'][number]);
      else accepted.ports.push(port as ChassisState['ports'][number]);
      continue;
    }
    const at = `${remote ? 'remote port' : 'port'} ${quote(port.interfaceId)}`;
    rejected.push({
      interfaceId: port.interfaceId,
      vpcId: port.vpcId,
      remote,
      reason: problems[0]!.reason,
      problems: problems.map((p) => `${at}${p.message.startsWith('is ') ? ' ' : ': '}${p.message}`),
    });
  }

  function portProblems(port: AnyPort, remote: boolean): PortProblem[] {
    const refusal = refusedVpcs.get(port.vpcId);
    const problems: PortProblem[] = refusal
      ? [
          ...checkPort(port, undefined).filter((p) => p.field !== 'vpc_id'),
          { field: 'vpc_id', reason: 'invalid-vpc', message: `${refusal.join('; ')}` },
        ]
      : checkPort(port, goodVpcs.get(port.vpcId));
    if (port.interfaceId !== '' && (idUsers.get(port.interfaceId) ?? 0) > 1) {
      problems.unshift({
        field: 'interface_id',
        reason: 'duplicate-interface-id',
        message: 'is listed twice',
      });
    }
    if ((ipUsers.get(ipKey(port)) ?? 0) > 1) {
      problems.push({
        field: 'ip',
        reason: 'duplicate-ip',
        message: `ip ${port.ip} is taken in its vpc by another port`,
      });
    }
    if (remote) {
      const { underlayIp, chassisId } = port as ChassisState['remotePorts'][number];
      if (parseIpv4(underlayIp) === undefined) {
        problems.push({
          field: 'underlay_ip',
          reason: 'invalid-underlay-ip',
          message: `underlay_ip ${quote(underlayIp)} is not IPv4`,
        });
      }
      if (chassisId === state.chassisId) {
        problems.push({
          field: 'chassis_id',
          reason: 'remote-on-this-chassis',
          message: 'is on this chassis',
        });
      }
    }
    return problems;
  }

  rejected.sort(
    (a, b) =>
      (a.interfaceId < b.interfaceId ? -1 : a.interfaceId > b.interfaceId ? 1 : 0) ||
      Number(a.remote) - Number(b.remote),
  );
  return {
    accepted: {
      ...state,
      vpcs: state.vpcs.filter((vpc) => goodVpcs.get(vpc.vpcId) === vpc),
      ports: accepted.ports,
      remotePorts: accepted.remote,
    },
    rejected,
    vpcProblems: [...refusedVpcs.values()].flat(),
  };
}
