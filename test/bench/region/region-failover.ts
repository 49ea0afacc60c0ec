import type { Chassis } from '@vpcd/api';
import { requestFullStates } from '@vpcd/northd/testing';
import { isConverged, pollChassis } from './region-chassis.js';
import type { RegionHarness } from './region-harness.js';
import type { FailoverRep } from './region-summary.js';

export interface FailoverResult {
  readonly leaseTtlMs: number;
  /** Chassis of the region, shared by the two instances before each kill. */
  readonly chassisTotal: number;
  readonly reps: readonly FailoverRep[];
  /** ListChassis poll interval (after the previous answer): the resolution of the figures. */
  readonly pollIntervalMs: number;
}

const pollIntervalMs = 20;
const timeoutMs = 120_000;
const victimIndex = 1;
const survivorId = 'northd-0';
const victimId = `northd-${victimIndex}`;

/** Both instances hold about half the chassis, and every chassis is converged. */
function balanced(listing: readonly Chassis[]): boolean {
  const held = (id: string) => listing.filter((c) => c.owner === id).length;
  const [a, b] = [held(survivorId), held(victimId)];
  return a + b === listing.length && Math.abs(a - b) <= 1 && listing.every(isConverged);
}

/**
 * kill -9 of northd-1, `reps` times. Before each, the two instances share the chassis evenly
 * and all are converged. Right after the kill every chassis it held gets a new desired
 * generation (a change only a live owner can deliver); the clock runs from the kill until
 * ListChassis on the survivor shows each of them leased by the survivor at a new epoch, and
 * then acknowledging the change. The killed instance is started again between repetitions.
 */
export async function measureFailovers(
  h: RegionHarness,
  reps: number,
  leaseTtlMs: number,
): Promise<FailoverResult> {
  const api = h.api(0);
  const results: FailoverRep[] = [];
  let chassisTotal = 0;
  for (let rep = 1; rep <= reps; rep++) {
    let before: readonly Chassis[] = [];
    await pollChassis(
      api,
      'balancing the leases',
      (listing) => {
        before = listing;
        return balanced(listing);
      },
      { timeoutMs, intervalMs: 100 },
    );
    chassisTotal = before.length;
    const held = new Map(before.filter((c) => c.owner === victimId).map((c) => [c.id, c.epoch]));
    const ids = [...held.keys()];
    const killedMs = performance.now();
    await h.region.northds[victimIndex]!.stop('SIGKILL');
    await requestFullStates(h.db, ids);
    let reownedMs = NaN;
    await pollChassis(
      api,
      `failover ${rep}`,
      (listing) => {
        const orphans = listing.filter((c) => held.has(c.id));
        const reowned = orphans.every((c) => c.owner === survivorId && c.epoch > held.get(c.id)!);
        if (reowned && Number.isNaN(reownedMs)) reownedMs = performance.now() - killedMs;
        return reowned && orphans.every(isConverged);
      },
      { timeoutMs, intervalMs: pollIntervalMs },
    );
    results.push({
      rep,
      chassis: ids.length,
      reownedMs,
      convergedMs: performance.now() - killedMs,
    });
    await h.region.startNorthd(victimIndex);
  }
  await pollChassis(api, 'balancing the leases', balanced, { timeoutMs, intervalMs: 100 });
  return { leaseTtlMs, chassisTotal, reps: results, pollIntervalMs };
}
