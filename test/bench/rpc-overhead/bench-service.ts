import type { Vpc } from '@vpcd/api';
import type { HeapCounts } from './heap-counter.js';

/** The server variants under comparison. */
export const variants = ['bare', 'rpc'] as const;
export type Variant = (typeof variants)[number];

export function isVariant(value: unknown): value is Variant {
  return variants.some((v) => v === value);
}

/** What every GetVpc answers: a small, fully populated VPC, the same for both variants. */
export const fixedVpc: Vpc = Object.freeze({
  id: 'vpc-0b7e2a4c9d1f',
  projectId: 'prj-4f1c2d3e',
  name: 'bench',
  cidr: '10.20.0.0/16',
  vni: 4097,
  generation: 7,
  createTime: new Date('2025-01-01T00:00:00Z'),
});

/** A server started in a child: its port, and a stop that reports the work it did. */
export interface BenchServer {
  readonly port: number;
  stop(): Promise<ServerStats>;
}

/** Messages a server child sends its parent over the IPC channel. */
export interface UsageSample extends HeapCounts {
  readonly type: 'usage';
  /** process.cpuUsage() user + system, microseconds since the child started. */
  readonly cpuMicros: number;
  /** performance.eventLoopUtilization() totals, milliseconds. */
  readonly eluActiveMs: number;
  readonly eluIdleMs: number;
}

/** What a server child prints on stdout, one JSON object a line. */
export type ServerReport =
  | { readonly type: 'listening'; readonly port: number }
  | { readonly type: 'stopped'; readonly stats: ServerStats };

/** Evidence of the work a server child did, printed when it stops. */
export interface ServerStats {
  /** GetVpc calls the handler answered. */
  readonly handled: number;
  /** rpc only: grpc_server_handled_total{grpc_method="GetVpc"} at the end. */
  readonly metricHandled?: number;
  /** rpc only: spans the batch span processor handed to the exporter. */
  readonly spansExported?: number;
  /** rpc only: the share of calls sampled for tracing. */
  readonly traceRatio?: number;
  /** rpc only: lines in the log file. */
  readonly logLines?: number;
  /** rpc only: size of the log file, bytes. */
  readonly logBytes?: number;
}
