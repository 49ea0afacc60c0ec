import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { RpcError, Status } from '@vpcd/rpc';
import { runCreateLoad, type CreateLoadResult } from '../northd/create-load.js';
import { machineCpu, otherCores } from '../common/machine-load.js';
import { memoryChassis, type RegionHarness } from '../region/region-harness.js';
import { sampleChangeToActive, type ActiveLatency } from '../region/region-latency.js';
import { isBusy, waitConverged } from './converged.js';
import type { VariantName, VariantPlan } from './layout.js';
import type { MariadbThreads } from './mariadb-threads.js';
import { cpuBetween, sampleCpu, type CpuProbe } from './process-cpu.js';

/** What one measured window of one variant cost and gave. */
export interface WindowResult {
  readonly variant: VariantName;
  readonly round: number;
  /** The create load: its calls' latency, errors and throughput. */
  readonly load: CreateLoadResult;
  /** CreateInterface calls answered OK in the window: the load's and the latency sampler's. */
  readonly creates: number;
  /** Load start -> its last call answered, ms. */
  readonly loadMs: number;
  /** Last call answered -> every chassis acknowledged its state, ms (on the CPU clock too). */
  readonly drainMs: number;
  /** CPU time over the window by group (northd, southd, hvflowd, fleet, mariadb, rabbitmq), ms. */
  readonly cpuMs: Readonly<Record<string, number>>;
  /** MariaDB threads that served other databases meanwhile, ms. Not in cpuMs. */
  readonly mariadbOthersMs: number;
  /** The sum of cpuMs over creates. */
  readonly cpuPerCreateMs: number;
  /** The benchmark process (load generator, sampler, polling, log piping), ms. Not in cpuMs. */
  readonly benchCpuMs: number;
  /** Everything else on the machine meanwhile, in cores (other work of the shared machine). */
  readonly otherCores: number;
  /** Change -> ACTIVE sampled one interface after another during the load. */
  readonly underLoad: ActiveLatency;
}

export interface WindowOptions {
  readonly h: RegionHarness;
  readonly plan: VariantPlan;
  readonly vpcIds: readonly string[];
  /** The VPC change -> ACTIVE is sampled in, on the memory chassis. */
  readonly latencyVpcId: string;
  /** The vpcd processes and RabbitMQ. */
  readonly probes: readonly CpuProbe[];
  readonly mariadb: MariadbThreads;
  readonly round: number;
  readonly seconds: number;
  readonly concurrency: number;
  readonly convergeTimeoutMs: number;
}

/** Change -> ACTIVE polling under load: often enough for its targets, rare enough to cost little. */
const underLoadPollMs = 10;

/**
 * One window: with every chassis converged, CreateInterface under `concurrency` outstanding for
 * `seconds` in the variant's VPCs (and change -> ACTIVE sampled meanwhile in a VPC of its own),
 * then until every chassis acknowledged what the load made; the CPU time of every probe over
 * that whole span, divided by the creates answered OK in it. Afterwards, off the clock, the
 * interfaces the load made are deleted through the API, so each window starts from the same
 * VPC sizes.
 */
export async function measureWindow(o: WindowOptions): Promise<WindowResult> {
  const { h } = o;
  const api = h.api(0);
  await waitConverged(api, o.convergeTimeoutMs);
  const created: string[] = [];
  const tag = randomUUID().slice(0, 8);
  const stopSampling = new AbortController();
  await o.mariadb.start();
  const machineBefore = machineCpu();
  const before = sampleCpu(o.probes);
  const benchBefore = process.cpuUsage();
  const startMs = performance.now();
  const sampling = sampleChangeToActive({
    api: (s) => h.api(s % h.region.northds.length),
    vpcId: o.latencyVpcId,
    chassisIds: memoryChassis,
    namePrefix: `lat-${tag}`,
    signal: stopSampling.signal,
    pollIntervalMs: underLoadPollMs,
  });
  let load: CreateLoadResult;
  try {
    load = await runCreateLoad({
      api: (i) => h.api(i % h.region.northds.length),
      vpcIds: o.vpcIds,
      chassisIds: [],
      chassisByVpc: o.plan.chassisByVpc,
      concurrency: o.concurrency,
      durationMs: o.seconds * 1000,
      namePrefix: `w-${tag}`,
      onCreated: (id) => created.push(id),
    });
  } finally {
    stopSampling.abort();
  }
  const underLoad = await sampling;
  const loadEndMs = performance.now();
  await waitConverged(api, o.convergeTimeoutMs);
  const endMs = performance.now();
  const benchCpu = process.cpuUsage(benchBefore);
  const used = cpuBetween(before, sampleCpu(o.probes));
  const machineAfter = machineCpu();
  const mariadb = await o.mariadb.stop();
  used.set('mariadb', mariadb.ours);

  const cpuMs = Object.fromEntries(used);
  const totalMs = [...used.values()].reduce((a, b) => a + b, 0);
  const benchCpuMs = (benchCpu.user + benchCpu.system) / 1000;
  const creates = load.ok.count + underLoad.created;
  await deleteInterfaces(h, created, o.concurrency);
  return {
    variant: o.plan.name,
    round: o.round,
    load,
    creates,
    loadMs: loadEndMs - startMs,
    drainMs: endMs - loadEndMs,
    cpuMs,
    cpuPerCreateMs: totalMs / creates,
    benchCpuMs,
    mariadbOthersMs: mariadb.others,
    otherCores: otherCores(machineBefore, machineAfter, totalMs + benchCpuMs, endMs - startMs),
    underLoad,
  };
}

/**
 * CPU the region uses doing nothing but its own upkeep (heartbeats, lease renewals, periodic
 * converge passes, polling) for `ms` with every chassis converged, in cores: the floor under
 * every window's figure.
 */
export async function measureIdleCores(
  o: Pick<WindowOptions, 'h' | 'probes' | 'mariadb' | 'convergeTimeoutMs'>,
  ms: number,
): Promise<number> {
  await waitConverged(o.h.api(0), o.convergeTimeoutMs);
  await o.mariadb.start();
  const before = sampleCpu(o.probes);
  const startMs = performance.now();
  await sleep(ms);
  const used = cpuBetween(before, sampleCpu(o.probes));
  const elapsedMs = performance.now() - startMs;
  const mariadb = await o.mariadb.stop();
  const total = [...used.values()].reduce((a, b) => a + b, 0) + mariadb.ours;
  return total / elapsedMs;
}

/**
 * DeleteInterface of every id, `concurrency` calls outstanding, taking turns between northd; a
 * call that timed out is made again (NOT_FOUND then means the first one did it).
 */
export async function deleteInterfaces(
  h: RegionHarness,
  ids: readonly string[],
  concurrency: number,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < ids.length) {
      const i = next++;
      for (;;) {
        try {
          await h
            .api(i % h.region.northds.length)
            .interfaces.deleteInterface({ id: ids[i]!, requestId: randomUUID() });
          break;
        } catch (err: unknown) {
          if (RpcError.from(err).code === Status.NOT_FOUND) break;
          if (!isBusy(err)) throw err;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}
