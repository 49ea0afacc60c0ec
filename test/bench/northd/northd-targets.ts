import type { ChangeLatencyResult } from './change-latency.js';
import type { SyncInitialResult } from './sync-initial.js';

/** The targets the northd figures are held against. */
export const northdTargets = Object.freeze({
  /** Change -> ACTIVE, p99, at most (the architecture's data-path target). */
  activeP99Ms: 100,
  /** SyncInitialChassis of a chassis with 1,000 interfaces, p99, under (the target). */
  syncP99Ms: 50,
});

/** Every sample became ACTIVE, and the p99 is within the target. */
export function changeLatencyMet(result: ChangeLatencyResult): boolean {
  return result.timedOut === 0 && result.active.p99Ms <= northdTargets.activeP99Ms;
}

export function syncMet(result: SyncInitialResult): boolean {
  return result.latency.p99Ms < northdTargets.syncP99Ms;
}
