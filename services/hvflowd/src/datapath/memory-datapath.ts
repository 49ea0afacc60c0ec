import type { PortState } from '@vpcd/api';
import {
  applyDiff,
  createTracer,
  type Flow,
  type FlowDiff,
  type TracePacket,
  type TraceResult,
  type Tracer,
} from '@vpcd/flows';
import type { Datapath } from './datapath.js';

/**
 * The `memory` driver: the bridge's flow table and ports held in memory, for laptops, the fleet
 * simulation and scale tests. Ofports are handed out in increasing order and never reused, as
 * OVS avoids reusing a recently freed one. `trace` follows the flows the way ofproto/trace does.
 */
export class MemoryDatapath implements Datapath {
  readonly kind = 'memory';
  private flows: readonly Flow[] = [];
  private tracer: Tracer | undefined;
  private readonly ofports = new Map<string, number>();
  private tunnelOfport: number | undefined;
  private dhcpOfport: number | undefined;
  private nextOfport = 1;

  ensureBridge(): Promise<void> {
    return Promise.resolve();
  }

  bindPorts(ports: readonly PortState[]): Promise<Map<string, number>> {
    const wanted = new Set(ports.map((port) => port.interfaceId));
    for (const id of this.ofports.keys()) if (!wanted.has(id)) this.ofports.delete(id);
    for (const port of ports) {
      if (!this.ofports.has(port.interfaceId))
        this.ofports.set(port.interfaceId, this.nextOfport++);
    }
    return Promise.resolve(new Map(this.ofports));
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
    return Promise.resolve([...this.flows]);
  }

  /** Throws FlowsError `diff-conflict` when the change does not fit the table (a caller bug). */
  applyFlowMods(change: FlowDiff): Promise<void> {
    if (change.add.length === 0 && change.remove.length === 0) return Promise.resolve();
    this.flows = applyDiff(this.flows, change);
    this.tracer = undefined;
    return Promise.resolve();
  }

  /** Where `packet` goes through the flows now on the bridge. */
  trace(packet: TracePacket): TraceResult {
    this.tracer ??= createTracer(this.flows);
    return this.tracer.trace(packet);
  }

  /** The ofport bound to an interface, if any. */
  portOf(interfaceId: string): number | undefined {
    return this.ofports.get(interfaceId);
  }
}
