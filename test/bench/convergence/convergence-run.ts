import { loadavg } from 'node:os';
import { fleetChassisIds, spawnFleet } from '../region/fleet-process.js';
import { describeMachine, type Machine } from '../common/machine.js';
import { pollChassis, progressOf } from '../region/region-chassis.js';
import { despiteBusy, waitConverged } from './converged.js';
import { memoryChassis, startRegionHarness, type RegionHarness } from '../region/region-harness.js';
import { sampleChangeToActive, type ActiveLatency } from '../region/region-latency.js';
import type { ConvergenceBenchOptions } from './convergence-args.js';
import {
  fleetSizeFor,
  planVariants,
  roundOrder,
  variantNames,
  vpcCidr,
  type VariantName,
} from './layout.js';
import { measureIdleCores, measureWindow, type WindowResult } from './measure-window.js';
import { MariadbThreads } from './mariadb-threads.js';
import { fillVpcs } from './prefill.js';
import { probesByName, type CpuProbe } from './process-cpu.js';

/** Everything one run of the convergence benchmark measured. */
export interface ConvergenceRun {
  readonly startedAt: Date;
  readonly machine: Machine;
  readonly command: string;
  readonly options: ConvergenceBenchOptions;
  readonly northds: number;
  readonly fleetSize: number;
  /** Seconds the pre-fill of every variant's VPCs took to write and to converge. */
  readonly prefill: {
    readonly interfaces: number;
    readonly writeMs: number;
    readonly convergeMs: number;
  };
  /** The processes whose CPU time is counted, by group. */
  readonly probeCounts: Readonly<Record<string, number>>;
  /** Change -> ACTIVE at idle, one entry per round. */
  readonly idle: readonly ActiveLatency[];
  /** CPU of the counted processes at idle, cores, one entry per round. */
  readonly idleCores: readonly number[];
  /** How long each idle CPU measurement lasted, ms. */
  readonly idleCpuMs: number;
  /** Every measured window, in the order measured. */
  readonly windows: readonly WindowResult[];
  readonly wallSeconds: number;
  /** The machine's 1-minute load average when the run started and when it ended. */
  readonly loadAverage: { readonly start: number; readonly end: number };
}

const northds = 2;
/** northd's default: this benchmark measures no failover, and a shorter one lapses on a busy machine. */
const leaseTtlMs = 10_000;
const convergeTimeoutMs = 600_000;

const benchStartMs = performance.now();

function step(text: string): void {
  const at = ((performance.now() - benchStartMs) / 1000).toFixed(1);
  process.stderr.write(`convergence bench ${at} s: ${text}\n`);
}

/** The vpcd processes of the region, then the shared RabbitMQ server. */
function cpuProbes(h: RegionHarness): CpuProbe[] {
  const r = h.region;
  const vpcd = [
    ...r.northds.map((p) => ({ group: 'northd', pid: p.child.pid! })),
    ...r.southds.map((p) => ({ group: 'southd', pid: p.child.pid! })),
    ...r.hvflowds.map((p) => ({ group: 'hvflowd', pid: p.child.pid! })),
    ...(h.fleet ? [{ group: 'fleet', pid: h.fleet.child.pid! }] : []),
  ];
  const rabbitmq = probesByName(['beam.smp'], 'rabbitmq');
  if (rabbitmq.length === 0) throw new Error('no beam.smp (RabbitMQ) process on this machine');
  return [...vpcd, ...rabbitmq];
}

/** The local MariaDB server's threads, split by whose work they do. */
function mariadbThreads(h: RegionHarness): MariadbThreads {
  const pids = probesByName(['mariadbd', 'mysqld'], 'mariadb').map((p) => p.pid);
  if (pids.length === 0) throw new Error('no mariadbd or mysqld process on this machine');
  return new MariadbThreads(h.db, pids);
}

/**
 * Starts a local region (2 northd, `southds` southd, two memory chassis for change -> ACTIVE and
 * a simulated fleet), fills every variant's VPCs, warms each variant up, then measures rounds of
 * idle change -> ACTIVE samples and one window of each variant in alternating order; removes
 * everything, whatever happens.
 */
export async function runConvergenceBench(
  o: ConvergenceBenchOptions,
  command: string,
): Promise<ConvergenceRun> {
  const startedAt = new Date();
  const loadAtStart = loadavg()[0] ?? NaN;
  const startMs = performance.now();
  const fleetSize = fleetSizeFor(o);
  step(`starting ${northds} northd, ${o.southds} southd and ${memoryChassis.length} hvflowd`);
  const h = await startRegionHarness({ leaseTtlMs, northds, southds: o.southds });
  step(`the services log to ${h.runDir}`);
  const onSignal = (signal: NodeJS.Signals) => {
    step(`${signal}: stopping`);
    void h.stop().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const api = h.api(0);
    const project = await api.projects.createProject({ name: 'convergence', requestId: '' });

    step(`a fleet of ${fleetSize} simulated chassis`);
    const ids = fleetChassisIds(fleetSize);
    h.fleet = await spawnFleet(h.region, { size: fleetSize, runDir: h.runDir });
    const idSet = new Set(ids);
    await despiteBusy(
      (timeoutMs) =>
        pollChassis(
          api,
          'registering the fleet',
          (listing) => {
            const p = progressOf(listing, idSet);
            return p.converged === p.expected;
          },
          { timeoutMs, intervalMs: 100 },
        ),
      convergeTimeoutMs,
    );

    const plans = planVariants(o, ids);
    const vpcIds = {} as Record<VariantName, string[]>;
    let k = 0;
    const fills = [];
    for (const name of variantNames) {
      vpcIds[name] = [];
      for (const [v, chassisIds] of plans[name].chassisByVpc.entries()) {
        const cidr = vpcCidr(k++);
        const vpc = await api.vpcs.createVpc({
          name: `${name}-${v}`,
          cidr,
          projectId: project.id,
          requestId: '',
        });
        vpcIds[name].push(vpc.id);
        fills.push({ vpcId: vpc.id, cidr, chassisIds, interfaces: plans[name].interfacesPerVpc });
      }
    }
    const latencyVpc = await api.vpcs.createVpc({
      name: 'latency',
      cidr: vpcCidr(k++),
      projectId: project.id,
      requestId: '',
    });

    const interfaces = fills.reduce((n, f) => n + f.interfaces, 0);
    step(`pre-filling ${interfaces} interfaces`);
    const fillStartMs = performance.now();
    await fillVpcs(h.db, fills);
    const writeMs = performance.now() - fillStartMs;
    await h.sendChangeHint();
    await waitConverged(api, convergeTimeoutMs);
    const prefill = { interfaces, writeMs, convergeMs: performance.now() - fillStartMs - writeMs };

    const probes = cpuProbes(h);
    const mariadb = mariadbThreads(h);
    const window = (name: VariantName, round: number, seconds: number) =>
      measureWindow({
        h,
        plan: plans[name],
        vpcIds: vpcIds[name],
        latencyVpcId: latencyVpc.id,
        probes,
        mariadb,
        round,
        seconds,
        concurrency: o.concurrency,
        convergeTimeoutMs,
      });
    if (o.warmupSeconds > 0) {
      for (const name of variantNames) {
        step(`warming up ${name} for ${o.warmupSeconds} s`);
        await window(name, 0, o.warmupSeconds);
      }
    }
    const idle: ActiveLatency[] = [];
    const idleCores: number[] = [];
    const idleCpuMs = Math.min(o.seconds, 3) * 1000;
    const windows: WindowResult[] = [];
    for (let round = 1; round <= o.rounds; round++) {
      step(`round ${round}: CPU at idle for ${idleCpuMs / 1000} s`);
      idleCores.push(await measureIdleCores({ h, probes, mariadb, convergeTimeoutMs }, idleCpuMs));
      step(`round ${round}: change -> ACTIVE at idle, ${o.idleSamples} samples`);
      idle.push(
        await sampleChangeToActive({
          api: (s) => h.api(s % northds),
          vpcId: latencyVpc.id,
          chassisIds: memoryChassis,
          namePrefix: `idle-${round}`,
          samples: o.idleSamples,
          beforeEach: () => waitConverged(api, convergeTimeoutMs),
        }),
      );
      for (const name of roundOrder(round)) {
        step(`round ${round}: ${name}, ${o.concurrency} creates outstanding for ${o.seconds} s`);
        const w = await window(name, round, o.seconds);
        step(
          `  ${w.creates} creates, ${w.load.callsPerSecond.toFixed(0)}/s, ` +
            `${w.cpuPerCreateMs.toFixed(2)} ms CPU each, drained in ${w.drainMs.toFixed(0)} ms`,
        );
        windows.push(w);
      }
    }
    const probeCounts: Record<string, number> = {};
    for (const p of probes) probeCounts[p.group] = (probeCounts[p.group] ?? 0) + 1;
    probeCounts.mariadb = 1;
    return {
      startedAt,
      machine: describeMachine(),
      command,
      options: o,
      northds,
      fleetSize,
      prefill,
      probeCounts,
      idle,
      idleCores,
      idleCpuMs,
      windows,
      wallSeconds: (performance.now() - startMs) / 1000,
      loadAverage: { start: loadAtStart, end: loadavg()[0] ?? NaN },
    };
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    step('stopping the region');
    await h.stop();
  }
}
