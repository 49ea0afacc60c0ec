import { createSaturationGauges, type SaturationGauges } from '@vpcd/observability';
import { PORT_REJECT_REASONS } from '@vpcd/flows';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/**
 * How an ApplyChassisState ended: a full state `applied`, a delta applied (`delta`), a revision
 * held already (`unchanged`), a delta not on the revision held (`needs_full`), or not applied.
 */
export type ApplyResult =
  'applied' | 'delta' | 'unchanged' | 'needs_full' | 'fenced' | 'rejected' | 'failed';
/** How a heartbeat ended: answered (with or without drift), or not. */
export type HeartbeatResult = 'ok' | 'drift' | 'error';

const applyResults: readonly ApplyResult[] = [
  'applied',
  'delta',
  'unchanged',
  'needs_full',
  'fenced',
  'rejected',
  'failed',
];
const heartbeatResults: readonly HeartbeatResult[] = ['ok', 'drift', 'error'];
/** How an audit of the bridge against the applied state ended. */
export type AuditResult = 'clean' | 'repaired' | 'failed';
const auditResults: readonly AuditResult[] = ['clean', 'repaired', 'failed'];

/** hvflowd's own metrics; created once a process and shared by every chassis it hosts. */
export interface HvflowdMetrics {
  readonly appliedGeneration: Gauge<'chassis'>;
  readonly applyDuration: Histogram;
  readonly flowsApplied: Counter<'op'>;
  readonly fenced: Counter;
  readonly applies: Counter<'result'>;
  readonly heartbeats: Counter<'result'>;
  /** Heartbeat-time audits of the bridge against the applied state, by outcome. */
  readonly audits: Counter<'result'>;
  /** Flows the audits put back (`add`) or took away (`remove`). */
  readonly flowsRepaired: Counter<'op'>;
  /** Ports the audits found with another ofport than the applied flows name. */
  readonly portsRenumbered: Counter;
  /** Ports left out of applied states, by reason (each applied state counts its own). */
  readonly rejectedPorts: Counter<'reason'>;
  /** Ports left out of the states applied now, over every chassis hosted, by reason. */
  readonly rejectedNow: Gauge<'reason'>;
  /** Applies waiting or running, against the number of chassis (one apply each at a time). */
  readonly applyQueue: SaturationGauges;
  /** Chassis registering and syncing, against the limit on doing so at once. */
  readonly syncPool: SaturationGauges;
  /** RegisterChassis and SyncInitialChassis calls northd refused with a retry time. */
  readonly syncPushbacks: Counter;
}

export function createHvflowdMetrics(registry: Registry): HvflowdMetrics {
  const registers = [registry];
  const metrics: HvflowdMetrics = {
    appliedGeneration: new Gauge({
      name: 'hvflowd_applied_generation',
      help: 'The generation of the state last applied to the chassis.',
      labelNames: ['chassis'],
      registers,
    }),
    applyDuration: new Histogram({
      name: 'hvflowd_apply_duration_seconds',
      help: 'Time to program a chassis to a new state: bind ports, compile, diff, apply, read back.',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    flowsApplied: new Counter({
      name: 'hvflowd_flows_applied_total',
      help: 'Flows added to and removed from the bridge by applies.',
      labelNames: ['op'],
      registers,
    }),
    fenced: new Counter({
      name: 'hvflowd_fenced_total',
      help: 'States refused because their epoch was lower than the highest seen.',
      registers,
    }),
    applies: new Counter({
      name: 'hvflowd_apply_total',
      help: 'ApplyChassisState outcomes, full states and deltas (initial syncs included).',
      labelNames: ['result'],
      registers,
    }),
    heartbeats: new Counter({
      name: 'hvflowd_heartbeats_total',
      help: 'Heartbeats sent to northd, by outcome.',
      labelNames: ['result'],
      registers,
    }),
    audits: new Counter({
      name: 'hvflowd_bridge_audits_total',
      help: 'Audits of the bridge against the applied state (one a heartbeat, ovs driver), by outcome.',
      labelNames: ['result'],
      registers,
    }),
    flowsRepaired: new Counter({
      name: 'hvflowd_flows_repaired_total',
      help: "Flows changed behind hvflowd's back that audits put back (add) or took away (remove).",
      labelNames: ['op'],
      registers,
    }),
    portsRenumbered: new Counter({
      name: 'hvflowd_ports_renumbered_total',
      help: 'Ports audits found with a new ofport (a restarted ovs-vswitchd), whose flows they recompiled.',
      registers,
    }),
    rejectedPorts: new Counter({
      name: 'hvflowd_rejected_ports_total',
      help: 'Ports left out of applied chassis states because the flows cannot carry them, by reason.',
      labelNames: ['reason'],
      registers,
    }),
    rejectedNow: new Gauge({
      name: 'hvflowd_rejected_ports',
      help: 'Ports left out of the chassis states applied now (every chassis hosted), by reason.',
      labelNames: ['reason'],
      registers,
    }),
    applyQueue: createSaturationGauges(registry, {
      name: 'hvflowd_apply',
      help: 'Applies of chassis states',
    }),
    syncPool: createSaturationGauges(registry, {
      name: 'hvflowd_sync',
      help: 'Chassis registering and syncing with northd',
    }),
    syncPushbacks: new Counter({
      name: 'hvflowd_sync_pushbacks_total',
      help: 'RegisterChassis and SyncInitialChassis calls northd refused with a retry time (grpc-retry-pushback-ms).',
      registers,
    }),
  };
  for (const op of ['add', 'remove']) {
    metrics.flowsApplied.inc({ op }, 0);
    metrics.flowsRepaired.inc({ op }, 0);
  }
  for (const result of auditResults) metrics.audits.inc({ result }, 0);
  for (const result of applyResults) metrics.applies.inc({ result }, 0);
  for (const result of heartbeatResults) metrics.heartbeats.inc({ result }, 0);
  for (const reason of PORT_REJECT_REASONS) {
    metrics.rejectedPorts.inc({ reason }, 0);
    metrics.rejectedNow.set({ reason }, 0);
  }
  return metrics;
}
