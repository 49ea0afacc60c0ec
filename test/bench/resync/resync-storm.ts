import { setTimeout as sleep } from 'node:timers/promises';
import type { Region } from '../../region/local-region.js';
import type { ServiceProcess } from '../../region/service-process.js';
import { startApiProbe, type ProbeResult } from './api-probe.js';
import { fleetChassisIds, isReady, spawnFleet } from '../region/fleet-process.js';
import type { NorthdClients } from '@vpcd/rpc';
import { parsePromText, sumOf } from '../common/prom-text.js';
import { isConverged, pollChassis } from '../region/region-chassis.js';

export interface StormOptions {
  readonly region: Region;
  readonly runDir: string;
  /** The running fleet (converged), whose process is killed and spawned again. */
  readonly fleet: ServiceProcess;
  readonly fleetSize: number;
  /** The API the probe reads from and convergence is watched on: not the northd restarted. */
  readonly api: NorthdClients;
  /** The VPC the probe's GetVpc reads. */
  readonly probeVpcId: string;
  readonly probeConcurrency: number;
  /**
   * kill -9 of the fleet's northd (index 0) once it throttled during the storm, and its start
   * again on the same port, so the fleet's agents lose it mid-resync and come back to a new one.
   */
  readonly restartNorthd: boolean;
  readonly timeoutMs: number;
}

export interface StormResult {
  /** The fleet process of the storm, running. */
  readonly fleet: ServiceProcess;
  /** Fleet spawned again -> every chassis synced, owned, and at its desired generation. */
  readonly convergedMs: number;
  /** Fleet spawned again -> northd 0 killed; undefined when not restarted. */
  readonly northdKilledMs: number | undefined;
  /** The probe's calls during the storm, from the spawn to convergence. */
  readonly probe: ProbeResult;
  /** RegisterChassis and SyncInitialChassis calls refused during the storm, every northd and life. */
  readonly throttled: number;
  /** Calls the fleet's agents retried on northd's pushback. */
  readonly pushbacks: number;
}

/** The sum of one metric's series on a process' /metrics; 0 when it cannot be read. */
export async function scrapeSum(p: ServiceProcess, name: string): Promise<number> {
  try {
    const response = await fetch(`http://127.0.0.1:${p.metricsPort}/metrics`);
    return sumOf(parsePromText(await response.text()), name);
  } catch {
    return 0;
  }
}

/** Waits until every chassis of a fleet of `size` is known, owned and at its desired generation. */
export async function waitFleetConverged(
  api: NorthdClients,
  size: number,
  timeoutMs: number,
): Promise<void> {
  const ids = new Set(fleetChassisIds(size));
  await pollChassis(
    api,
    `converging the ${size} chassis of the fleet`,
    (listing) => {
      const mine = listing.filter((c) => ids.has(c.id));
      return mine.length === ids.size && mine.every((c) => c.owner !== '' && isConverged(c));
    },
    { timeoutMs, intervalMs: 100 },
  );
}

/**
 * A resync storm: every chassis of the fleet restarts at once (the process is killed and
 * spawned again on its port, with empty bridges; the chassis are known and converged in the
 * database), optionally with the fleet's northd killed and restarted in the middle, while an
 * API probe reads from another northd. Resolves once every chassis of the fleet is synced and
 * converged again, with what the probe saw.
 */
export async function runResyncStorm(o: StormOptions): Promise<StormResult> {
  const grpcPort = o.fleet.grpcPort;
  // What the fleet's start was refused before the storm is not the storm's.
  const before = await Promise.all(
    o.region.northds.map((n) => scrapeSum(n, 'northd_resync_throttled_total')),
  );
  await o.fleet.stop('SIGKILL');
  const probe = startApiProbe(o.api, { vpcId: o.probeVpcId, concurrency: o.probeConcurrency });
  const startMs = performance.now();
  const deadline = startMs + o.timeoutMs;
  let fleet: ServiceProcess | undefined;
  let probed: ProbeResult | undefined;
  try {
    fleet = await spawnFleet(o.region, { size: o.fleetSize, runDir: o.runDir, grpcPort });
    let northdKilledMs: number | undefined;
    // Calls refused by lives of northds that ended during the storm.
    let throttledByEnded = 0;
    if (o.restartNorthd) {
      const northd = o.region.northds[0]!;
      // Killed mid-storm: once it has refused some of the fleet.
      let refused = 0;
      while ((refused = await scrapeSum(northd, 'northd_resync_throttled_total')) <= before[0]!) {
        if (performance.now() > deadline) throw new Error('northd 0 never throttled the storm');
        await sleep(20);
      }
      throttledByEnded = refused - before[0]!;
      before[0] = 0;
      await northd.stop('SIGKILL');
      northdKilledMs = performance.now() - startMs;
      await o.region.startNorthd(0, { GRPC_LISTEN: `127.0.0.1:${northd.grpcPort}` });
    }
    while (!(await isReady(fleet))) {
      if (performance.now() > deadline) throw new Error('the restarted fleet never synced');
      await sleep(50);
    }
    await waitFleetConverged(o.api, o.fleetSize, Math.max(0, deadline - performance.now()));
    const convergedMs = performance.now() - startMs;
    probed = await probe.stop();
    let throttled = throttledByEnded;
    for (const [i, n] of o.region.northds.entries())
      throttled += (await scrapeSum(n, 'northd_resync_throttled_total')) - (before[i] ?? 0);
    return {
      fleet,
      convergedMs,
      northdKilledMs,
      probe: probed,
      throttled,
      pushbacks: await scrapeSum(fleet, 'hvflowd_sync_pushbacks_total'),
    };
  } catch (err) {
    if (!probed) await probe.stop();
    await fleet?.stop('SIGKILL');
    throw err;
  }
}
