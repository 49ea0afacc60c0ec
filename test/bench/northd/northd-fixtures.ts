import { setTimeout as sleep } from 'node:timers/promises';
import type { Vpc } from '@vpcd/api';
import type { Queryable } from '@vpcd/db';
import { chassisProgress, requestFullStates } from '@vpcd/northd/testing';
import { retryPushbackMs } from '@vpcd/rpc';
import type { BenchCluster } from './northd-cluster.js';

/** Polls `read` every `intervalMs` until `done` holds; throws, naming `what`, after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs: number,
  intervalMs = 20,
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (performance.now() > deadline) {
      throw new Error(`${what}: not done after ${timeoutMs} ms (last: ${JSON.stringify(value)})`);
    }
    await sleep(intervalMs);
  }
}

/** Chassis not yet acknowledging their desired generation, and chassis without a live lease. */
export interface Backlog {
  readonly behind: number;
  readonly unleased: number;
}

/** The backlog of the chassis whose id starts with `prefix` (all of them by default). */
export async function backlog(db: Queryable, prefix = ''): Promise<Backlog> {
  const progress = await chassisProgress(db, prefix);
  return {
    behind: progress.filter((c) => c.pending > 0 && !c.refusedOnly).length,
    unleased: progress.filter((c) => !c.leased).length,
  };
}

/** Waits until every chassis (of `prefix`) is leased and has acknowledged its desired state. */
export function waitConverged(
  cluster: BenchCluster,
  timeoutMs: number,
  prefix = '',
): Promise<Backlog> {
  return waitFor(
    `converging the chassis${prefix ? ` ${prefix}*` : ''}`,
    () => backlog(cluster.db, prefix),
    (b) => b.behind === 0 && b.unleased === 0,
    timeoutMs,
  );
}

/**
 * Schedules the chassis of `prefix` for convergence as a committed change does (a full state
 * asked for each) and sends the change hint. Returns the chassis scheduled and when the rows
 * had committed (performance.now()).
 */
export async function bumpGenerations(
  cluster: BenchCluster,
  prefix: string,
): Promise<{ chassis: number; committedAtMs: number }> {
  const ids = (await chassisProgress(cluster.db, prefix)).map((c) => c.id);
  const chassis = await requestFullStates(cluster.db, ids);
  const committedAtMs = performance.now();
  await cluster.sendChangeHint();
  return { chassis, committedAtMs };
}

export async function createProject(cluster: BenchCluster, name: string): Promise<string> {
  return (await cluster.api(0).projects.createProject({ name, requestId: '' })).id;
}

/** Creates VPCs one after another through the API, taking turns between the instances. */
export async function createVpcs(
  cluster: BenchCluster,
  projectId: string,
  specs: ReadonlyArray<{ name: string; cidr: string }>,
): Promise<Vpc[]> {
  const vpcs: Vpc[] = [];
  for (const [i, spec] of specs.entries()) {
    vpcs.push(await cluster.api(i).vpcs.createVpc({ ...spec, projectId, requestId: '' }));
  }
  return vpcs;
}

/**
 * Registers chassis through the API (RegisterChassis), taking turns between the instances; a
 * call refused by northd's resync throttle is made again when its pushback says.
 */
export async function registerChassis(
  cluster: BenchCluster,
  ids: readonly string[],
  underlayIp: (i: number) => string,
): Promise<void> {
  for (const [i, chassisId] of ids.entries()) {
    for (;;) {
      try {
        await cluster.api(i).chassis.registerChassis({
          chassisId,
          hostname: chassisId,
          underlayIp: underlayIp(i),
          hvflowdAddr: `${chassisId}:50053`,
          requestId: '',
        });
        break;
      } catch (err) {
        const pushbackMs = retryPushbackMs(err);
        if (pushbackMs === undefined) throw err;
        await sleep(pushbackMs);
      }
    }
  }
}
