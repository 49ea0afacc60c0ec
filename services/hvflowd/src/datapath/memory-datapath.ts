import type { PortState } from '@vpcd/api';
import {
  createTracer,
  flowDigest,
  DigestSum,
  FlowsError,
  flowKey,
  renderFlow,
  sameFlow,
  sortFlows,
  type Flow,
  type FlowDiff,
  type TracePacket,
  type TraceResult,
  type Tracer,
} from '@vpcd/flows';
import type { BoundPorts, Datapath } from './datapath.js';

/**
 * The `memory` driver: the bridge's flow table and ports held in memory, for laptops, the fleet
 * simulation and scale tests. Ofports are handed out in increasing order and never reused, as
 * OVS avoids reusing a recently freed one. `trace` follows the flows the way ofproto/trace does.
 */
export class MemoryDatapath implements Datapath {
  readonly kind = 'memory';
  /** The flow table by identity (flowKey); sorted only when read. */
  private readonly table = new Map<string, Flow>();
  private sorted: Flow[] | undefined;
  private tracer: Tracer | undefined;
  /** stateHash of the table, kept as it changes. */
  private readonly hash = new DigestSum();
  private readonly ofports = new Map<string, number>();
  private tunnelOfport: number | undefined;
  private dhcpOfport: number | undefined;
  private nextOfport = 1;

  ensureBridge(): Promise<void> {
    return Promise.resolve();
  }

  bindPorts(ports: readonly PortState[]): Promise<BoundPorts> {
    const wanted = new Set(ports.map((port) => port.interfaceId));
    for (const id of this.ofports.keys()) if (!wanted.has(id)) this.ofports.delete(id);
    for (const port of ports) {
      if (!this.ofports.has(port.interfaceId))
        this.ofports.set(port.interfaceId, this.nextOfport++);
    }
    return Promise.resolve({ portNumbers: new Map(this.ofports), unbound: [] });
  }

  tunnelPort(): Promise<number> {
    this.tunnelOfport ??= this.nextOfport++;
    return Promise.resolve(this.tunnelOfport);
  }

  dhcpPort(): Promise<number> {
    this.dhcpOfport ??= this.nextOfport++;
    return Promise.resolve(this.dhcpOfport);
  }

  dumpFlows(): Promise<Flow[]> {
    this.sorted ??= sortFlows([...this.table.values()]);
    return Promise.resolve([...this.sorted]);
  }

  /**
   * Applies the change in time proportional to it, all or nothing, as applyDiff would: throws
   * FlowsError `diff-conflict` when the change does not fit the table (a caller bug).
   */
  applyFlowMods(change: FlowDiff): Promise<void> {
    if (change.add.length === 0 && change.remove.length === 0) return Promise.resolve();
    const removed = new Set<string>();
    for (const flow of change.remove) {
      const key = flowKey(flow);
      const had = this.table.get(key);
      if (had === undefined || !sameFlow(had, flow) || removed.has(key)) {
        throw new FlowsError(
          'diff-conflict',
          `cannot remove ${renderFlow(flow)}: not in the flow set`,
        );
      }
      removed.add(key);
    }
    const added = new Set<string>();
    for (const flow of change.add) {
      const key = flowKey(flow);
      if ((this.table.has(key) && !removed.has(key)) || added.has(key)) {
        throw new FlowsError('diff-conflict', `cannot add ${key}: already in the flow set`);
      }
      added.add(key);
    }
    for (const key of removed) {
      this.hash.remove(flowDigest(this.table.get(key)!));
      this.table.delete(key);
    }
    for (const flow of change.add) {
      this.table.set(flowKey(flow), flow);
      this.hash.add(flowDigest(flow));
    }
    this.sorted = undefined;
    this.tracer = undefined;
    return Promise.resolve();
  }

  flowsHash(): string {
    return this.hash.hex();
  }

  /** Where `packet` goes through the flows now on the bridge. */
  trace(packet: TracePacket): TraceResult {
    this.sorted ??= sortFlows([...this.table.values()]);
    this.tracer ??= createTracer(this.sorted);
    return this.tracer.trace(packet);
  }

  /** The ofport bound to an interface, if any. */
  portOf(interfaceId: string): number | undefined {
    return this.ofports.get(interfaceId);
  }
}
