import { setTimeout as sleep } from 'node:timers/promises';
import {
  insertRows,
  interfaceColumns,
  interfaceRows,
  ipv4ToNumber,
  type InterfaceRowSpec,
} from '../northd/bulk-insert.js';
import { chassisProgress, recountInterfaces, requestFullStates } from '@vpcd/northd/testing';
import { fleetChassisIds, isReady, spawnFleet } from './fleet-process.js';
import { isConverged, pollChassis, progressOf } from './region-chassis.js';
import type { RegionHarness } from './region-harness.js';

export interface FleetShape {
  readonly size: number;
  readonly interfacesPerChassis: number;
  readonly chassisPerVpc: number;
}

/** The fleet figures, each a time from a start to every chassis having done something. */
export interface FleetResult {
  readonly shape: FleetShape;
  readonly vpcs: number;
  readonly interfaces: number;
  /** Fleet process spawned (empty bridges, no chassis known) -> every chassis registered. */
  readonly registeredMs: number;
  /** Same start -> every chassis acknowledged its first (empty) state. */
  readonly emptyConvergedMs: number;
  /** Every interface written and the generations bumped -> every chassis acknowledged its state. */
  readonly dataConvergedMs: number;
  /** Fleet killed and spawned again (empty bridges, data in place) -> every chassis synced. */
  readonly restartSyncedMs: number;
  /** ListChassis poll interval (after the previous answer): the resolution of the figures. */
  readonly pollIntervalMs: number;
}

const pollIntervalMs = 20;
const timeoutMs = 300_000;

/** The /24 of fleet VPC `k`, in 10.128.0.0/9. */
const fleetCidr = (k: number) => `10.${128 + (k >> 8)}.${k & 255}.0/24`;

/**
 * Times a fleet of `shape.size` simulated chassis (one hvflowd process, memory datapath) from
 * nothing: (1) the process starts, its chassis register, sync and acknowledge an empty state;
 * (2) their interfaces land at once (multi-row INSERTs, then one UPDATE of the generations and
 * the change hint, as one big committed change) and every chassis converges to it; (3) the
 * process is killed and started again with empty bridges, and every chassis syncs its full
 * state (SyncInitialChassis). Leaves the fleet running in `h.fleet`.
 */
export async function measureFleet(
  h: RegionHarness,
  projectId: string,
  shape: FleetShape,
): Promise<FleetResult> {
  const api = h.api(0);
  const ids = fleetChassisIds(shape.size);
  const idSet = new Set(ids);
  const vpcCount = Math.ceil(shape.size / shape.chassisPerVpc);
  const vpcIds: string[] = [];
  for (let k = 0; k < vpcCount; k++) {
    const vpc = await api.vpcs.createVpc({
      name: `fleet-${k}`,
      cidr: fleetCidr(k),
      projectId,
      requestId: '',
    });
    vpcIds.push(vpc.id);
  }

  // (1) From an empty fleet.
  const startMs = performance.now();
  h.fleet = await spawnFleet(h.region, { size: shape.size, runDir: h.runDir });
  let registeredMs = NaN;
  await pollChassis(
    api,
    'registering the fleet',
    (listing) => {
      const p = progressOf(listing, idSet);
      if (p.registered === p.expected && Number.isNaN(registeredMs)) {
        registeredMs = performance.now() - startMs;
      }
      return p.converged === p.expected;
    },
    { timeoutMs, intervalMs: pollIntervalMs },
  );
  const emptyConvergedMs = performance.now() - startMs;

  // (2) The data lands.
  const specs: InterfaceRowSpec[] = ids.flatMap((chassisId, j) => {
    const k = Math.floor(j / shape.chassisPerVpc);
    const first = ipv4ToNumber(fleetCidr(k).split('/')[0]!);
    return Array.from({ length: shape.interfacesPerChassis }, (_, m) => {
      const slot = (j % shape.chassisPerVpc) * shape.interfacesPerChassis + m;
      return {
        vpcId: vpcIds[k]!,
        chassisId,
        name: `${chassisId}-${m}`,
        ip: first + 10 + slot,
        macIndex: slot,
      };
    });
  });
  await insertRows(h.db, 'interfaces', interfaceColumns, interfaceRows(specs));
  await recountInterfaces(h.db);
  await requestFullStates(
    h.db,
    (await chassisProgress(h.db, 'sim-')).map((c) => c.id),
  );
  const committedMs = performance.now();
  await h.sendChangeHint();
  await pollChassis(
    api,
    'converging the fleet to its interfaces',
    (listing) => {
      const p = progressOf(listing, idSet);
      return p.converged === p.expected;
    },
    { timeoutMs, intervalMs: pollIntervalMs },
  );
  const dataConvergedMs = performance.now() - committedMs;

  // (3) A restart with empty bridges: the chassis are known and converged in the database.
  const grpcPort = h.fleet.grpcPort;
  await h.fleet.stop('SIGKILL');
  h.fleet = undefined;
  const restartMs = performance.now();
  h.fleet = await spawnFleet(h.region, { size: shape.size, runDir: h.runDir, grpcPort });
  const deadline = restartMs + timeoutMs;
  while (!(await isReady(h.fleet))) {
    if (performance.now() > deadline) throw new Error('the restarted fleet never synced');
    await sleep(pollIntervalMs);
  }
  const restartSyncedMs = performance.now() - restartMs;
  await pollChassis(
    api,
    'the restarted fleet staying converged',
    (listing) => listing.filter((c) => idSet.has(c.id)).every(isConverged),
    { timeoutMs, intervalMs: pollIntervalMs },
  );
  return {
    shape,
    vpcs: vpcCount,
    interfaces: specs.length,
    registeredMs,
    emptyConvergedMs,
    dataConvergedMs,
    restartSyncedMs,
    pollIntervalMs,
  };
}
