import type { PortState } from '@vpcd/api';
import type { Flow, FlowDiff } from '@vpcd/flows';

/** A port of the state that the switch holds without a number: its device failed to open. */
export interface UnboundPort {
  readonly interfaceId: string;
  /** Why, as the switch says it (`could not open network device ...`). */
  readonly message: string;
}

/** The ports of a state as the switch numbered them. */
export interface BoundPorts {
  /** The ofport of every port that has one, by interface id. */
  readonly portNumbers: Map<string, number>;
  /** The others: each costs only its own flows, never the chassis' apply. */
  readonly unbound: readonly UnboundPort[];
}

/** Which driver programs the chassis: real Open vSwitch, or the same tables in memory. */
export type DatapathKind = 'ovs' | 'memory';

/**
 * What hvflowd needs from a chassis' switch. Both drivers implement it; the chassis runtime calls
 * one method at a time (never concurrently for one datapath).
 */
export interface Datapath {
  readonly kind: DatapathKind;
  /** Creates the bridge when it is missing; leaves an existing bridge and its flows as they are. */
  ensureBridge(): Promise<void>;
  /**
   * The ofport of every port in `ports`, by interface id. A port is found by its
   * `external_ids:iface-id`; a missing one is created (type `internal`). Ports that hvflowd created
   * for interfaces no longer in `ports` are removed; ports created by others are never touched.
   * A port the switch holds without a number (or could not create) is reported in `unbound`.
   */
  bindPorts(ports: readonly PortState[]): Promise<BoundPorts>;
  /** The ofport of the one VXLAN port (`vxlan0`), created on first use. */
  tunnelPort(): Promise<number>;
  /**
   * The ofport of hvaddr's port (`vpcd-dhcp`), which the flows steer DHCP to: created as an
   * internal port on first use when missing, used as it is when present.
   */
  dhcpPort(): Promise<number>;
  /** Every flow on the bridge. */
  dumpFlows(): Promise<Flow[]>;
  /**
   * stateHash of the flows dumpFlows would answer now, for a datapath that keeps it as its flows
   * change (the memory one); absent where the flows must be read to hash them.
   */
  flowsHash?(): string;
  /** Applies the change atomically (one OpenFlow bundle on the `ovs` driver). */
  applyFlowMods(change: FlowDiff): Promise<void>;
}
