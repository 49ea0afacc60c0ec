import assert from 'node:assert/strict';
import { ChassisServiceClient, ProjectServiceClient, VpcServiceClient } from '@vpcd/api';
import { createDatabase } from '@vpcd/db';
import { createLogger, createRegistry } from '@vpcd/observability';
import { createClient } from '@vpcd/rpc';
import { checkHistory } from '../region/history/check-history.js';
import type { History } from '../region/history/history.js';
import type { Region } from '../region/local-region.js';
import { readFinalState } from '../region/read-final-state.js';
import { startRunObserver } from '../region/run-observer.js';
import { startWriteLoad } from '../region/write-load.js';
import { regionChassis } from '../region/zero-diff/region-chassis.js';
import { zeroDiffAudit } from '../region/zero-diff/zero-diff-audit.js';

/**
 * How long after its answer, or after the fault healed if later, an acknowledged change may
 * take to be ACTIVE: a lease TTL (a dead owner's chassis are claimed by then), two heartbeat
 * intervals and a converge interval (a restarted hvflowd resyncs, a missed change is found
 * again), and the rest slack for a loaded 2-core machine. A correctness bound, not a target.
 */
export const activeBudgetMs = (leaseTtlMs: number) => leaseTtlMs + 2 * 2000 + 500 + 10_000;

export interface UnderLoadOptions {
  /** The lease TTL the region runs with (default 3000 ms, the region's). */
  readonly leaseTtlMs?: number;
  /** The database's URL at the end, when the chaos moved it (a promoted replica). */
  readonly mysqlUrl?: () => string;
  /**
   * Every how many writes of a worker one deletes (write-load.ts; default 4). At 2 the VPC stays
   * small, and chassis leave it and join it again all the time.
   */
  readonly deleteEvery?: number;
}

/**
 * Runs `chaos` while a write load creates and deletes interfaces in a fresh VPC, lets the load
 * go on until it has made progress again, stops it, and asserts that the recorded history
 * satisfies the model (region/history/check-history.ts) and that every chassis holds exactly
 * the flows recomputed from the database (region/zero-diff). Resolves what the load saw:
 * creates answered OK and failed attempts by code.
 */
export async function underLoad(
  region: Region,
  name: string,
  chassisIds: readonly string[],
  chaos: () => Promise<void>,
  options: UnderLoadOptions = {},
): Promise<{ answered: number; retried: ReadonlyMap<string, number> }> {
  const api = {
    logger: createLogger({ name: 'chaos', level: 'silent' }),
    registry: createRegistry({ service: 'chaos', collectDefault: false }),
    address: region.northdAddr,
    bearerToken: region.adminToken,
    tls: region.clientTls,
  };
  const projects = createClient(ProjectServiceClient, api);
  const vpcs = createClient(VpcServiceClient, api);
  const project = await projects.createProject({ name, requestId: `chaos-${name}` });
  const vpc = await vpcs.createVpc({
    name,
    cidr: '10.0.0.0/16',
    requestId: `chaos-${name}-vpc`,
    projectId: project.id,
  });
  projects.close();
  vpcs.close();
  // The fault must meet a region in its steady state: every chassis owned by a northd. (A chassis
  // registered just before a write load starts can wait 20 s and more for its first owner.)
  const chassis = createClient(ChassisServiceClient, api);
  for (let i = 0; ; i++) {
    const { chassis: all } = await chassis.listChassis({ pageSize: 1000, pageToken: '' });
    if (chassisIds.every((id) => all.some((c) => c.id === id && c.owner !== ''))) break;
    assert.ok(i < 600, `not every chassis of ${chassisIds.join(', ')} has an owner`);
    await new Promise((r) => setTimeout(r, 100));
  }
  chassis.close();
  const addresses = region.northds.map((n) => `127.0.0.1:${n.grpcPort}`);
  const observer = startRunObserver({
    addresses,
    token: region.adminToken,
    tls: region.clientTls,
    vpcId: vpc.id,
    hvflowds: () =>
      region.chassis.map((spec, i) => ({
        chassisId: spec.id,
        address: `127.0.0.1:${region.hvflowds[i]!.grpcPort}`,
        pid: region.hvflowds[i]!.child.pid,
      })),
    hvflowdTls: region.tls?.clientTls('southd'),
  });
  const load = startWriteLoad({
    addresses,
    token: region.adminToken,
    tls: region.clientTls,
    vpcId: vpc.id,
    chassisIds,
    requestIdPrefix: name,
    deleteEvery: options.deleteEvery,
  });
  while (load.acknowledged() < 10) await new Promise((r) => setTimeout(r, 50));
  await chaos();
  const healedMs = Date.now();
  const before = load.acknowledged();
  while (load.acknowledged() < before + 10) await new Promise((r) => setTimeout(r, 50));
  const operations = await load.stop();
  const budgetMs = activeBudgetMs(options.leaseTtlMs ?? 3000);

  // The observer goes on until every interface is ACTIVE and every chassis has applied what it
  // was due when the load stopped (so every acknowledged delete), or the budget is spent.
  const lastAnswerMs = Math.max(...operations.map((op) => op.completedMs));
  const settledBy = Math.max(healedMs, lastAnswerMs) + budgetMs;
  const stoppedMs = Date.now();
  const allActive = () => {
    const latest = observer.latest();
    return (
      latest !== undefined &&
      latest.atMs > stoppedMs &&
      latest.interfaces.every((i) => observer.firstActiveMs.has(i.id))
    );
  };
  const caughtUp = () =>
    chassisIds.every((id) => {
      const after = observer.generationSamples.filter(
        (s) => s.chassisId === id && s.atMs > stoppedMs,
      );
      const due = after[0]?.desired;
      return due !== undefined && after.some((s) => s.applied >= due);
    });
  while (!(allActive() && caughtUp()) && Date.now() < settledBy) {
    await new Promise((r) => setTimeout(r, 100));
  }
  await observer.stop();

  const live = region.northds.find(
    (n) => n.child.exitCode === null && n.child.signalCode === null,
  )!;
  const history: History = {
    operations,
    epochSamples: observer.epochSamples,
    generationSamples: observer.generationSamples,
    firstActiveMs: observer.firstActiveMs,
    healedMs,
    vpcIds: [vpc.id],
  };
  const final = await readFinalState({
    address: `127.0.0.1:${live.grpcPort}`,
    token: region.adminToken,
    tls: region.clientTls,
    vpcIds: [vpc.id],
  });
  const problems = checkHistory(history, final, { activeBudgetMs: budgetMs });
  const count = (kind: string, outcome: string) =>
    operations.filter((op) => op.kind === kind && op.outcome === outcome).length;
  const summary =
    `${name}: ${operations.length} operations; creates ok ${count('create', 'ok')}, ` +
    `indeterminate ${count('create', 'indeterminate')}, failed ${count('create', 'failed')}; ` +
    `deletes ok ${count('delete', 'ok')}; ${history.epochSamples.length} epoch samples`;
  assert.deepEqual(
    problems.map((p) => `${p.rule}: ${p.message}`),
    [],
    summary,
  );
  assert.ok(load.acknowledged() >= 20, summary);
  assert.ok(count('delete', 'ok') > 0, summary);

  const db = createDatabase({
    url: options.mysqlUrl?.() ?? region.mysqlUrl,
    logger: api.logger,
    registry: createRegistry({ service: 'zero-diff', collectDefault: false }),
  });
  try {
    const audit = await zeroDiffAudit({ db, chassis: regionChassis(region), timeoutMs: budgetMs });
    assert.deepEqual(audit.problems, [], `${name}: flows on the chassis`);
    assert.equal(audit.compared.size, region.chassis.length);
  } finally {
    await db.close();
  }
  return { answered: load.acknowledged(), retried: load.retried };
}
