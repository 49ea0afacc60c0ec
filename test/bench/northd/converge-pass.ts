import { addressesPerConvergeVpc } from './northd-args.js';
import {
  chassisColumns,
  chassisRows,
  insertRows,
  interfaceColumns,
  interfaceRows,
  ipv4ToNumber,
  type InterfaceRowSpec,
} from './bulk-insert.js';
import type { BenchCluster } from './northd-cluster.js';
import { backlog, bumpGenerations, createVpcs, waitConverged, waitFor } from './northd-fixtures.js';
import { scrapeAll, type NorthdWindow } from './northd-scrape.js';
import { median } from '../common/stats.js';

export interface ConvergeShape {
  readonly chassis: number;
  readonly interfacesPerChassis: number;
  readonly chassisPerVpc: number;
}

export interface ConvergePass {
  readonly pass: number;
  /** Chassis the UPDATE scheduled. */
  readonly chassis: number;
  /** UPDATE committed -> every one of them acknowledged its new generation, ms. */
  readonly allAckedMs: number;
  /** Each instance's converge figures over that window. */
  readonly northd: readonly NorthdWindow[];
}

export interface ConvergeResult {
  readonly shape: ConvergeShape;
  readonly vpcs: number;
  readonly interfaces: number;
  /** Interval between two polls of the backlog, ms: the resolution of allAckedMs. */
  readonly pollIntervalMs: number;
  readonly passes: readonly ConvergePass[];
  readonly medianAllAckedMs: number;
}

const prefix = 'cv-';
const pollIntervalMs = 5;
const convergeTimeoutMs = 120_000;

/** Writes the chassis, their VPCs (through the API) and interfaces, and converges them once. */
async function populate(
  cluster: BenchCluster,
  projectId: string,
  shape: ConvergeShape,
): Promise<{ vpcs: number; interfaces: number }> {
  const ids = Array.from(
    { length: shape.chassis },
    (_, j) => `${prefix}${String(j).padStart(6, '0')}`,
  );
  await insertRows(cluster.db, 'chassis', chassisColumns, chassisRows(ids, 0));
  const vpcCount = Math.ceil(shape.chassis / shape.chassisPerVpc);
  const cidrs = Array.from({ length: vpcCount }, (_, k) => `10.${128 + (k >> 8)}.${k & 255}.0/24`);
  const vpcs = await createVpcs(
    cluster,
    projectId,
    cidrs.map((cidr, k) => ({ name: `converge-${k}`, cidr })),
  );
  const specs: InterfaceRowSpec[] = [];
  for (const [j, chassisId] of ids.entries()) {
    const k = Math.floor(j / shape.chassisPerVpc);
    const first = ipv4ToNumber(cidrs[k]!.split('/')[0]!);
    for (let m = 0; m < shape.interfacesPerChassis; m++) {
      const slot = (j % shape.chassisPerVpc) * shape.interfacesPerChassis + m;
      if (slot >= addressesPerConvergeVpc) throw new Error('more interfaces than a /24 holds');
      specs.push({
        vpcId: vpcs[k]!.id,
        chassisId,
        name: `${chassisId}-${m}`,
        ip: first + 10 + slot,
        macIndex: slot,
      });
    }
  }
  await insertRows(cluster.db, 'interfaces', interfaceColumns, interfaceRows(specs));
  await bumpGenerations(cluster, prefix);
  await waitConverged(cluster, convergeTimeoutMs);
  return { vpcs: vpcCount, interfaces: specs.length };
}

/**
 * One converge pass over many chassis as seen from outside: with every chassis leased and
 * acknowledged, one UPDATE gives all of them a new desired generation and the change hint goes
 * out, as when a committed change touches them all; then the backlog is polled until every one
 * of them has acknowledged. The instances' own converge metrics over the same window are read
 * from their /metrics.
 */
export async function measureConvergePasses(
  cluster: BenchCluster,
  projectId: string,
  shape: ConvergeShape,
  passes: number,
): Promise<ConvergeResult> {
  const { vpcs, interfaces } = await populate(cluster, projectId, shape);
  const results: ConvergePass[] = [];
  for (let pass = 1; pass <= passes; pass++) {
    await waitConverged(cluster, convergeTimeoutMs);
    const window = await scrapeAll(cluster.northd);
    const { chassis, committedAtMs } = await bumpGenerations(cluster, prefix);
    await waitFor(
      `converge pass ${pass}`,
      () => backlog(cluster.db, prefix),
      (b) => b.behind === 0,
      convergeTimeoutMs,
      pollIntervalMs,
    );
    const allAckedMs = performance.now() - committedAtMs;
    results.push({ pass, chassis, allAckedMs, northd: await window() });
  }
  return {
    shape,
    vpcs,
    interfaces,
    pollIntervalMs,
    passes: results,
    medianAllAckedMs: median(results.map((r) => r.allAckedMs)),
  };
}
