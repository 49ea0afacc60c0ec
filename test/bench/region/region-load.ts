import { randomBytes } from 'node:crypto';
import { createGrpcTarget, runHammer, type Mix, type Report } from '@vpcd/hammer';
import { cpuBetween, probesByName, sampleCpu, type CpuProbe } from '../convergence/process-cpu.js';
import { MemorySampler, type MemoryProbe, type MemoryRow } from './peak-memory.js';
import type { RegionHarness } from './region-harness.js';
import { sampleChangeToActive, type ActiveLatency } from './region-latency.js';
import { throughputByThird, type ThirdsThroughput } from './region-summary.js';
import { roundRobinTarget } from './round-robin-target.js';

/** Reads dominate; creates and deletes balance, so the data set stays steady however long it runs. */
export const regionMix: Mix = {
  getInterface: 4,
  getVpc: 2,
  listInterfaces: 1,
  listVpcs: 1,
  createInterface: 1,
  deleteInterface: 1,
};

export interface LoadOptions {
  readonly seconds: number;
  readonly concurrency: number;
  /** VPCs (/16) the hammer's interfaces go into, with interfaces made before the load. */
  readonly vpcIds: readonly string[];
  /** Chassis the hammer's interfaces go to. */
  readonly chassisIds: readonly string[];
  readonly projectId: string;
  /** Where change -> ACTIVE is sampled meanwhile: a VPC of its own on two chassis. */
  readonly latency: { readonly vpcId: string; readonly chassisIds: readonly string[] };
}

export interface LoadResult {
  readonly report: Report;
  readonly thirds: ThirdsThroughput;
  readonly underLoad: ActiveLatency;
  readonly memory: readonly MemoryRow[];
  /**
   * CPU time each group of processes used over the load, ms: northd, southd, hvflowd (the two
   * single chassis), fleet, mariadb, rabbitmq, and bench (this process: hammer, sampler, log
   * piping).
   */
  readonly cpuMs: ReadonlyMap<string, number>;
  /** Wall time of the load, ms. */
  readonly wallMs: number;
}

/**
 * Holds a promise started in a callback until it is awaited later, so that a rejection in the
 * meantime is not an unhandled one: the returned function resolves to its value or throws.
 */
function later<T>(p: Promise<T>): () => Promise<T> {
  const settled = p.then(
    (value) => ({ ok: true as const, value }),
    (err: unknown) => ({ ok: false as const, err }),
  );
  return async () => {
    const s = await settled;
    if (!s.ok) throw s.err;
    return s.value;
  };
}

/** Every service process of the region, by name, for the memory table. */
export function serviceProbes(h: RegionHarness): MemoryProbe[] {
  const r = h.region;
  const all = [...r.northds, ...r.southds, ...r.hvflowds, ...(h.fleet ? [h.fleet] : [])];
  return all.map((p) => ({ service: p.name, pid: p.child.pid! }));
}

/**
 * Every process whose CPU the load costs, by group: the region's services by kind (the fleet
 * apart from the single chassis' hvflowd), and the shared MariaDB and RabbitMQ servers.
 */
export function cpuProbes(h: RegionHarness): CpuProbe[] {
  const groupOf = (service: string) =>
    service === h.fleet?.name ? 'fleet' : service.split('-')[0]!;
  return [
    ...serviceProbes(h).map(({ service, pid }) => ({ group: groupOf(service), pid })),
    ...probesByName(['mariadbd', 'mysqld'], 'mariadb'),
    ...probesByName(['beam.smp'], 'rabbitmq'),
  ];
}

/**
 * The hammer (tools/hammer's runHammer, closed loop) against every northd in turn for the
 * duration; meanwhile change -> ACTIVE is sampled one interface after another, from the
 * first second of load to its end, and every service's memory is read when the load starts
 * (peaks reset), after its first third and at its end.
 */
export async function runRegionLoad(h: RegionHarness, o: LoadOptions): Promise<LoadResult> {
  const runId = randomBytes(3).toString('hex');
  const target = roundRobinTarget(
    h.region.northds.map((n, i) =>
      createGrpcTarget({
        address: `127.0.0.1:${n.grpcPort}`,
        token: h.region.adminToken,
        vpcIds: o.vpcIds,
        chassisIds: o.chassisIds,
        projectId: o.projectId,
        runId: `${runId}n${i}`,
      }),
    ),
  );
  const memory = new MemorySampler(serviceProbes(h));
  const durationMs = o.seconds * 1000;
  const stopSampling = new AbortController();
  let sampler: (() => Promise<ActiveLatency>) | undefined;
  let third: (() => Promise<void>) | undefined;
  await memory.atStart();
  const probes = cpuProbes(h);
  const groupsBefore = sampleCpu(probes);
  const cpuBefore = process.cpuUsage();
  const wallStartMs = performance.now();
  let report: Report;
  try {
    report = await runHammer({
      target,
      mix: regionMix,
      concurrency: o.concurrency,
      durationMs,
      progressIntervalMs: 1000,
      onProgress: (p) => {
        sampler ??= later(
          sampleChangeToActive({
            api: (s) => h.api(s % h.region.northds.length),
            vpcId: o.latency.vpcId,
            chassisIds: o.latency.chassisIds,
            namePrefix: `load-${runId}`,
            signal: stopSampling.signal,
          }),
        );
        if (p.elapsedMs >= durationMs / 3) third ??= later(memory.atThird());
      },
    });
  } finally {
    stopSampling.abort();
  }
  const cpu = process.cpuUsage(cpuBefore);
  const wallMs = performance.now() - wallStartMs;
  const cpuMs = cpuBetween(groupsBefore, sampleCpu(probes));
  cpuMs.set('bench', (cpu.user + cpu.system) / 1000);
  await memory.atEnd();
  if (!sampler || !third) throw new Error('the load ended before its first third');
  await third();
  const underLoad = await sampler();
  return {
    report,
    thirds: throughputByThird(report.timeline, report.elapsedMs),
    underLoad,
    memory: memory.rows(),
    cpuMs,
    wallMs,
  };
}
