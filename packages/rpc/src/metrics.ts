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

/** The series of one method. */
export interface MethodMetrics {
  started(): void;
  handled(code: Status, seconds: number): void;
  received(): void;
  sent(): void;
}

/**
 * Counts of one method kept as plain numbers on the call path and handed to prom-client when it
 * is scraped: prom-client hashes and validates labels on every inc, even through `labels()`.
 */
class MethodCounts {
  started = 0;
  received = 0;
  sent = 0;
  readonly handled = new Map<Status, number>();
  // What was last handed to prom-client, to pass on only the difference.
  private flushed = { started: 0, received: 0, sent: 0, handled: new Map<Status, number>() };

  constructor(readonly labels: readonly [string, string, string]) {}

  flush(f: Families): void {
    const add = (counter: Counter<string>, now: number, before: number, extra: string[] = []) => {
      if (now > before) counter.labels(...this.labels, ...extra).inc(now - before);
    };
    add(f.started, this.started, this.flushed.started);
    add(f.received, this.received, this.flushed.received);
    add(f.sent, this.sent, this.flushed.sent);
    for (const [code, n] of this.handled) {
      add(f.handled, n, this.flushed.handled.get(code) ?? 0, [codeName(code)]);
      this.flushed.handled.set(code, n);
    }
    this.flushed.started = this.started;
    this.flushed.received = this.received;
    this.flushed.sent = this.sent;
  }
}

interface Families {
  started: Counter<string>;
  handled: Counter<string>;
  received: Counter<string>;
  sent: Counter<string>;
  seconds: Histogram<string>;
  counts: MethodCounts[];
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
  const counts: MethodCounts[] = [];
  // Every counter flushes every method's counts when any of them is collected.
  const collect = () => {
    for (const c of counts) c.flush(created);
  };
  const counter = (name: string, help: string, extra: string[] = []) =>
    new Counter({ name, help, labelNames: [...labelNames, ...extra], registers, collect });
  const created: Families = {
    started: counter(`grpc_${side}_started_total`, `Total number of RPCs started on ${who}.`),
    handled: counter(
      `grpc_${side}_handled_total`,
      `Total number of RPCs completed on ${who}, regardless of success or failure.`,
      ['grpc_code'],
    ),
    received: counter(
      `grpc_${side}_msg_received_total`,
      `Total number of RPC stream messages received on ${who}.`,
    ),
    sent: counter(
      `grpc_${side}_msg_sent_total`,
      `Total number of gRPC stream messages sent by ${who}.`,
    ),
    // prom-client's own: a series of plain numbers read at scrape saved about 0.4 µs a call
    // on Node 24, under 1% of a call's CPU time, not worth a second exposition path.
    seconds: new Histogram({
      name: `grpc_${side}_handling_seconds`,
      help: `Histogram of response latency (seconds) of gRPC that had been application-level handled by ${who}.`,
      labelNames,
      buckets: handlingSecondsBuckets,
      registers,
    }),
    counts,
  };
  bySide[side] = created;
  return created;
}

/**
 * The series of one method, every one of them created at zero (all codes included) as
 * go-grpc-prometheus' InitializeMetrics does, so rates and alerts work before the first call.
 */
export function methodMetrics(registry: Registry, side: Side, info: MethodInfo): MethodMetrics {
  const f = families(registry, side);
  const labels = [info.type, info.service, info.method] as const;
  const counts = new MethodCounts(labels);
  f.counts.push(counts);
  for (const counter of [f.started, f.received, f.sent]) counter.labels(...labels).inc(0);
  for (const code of allCodes) f.handled.labels(...labels, codeName(code)).inc(0);
  f.seconds.zero({ grpc_type: info.type, grpc_service: info.service, grpc_method: info.method });
  const seconds = f.seconds.labels(...labels);
  return {
    started: () => void counts.started++,
    received: () => void counts.received++,
    sent: () => void counts.sent++,
    handled(code, secs) {
      counts.handled.set(code, (counts.handled.get(code) ?? 0) + 1);
      seconds.observe(secs);
    },
  };
}
