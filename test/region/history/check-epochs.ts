import type { EpochSample, FinalState, History } from './history.js';
import { problem, type Problem } from './problem.js';

/**
 * A chassis' epoch only rises: within each source's samples in time order, and no source ever
 * saw an epoch above the database's at the end (an epoch seen, then lost, could be reused).
 */
export function checkEpochs(history: History, final: FinalState): Problem[] {
  const problems: Problem[] = [];
  const streams = new Map<string, EpochSample[]>();
  for (const s of history.epochSamples) {
    const key = `${s.chassisId} as ${s.source} saw it`;
    streams.set(key, [...(streams.get(key) ?? []), s]);
  }
  for (const [key, samples] of streams) {
    const ordered = [...samples].sort((a, b) => a.atMs - b.atMs);
    for (let i = 1; i < ordered.length; i++) {
      const [before, after] = [ordered[i - 1]!, ordered[i]!];
      if (after.epoch < before.epoch) {
        problems.push(
          problem(
            'epoch-went-back',
            `${key}: ${before.epoch}, then ${after.epoch} at +${after.atMs - before.atMs} ms`,
          ),
        );
      }
    }
  }
  for (const s of history.epochSamples) {
    const end = final.epochs.get(s.chassisId);
    if (end !== undefined && s.epoch > end) {
      problems.push(
        problem(
          'epoch-beyond-database',
          `${s.chassisId}: ${s.source} saw ${s.epoch}, the database ends at ${end}`,
        ),
      );
    }
  }
  return problems;
}
