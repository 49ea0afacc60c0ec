import { loadavg } from 'node:os';
import { describeMachine, type Machine } from '../common/machine.js';
import type { RegionBenchOptions } from './region-args.js';
import { waitAllConverged } from './region-chassis.js';
import { measureFailovers, type FailoverResult } from './region-failover.js';
import { measureFleet, type FleetResult } from './region-fleet.js';
import { memoryChassis, startRegionHarness, type RegionHarness } from './region-harness.js';
import { sampleChangeToActive, type ActiveLatency } from './region-latency.js';
import { runRegionLoad, type LoadResult } from './region-load.js';
import { fleetChassisIds } from './fleet-process.js';

/** Everything one run of the region benchmark measured. */
export interface RegionRun {
  readonly startedAt: Date;
  readonly machine: Machine;
  readonly command: string;
  readonly options: RegionBenchOptions;
  readonly northds: number;
  readonly southds: number;
  readonly fleet: FleetResult;
  readonly idle: ActiveLatency;
  readonly load: LoadResult;
  /** Interfaces made before the load in each of its VPCs. */
  readonly hammerInterfacesPerVpc: number;
  readonly hammerVpcs: number;
  readonly failover: FailoverResult;
  readonly wallSeconds: number;
  /** The machine's 1-minute load average when the run started and when it ended. */
  readonly loadAverage: { readonly start: number; readonly end: number };
}

const northds = 2;
const southds = 2;
const hammerVpcs = 8;
const hammerInterfacesPerVpc = 8;
const convergeTimeoutMs = 300_000;

function step(text: string): void {
  process.stderr.write(`region bench: ${text}\n`);
}

/** The hammer's VPCs (/16 each) and the interfaces getInterface reads, made through the API. */
async function hammerFixtures(h: RegionHarness, projectId: string, chassisIds: readonly string[]) {
  const api = h.api(0);
  const vpcIds: string[] = [];
  for (let i = 0; i < hammerVpcs; i++) {
    const vpc = await api.vpcs.createVpc({
      name: `hammer-${i}`,
      cidr: `10.${i}.0.0/16`,
      projectId,
      requestId: '',
    });
    vpcIds.push(vpc.id);
    for (let j = 0; j < hammerInterfacesPerVpc; j++) {
      await api.interfaces.createInterface({
        vpcId: vpc.id,
        chassisId: chassisIds[(i * hammerInterfacesPerVpc + j) % chassisIds.length]!,
        name: `stable-${j}`,
        ip: '',
        mac: '',
        requestId: '',
      });
    }
  }
  const latency = await api.vpcs.createVpc({
    name: 'latency',
    cidr: '10.100.0.0/16',
    projectId,
    requestId: '',
  });
  return { vpcIds, latencyVpcId: latency.id };
}

/**
 * Starts a local region (2 northd, 2 southd, two memory chassis), measures the fleet from
 * nothing, change -> ACTIVE at idle, the hammer with change -> ACTIVE and memory under it, and
 * failover after kill -9, in that order; removes everything, whatever happens.
 */
export async function runRegionBench(o: RegionBenchOptions, command: string): Promise<RegionRun> {
  const startedAt = new Date();
  const loadAtStart = loadavg()[0] ?? NaN;
  const startMs = performance.now();
  step(
    `starting ${northds} northd, ${southds} southd and ${memoryChassis.length} hvflowd processes`,
  );
  const h = await startRegionHarness({ leaseTtlMs: o.leaseTtlMs, northds, southds });
  step(`the services log to ${h.runDir}`);
  const onSignal = (signal: NodeJS.Signals) => {
    step(`${signal}: stopping`);
    void h.stop().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const api = h.api(0);
    const project = await api.projects.createProject({ name: 'region-bench', requestId: '' });

    step(`fleet of ${o.fleet}: from an empty process, then its data, then a restart`);
    const fleet = await measureFleet(h, project.id, {
      size: o.fleet,
      interfacesPerChassis: o.interfacesPerChassis,
      chassisPerVpc: o.chassisPerVpc,
    });

    const hammerChassis = [...memoryChassis, ...fleetChassisIds(o.fleet).slice(0, o.hammerChassis)];
    const fixtures = await hammerFixtures(h, project.id, hammerChassis);
    await waitAllConverged(api, convergeTimeoutMs);

    step(`change -> ACTIVE at idle, ${o.idleSamples} samples`);
    const latencyChassis = [...memoryChassis];
    const idle = await sampleChangeToActive({
      api: (s) => h.api(s % northds),
      vpcId: fixtures.latencyVpcId,
      chassisIds: latencyChassis,
      namePrefix: 'idle',
      samples: o.idleSamples,
      beforeEach: () => waitAllConverged(api, convergeTimeoutMs),
    });

    step(`hammer: ${o.concurrency} calls outstanding for ${o.hammerSeconds} s`);
    const load = await runRegionLoad(h, {
      seconds: o.hammerSeconds,
      concurrency: o.concurrency,
      vpcIds: fixtures.vpcIds,
      chassisIds: hammerChassis,
      projectId: project.id,
      latency: { vpcId: fixtures.latencyVpcId, chassisIds: latencyChassis },
    });
    await waitAllConverged(api, convergeTimeoutMs);

    step(`failover: kill -9 of a northd, ${o.failovers} times`);
    const failover = await measureFailovers(h, o.failovers, o.leaseTtlMs);
    return {
      startedAt,
      machine: describeMachine(),
      command,
      options: o,
      northds,
      southds,
      fleet,
      idle,
      load,
      hammerInterfacesPerVpc,
      hammerVpcs,
      failover,
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
