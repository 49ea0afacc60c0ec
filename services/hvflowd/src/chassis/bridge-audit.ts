import type { ChassisState } from '@vpcd/api';
import {
  diff,
  type ChangedState,
  type CompileOptions,
  type Flow,
  type FlowDiff,
  type StateChange,
  type StateScreen,
} from '@vpcd/flows';
import type { Datapath, UnboundPort } from '../datapath/datapath.js';

/** The port numbers of a state, and its ports the switch gave none. */
export interface BoundState {
  readonly ports: CompileOptions;
  readonly unbound: readonly UnboundPort[];
}

/** What an apply left programmed: the state it compiled, the port numbers it bound, the flows. */
export interface Programmed extends BoundState {
  /**
   * The applied state without the ports it left out (rejected ones are never bound). Its ports
   * in `unbound` have no flows: they get them once the switch numbers them (see bindable).
   */
  readonly state: ChassisState;
  readonly flows: readonly Flow[];
}

/** What an audit found on the bridge. */
export interface AuditFinding {
  /** The programmed state with the port numbers bound now (recompiled when they moved). */
  readonly programmed: Programmed;
  /** The flows on the bridge when read. */
  readonly actual: Flow[];
  /** What turns `actual` into `programmed.flows`; empty when the bridge is whole. */
  readonly change: FlowDiff;
  /** The ports whose ofport moved: interface ids, `tunnel`, `dhcp`. */
  readonly renumbered: readonly string[];
}

/**
 * Whether anything but hvflowd can change the datapath. An Open vSwitch bridge can: an operator's
 * ovs-ofctl, a restarted ovs-vswitchd (no flows, ports renumbered). The memory table has no writer
 * but its runtime, so auditing it would find nothing and cost a fleet a diff a heartbeat.
 */
export function canDriftBehindOurBack(datapath: Datapath): boolean {
  return datapath.kind === 'ovs';
}

/** Binds the state's ports, the VXLAN port and hvaddr's port: what compileFlows needs. */
export async function bindState(datapath: Datapath, state: ChassisState): Promise<BoundState> {
  const { portNumbers, unbound } = await datapath.bindPorts(state.ports);
  return {
    ports: {
      portNumbers,
      tunnelPort: await datapath.tunnelPort(),
      dhcpPort: await datapath.dhcpPort(),
    },
    unbound,
  };
}

/**
 * The state without its local ports that have no number in `ports`: the switch holds them
 * without a device, so they have no flows until it numbers them, and the other ports are
 * programmed meanwhile. The state itself when every port has one.
 */
export function bindable(state: ChassisState, ports: CompileOptions): ChassisState {
  const numbered = (port: ChassisState['ports'][number]) => ports.portNumbers.has(port.interfaceId);
  return state.ports.every(numbered) ? state : { ...state, ports: state.ports.filter(numbered) };
}

/**
 * What `change` changed in the bindable part of the screen's accepted state, for
 * CompiledChassis.updateChanged: a local port `ports` does not number is left out, as bindable
 * leaves it. A port whose number moved is the compiler's to find, when `ports` is not the
 * numbering it compiled with (the runtime binds anew only when local ports changed).
 */
export function bindableChange(
  screen: StateScreen,
  change: StateChange,
  ports: CompileOptions,
): ChangedState {
  return {
    vpcIds: change.vpcs.keys(),
    portIds: change.ports.keys(),
    remotePortIds: change.remotePorts.keys(),
    vpc: (vpcId) => screen.vpc(vpcId),
    port: (id) => (ports.portNumbers.has(id) ? screen.port(id) : undefined),
    remotePort: (id) => screen.remotePort(id),
    state: () => bindable(screen.accepted(), ports),
  };
}

/**
 * Reads the bridge and compares it with what `programmed` says it holds. Ports are bound again
 * (a port hvflowd created and someone deleted comes back), and when a port's number moved the
 * flows are compiled again with the new numbers by `compile`. Changes nothing but ports.
 */
export async function auditBridge(
  datapath: Datapath,
  programmed: Programmed,
  compile: (state: ChassisState, ports: CompileOptions) => Flow[],
): Promise<AuditFinding> {
  const { ports, unbound } = await bindState(datapath, programmed.state);
  const renumbered = movedPorts(programmed.ports, ports);
  const now =
    renumbered.length === 0
      ? { ...programmed, unbound }
      : { state: programmed.state, ports, unbound, flows: compile(programmed.state, ports) };
  const actual = await datapath.dumpFlows();
  return { programmed: now, actual, change: diff(actual, now.flows), renumbered };
}

function movedPorts(before: CompileOptions, now: CompileOptions): string[] {
  const moved: string[] = [];
  for (const [id, ofport] of now.portNumbers) {
    if (before.portNumbers.get(id) !== ofport) moved.push(id);
  }
  // A port that lost its number (its device failed) loses its flows.
  for (const id of before.portNumbers.keys()) if (!now.portNumbers.has(id)) moved.push(id);
  if (before.tunnelPort !== now.tunnelPort) moved.push('tunnel');
  if (before.dhcpPort !== now.dhcpPort) moved.push('dhcp');
  return moved;
}
