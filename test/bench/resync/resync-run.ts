import { setTimeout as sleep } from 'node:timers/promises';
import { loadavg } from 'node:os';
import { startApiProbe, type ProbeResult } from './api-probe.js';
import { spawnFleet } from '../region/fleet-process.js';
import { describeMachine, type Machine } from '../common/machine.js';
import { startRegionHarness } from '../region/region-harness.js';
import type { ResyncBenchOptions } from './resync-args.js';
import { runResyncStorm, waitFleetConverged, type StormResult } from './resync-storm.js';

/** Everything one run of the resync-storm benchmark measured. */
export interface ResyncRun {
  readonly startedAt: Date;
  readonly machine: Machine;
  readonly command: string;
  readonly options: ResyncBenchOptions;
  /** The API probe on northd 1 at idle (the fleet converged, nothing else running). */
  readonly idle: ProbeResult;
  readonly storm: StormResult;
  readonly wallSeconds: number;
  readonly loadAverage: { readonly start: number; readonly end: number };
}

const timeoutMs = 600_000;

function step(text: string): void {
  process.stderr.write(`resync bench: ${text}\n`);
}

/**
 * Starts a local region (2 northd with the default resync throttle, 2 southd, plaintext), a
 * fleet of `o.fleet` converged chassis, probes the API of northd 1 at idle, then runs the storm
 * (runResyncStorm: the fleet restarts at once, northd 0 restarts mid-storm) with the same probe;
 * removes everything, whatever happens.
 */
export async function runResyncBench(o: ResyncBenchOptions, command: string): Promise<ResyncRun> {
  const startedAt = new Date();
  const loadAtStart = loadavg()[0] ?? NaN;
  const startMs = performance.now();
  step('starting 2 northd, 2 southd and the memory chassis');
  const h = await startRegionHarness({ leaseTtlMs: 3000, northds: 2, southds: 2 });
  step(`the services log to ${h.runDir}`);
  try {
    const api = h.api(1);
    const project = await api.projects.createProject({ name: 'resync-bench', requestId: '' });
    const vpc = await api.vpcs.createVpc({
      name: 'probe',
      cidr: '10.0.0.0/16',
      projectId: project.id,
      requestId: '',
    });
    step(`fleet of ${o.fleet}: starting and converging`);
    h.fleet = await spawnFleet(h.region, { size: o.fleet, runDir: h.runDir });
    await waitFleetConverged(api, o.fleet, timeoutMs);

    step(`API probe at idle, ${o.idleSeconds} s`);
    const probe = startApiProbe(api, { vpcId: vpc.id, concurrency: o.concurrency });
    await sleep(o.idleSeconds * 1000);
    const idle = await probe.stop();

    step('storm: the fleet restarts at once, its northd restarts mid-storm');
    const storm = await runResyncStorm({
      region: h.region,
      runDir: h.runDir,
      fleet: h.fleet,
      fleetSize: o.fleet,
      api,
      probeVpcId: vpc.id,
      probeConcurrency: o.concurrency,
      restartNorthd: true,
      timeoutMs,
    });
    h.fleet = storm.fleet;
    return {
      startedAt,
      machine: describeMachine(),
      command,
      options: o,
      idle,
      storm,
      wallSeconds: (performance.now() - startMs) / 1000,
      loadAverage: { start: loadAtStart, end: loadavg()[0] ?? NaN },
    };
  } finally {
    step('stopping the region');
    await h.stop();
  }
}
