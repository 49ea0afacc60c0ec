import type { status as Status } from '@grpc/grpc-js';
import { Counter, Histogram, type Registry } from 'prom-client';
import { allCodes, codeName } from './codes.js';
import type { MethodInfo } from './method.js';

/** Seconds; prometheus.DefBuckets with finer steps below 5 ms, where most of our calls land. */
export const handlingSecondsBuckets = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

type Side = 'server' | 'client';
const labelNames = ['grpc_type', 'grpc_service', 'grpc_method'] as const;

interface Families {
  started: Counter<(typeof labelNames)[number]>;
  handled: Counter<(typeof labelNames)[number] | 'grpc_code'>;
  received: Counter<(typeof labelNames)[number]>;
  sent: Counter<(typeof labelNames)[number]>;
  seconds: Histogram<(typeof labelNames)[number]>;
}

/** The series of one method, resolved once so a call does no label hashing. */
export interface MethodMetrics {
  started(): void;
  handled(code: Status, seconds: number): void;
  received(): void;
  sent(): void;
}

// One set of families per registry and side: several servers or clients in one process share them.
const familiesByRegistry = new WeakMap<Registry, Partial<Record<Side, Families>>>();

function families(registry: Registry, side: Side): Families {
  let bySide = familiesByRegistry.get(registry);
  if (!bySide) familiesByRegistry.set(registry, (bySide = {}));
  const existing = bySide[side];
  if (existing) return existing;
  const who = side === 'server' ? 'the server' : 'the client';
  const registers = [registry];
  const created: Families = {
    started: new Counter({
      name: `grpc_${side}_started_total`,
      help: `Total number of RPCs started on ${who}.`,
      labelNames,
      registers,
    }),
    handled: new Counter({
      name: `grpc_${side}_handled_total`,
      help: `Total number of RPCs completed on ${who}, regardless of success or failure.`,
      labelNames: [...labelNames, 'grpc_code'],
      registers,
    }),
    received: new Counter({
      name: `grpc_${side}_msg_received_total`,
      help: `Total number of RPC stream messages received on ${who}.`,
      labelNames,
      registers,
    }),
    sent: new Counter({
      name: `grpc_${side}_msg_sent_total`,
      help: `Total number of gRPC stream messages sent by ${who}.`,
      labelNames,
      registers,
    }),
    seconds: new Histogram({
      name: `grpc_${side}_handling_seconds`,
      help: `Histogram of response latency (seconds) of gRPC that had been application-level handled by ${who}.`,
      labelNames,
      buckets: handlingSecondsBuckets,
      registers,
    }),
  };
  bySide[side] = created;
  return created;
}

/**
 * Resolves the series of one method and creates every one of them at zero (all codes included),
 * as go-grpc-prometheus' InitializeMetrics does, so rates and alerts work before the first call.
 */
export function methodMetrics(registry: Registry, side: Side, info: MethodInfo): MethodMetrics {
  const f = families(registry, side);
  const labels = [info.type, info.service, info.method] as const;
  const started = f.started.labels(...labels);
  const received = f.received.labels(...labels);
  const sent = f.sent.labels(...labels);
  const seconds = f.seconds.labels(...labels);
  const handledByCode = new Map(allCodes.map((c) => [c, f.handled.labels(...labels, codeName(c))]));
  for (const child of [started, received, sent, ...handledByCode.values()]) child.inc(0);
  f.seconds.zero({ grpc_type: info.type, grpc_service: info.service, grpc_method: info.method });
  return {
    started: () => started.inc(),
    received: () => received.inc(),
    sent: () => sent.inc(),
    handled(code, secs) {
      (handledByCode.get(code) ?? f.handled.labels(...labels, codeName(code))).inc();
      seconds.observe(secs);
    },
  };
}
