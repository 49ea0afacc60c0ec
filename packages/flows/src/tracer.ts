import { formatIpv4 } from './addresses.js';
import { ETH_TYPE_ARP } from './fields.js';
import { FlowsError } from './flows-error.js';
import type { Flow } from './flow.js';
import { compileFlowProgram, type FlowProgram } from './flow-program.js';
import {
  fieldsToPacket,
  packetToFields,
  type FieldState,
  type TracePacket,
} from './trace-packet.js';

const ARP_REPLY = 2;
/** OVS stops a pipeline after this many resubmits/goto_tables deep. */
const MAX_DEPTH = 64;

/** What leaves the bridge. `tunId`/`tunDst` are set when the flows set a tunnel destination. */
export type TraceAction =
  | { kind: 'output'; port: number; packet: TracePacket; tunId?: number; tunDst?: string }
  | { kind: 'arp-reply'; port: number; mac: string; ip: string; packet: TracePacket }
  | { kind: 'drop' };

/** One flow the packet matched, in order. */
export interface TraceStep {
  table: number;
  flowKey: string;
  cookie: bigint;
}

/** `actions` is `[{ kind: 'drop' }]` when nothing leaves the bridge. */
export interface TraceResult {
  actions: TraceAction[];
  path: TraceStep[];
}

export interface Tracer {
  trace(packet: TracePacket): TraceResult;
}

/**
 * Compiles a flow set once for many traces. The tracer follows the flows as `ofproto/trace`
 * does: in each table the highest-priority matching flow; actions in order; set_field and move
 * change the packet; `output` to the packet's in_port is skipped (IN_PORT sends it back);
 * goto_table continues in a later table and resubmit returns; a table miss drops. Two matching
 * flows of one priority in one table throw `ambiguous-match` (OVS would pick either).
 */
export function createTracer(flows: readonly Flow[]): Tracer {
  const tables = new Map<number, FlowProgram[]>();
  for (const flow of flows) {
    const program = compileFlowProgram(flow);
    const table = tables.get(flow.table) ?? [];
    table.push(program);
    tables.set(flow.table, table);
  }
  for (const table of tables.values()) table.sort((a, b) => b.flow.priority - a.flow.priority);

  const lookup = (table: number, fields: FieldState): FlowProgram | undefined => {
    let hit: FlowProgram | undefined;
    for (const program of tables.get(table) ?? []) {
      if (hit !== undefined && program.flow.priority < hit.flow.priority) break;
      if (!program.tests.every(([field, value]) => fields[field] === value)) continue;
      if (hit !== undefined) {
        throw new FlowsError(
          'ambiguous-match',
          `${hit.key} and ${program.key} match the same packet`,
        );
      }
      hit = program;
    }
    return hit;
  };

  return {
    trace(packet) {
      const fields = packetToFields(packet);
      const result: TraceResult = { actions: [], path: [] };
      const run = (table: number, depth: number): void => {
        if (depth > MAX_DEPTH) {
          throw new FlowsError('invalid-flow', `more than ${MAX_DEPTH} tables deep`);
        }
        const hit = lookup(table, fields);
        if (hit === undefined) return;
        result.path.push({ table, flowKey: hit.key, cookie: hit.flow.cookie });
        for (const operation of hit.operations) {
          switch (operation.op) {
            case 'set':
              fields[operation.field] = operation.value;
              break;
            case 'move':
              fields[operation.to] = fields[operation.from];
              break;
            case 'output':
              if (operation.port !== fields.in_port) {
                result.actions.push(emit(operation.port, fields));
              }
              break;
            case 'in_port':
              result.actions.push(emit(fields.in_port ?? 0, fields));
              break;
            case 'resubmit':
            case 'goto':
              run(operation.table, depth + 1);
              break;
          }
        }
      };
      run(0, 0);
      if (result.actions.length === 0) result.actions.push({ kind: 'drop' });
      return result;
    },
  };
}

/** Traces one packet through `flows`; createTracer saves the compilation for many packets. */
export function trace(flows: readonly Flow[], packet: TracePacket): TraceResult {
  return createTracer(flows).trace(packet);
}

function emit(port: number, fields: FieldState): TraceAction {
  const packet = fieldsToPacket(fields);
  if (fields.eth_type === ETH_TYPE_ARP && fields.arp_op === ARP_REPLY) {
    return { kind: 'arp-reply', port, mac: packet.arpSha ?? '', ip: packet.arpSpa ?? '', packet };
  }
  if (fields.tun_dst !== undefined && fields.tun_dst !== 0) {
    return {
      kind: 'output',
      port,
      packet,
      tunId: fields.tun_id ?? 0,
      tunDst: formatIpv4(fields.tun_dst),
    };
  }
  return { kind: 'output', port, packet };
}
