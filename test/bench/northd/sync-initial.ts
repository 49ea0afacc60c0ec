import { ChassisState } from '@vpcd/api';
import {
  insertRows,
  interfaceColumns,
  interfaceRows,
  ipv4ToNumber,
  underlayIpOf,
} from './bulk-insert.js';
import { summarizeLatency, type LatencySummary } from '../common/latency-summary.js';
import type { BenchCluster } from './northd-cluster.js';
import { bumpGenerations, createVpcs, registerChassis, waitConverged } from './northd-fixtures.js';
import { LatencyRecorder } from '../common/stats.js';

export interface SyncInitialResult {
  readonly latency: LatencySummary;
  /** Calls made before the measured ones, not counted. */
  readonly warmupCalls: number;
  /** What each answer held. */
  readonly ports: number;
  readonly remotePorts: number;
  readonly vpcs: number;
  /** The encoded ChassisState of one answer, bytes. */
  readonly stateBytes: number;
}

const prefix = 'sync-';
const warmupCalls = 10;

/**
 * A chassis with `interfaces` interfaces in one VPC of its own (written with multi-row INSERTs,
 * then converged once as after any change), then `calls` SyncInitialChassis calls for it, one
 * at a time, taking turns between the instances, as chassis agents restarting one by one would.
 */
export async function measureSyncInitial(
  cluster: BenchCluster,
  projectId: string,
  interfaces: number,
  calls: number,
): Promise<SyncInitialResult> {
  const chassisId = `${prefix}hv1`;
  await registerChassis(cluster, [chassisId], () => underlayIpOf(61_000));
  const cidr = '10.101.0.0/16';
  const [vpc] = await createVpcs(cluster, projectId, [{ name: 'sync', cidr }]);
  const first = ipv4ToNumber(cidr.split('/')[0]!);
  const specs = Array.from({ length: interfaces }, (_, i) => ({
    vpcId: vpc!.id,
    chassisId,
    name: `sync-${i}`,
    ip: first + 10 + i,
    macIndex: i,
  }));
  await insertRows(cluster.db, 'interfaces', interfaceColumns, interfaceRows(specs));
  await bumpGenerations(cluster, prefix);
  await waitConverged(cluster, 60_000, prefix);

  const call = async (i: number) => {
    const { state } = await cluster.api(i).chassis.syncInitialChassis({ chassisId });
    if (state?.ports.length !== interfaces) {
      throw new Error(
        `SyncInitialChassis answered ${state?.ports.length} ports, not ${interfaces}`,
      );
    }
    return state;
  };
  for (let i = 0; i < warmupCalls; i++) await call(i);
  const recorder = new LatencyRecorder(calls);
  let last: ChassisState | undefined;
  for (let i = 0; i < calls; i++) {
    const startMs = performance.now();
    last = await call(i);
    recorder.record(performance.now() - startMs);
  }
  return {
    latency: summarizeLatency(recorder),
    warmupCalls,
    ports: last?.ports.length ?? 0,
    remotePorts: last?.remotePorts.length ?? 0,
    vpcs: last?.vpcs.length ?? 0,
    stateBytes: last ? ChassisState.encode(last).finish().length : 0,
  };
}
