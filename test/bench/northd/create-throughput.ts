import { underlayIpOf } from './bulk-insert.js';
import { runCreateLoad, type CreateLoadResult } from './create-load.js';
import { machineCpu } from '../common/machine-load.js';
import type { BenchCluster } from './northd-cluster.js';
import { createVpcs, registerChassis, waitConverged } from './northd-fixtures.js';
import { scrapeAll, type NorthdWindow } from './northd-scrape.js';

export interface CreateThroughputOptions {
  readonly vpcs: number;
  readonly chassis: number;
  readonly concurrency: number;
  readonly durationMs: number;
}

export interface CreateThroughputResult extends CreateLoadResult {
  /** Each instance's converge work and CPU during the load. */
  readonly northd: readonly NorthdWindow[];
  /** CPU busy on the whole machine during the load, in cores (database and broker included). */
  readonly machineBusyCores: number;
  /** Load stopped -> every chassis acknowledged the last change, ms. */
  readonly drainMs: number;
}

const prefix = 'hv-';

/**
 * CreateInterface throughput with converge work flowing: `chassis` chassis (RegisterChassis)
 * and `vpcs` /16 VPCs, then the closed loop of runCreateLoad over both instances, while the
 * fake southd acknowledges every state the converge loops publish.
 */
export async function measureCreateThroughput(
  cluster: BenchCluster,
  projectId: string,
  options: CreateThroughputOptions,
): Promise<CreateThroughputResult> {
  const chassisIds = Array.from({ length: options.chassis }, (_, i) => `${prefix}${i}`);
  await registerChassis(cluster, chassisIds, (i) => underlayIpOf(50_000 + i));
  const vpcs = await createVpcs(
    cluster,
    projectId,
    Array.from({ length: options.vpcs }, (_, i) => ({ name: `load-${i}`, cidr: `10.${i}.0.0/16` })),
  );
  await waitConverged(cluster, 60_000);
  const window = await scrapeAll(cluster.northd);
  const cpuBefore = machineCpu();
  const load = await runCreateLoad({
    api: cluster.api,
    vpcIds: vpcs.map((v) => v.id),
    chassisIds,
    concurrency: options.concurrency,
    durationMs: options.durationMs,
  });
  const cpuAfter = machineCpu();
  const northd = await window();
  const stoppedMs = performance.now();
  await waitConverged(cluster, 300_000);
  return {
    ...load,
    northd,
    machineBusyCores: (cpuAfter.busyMs - cpuBefore.busyMs) / load.elapsedMs,
    drainMs: performance.now() - stoppedMs,
  };
}
