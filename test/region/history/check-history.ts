import { checkConvergence } from './check-convergence.js';
import { checkEpochs } from './check-epochs.js';
import { checkReads } from './check-reads.js';
import { checkUniqueness } from './check-uniqueness.js';
import { checkWrites } from './check-writes.js';
import type { FinalState, History } from './history.js';
import type { Problem } from './problem.js';

export interface CheckOptions {
  /** How long after its answer (or the heal, if later) a change may take to be ACTIVE. */
  readonly activeBudgetMs: number;
}

/**
 * The history of a run against the model of the API (see each rule's file); pure. Returns every
 * problem found, none for a valid history.
 */
export function checkHistory(history: History, final: FinalState, o: CheckOptions): Problem[] {
  return [
    ...checkWrites(history, final),
    ...checkReads(history),
    ...checkUniqueness(final),
    ...checkEpochs(history, final),
    ...checkConvergence(history, final, o.activeBudgetMs),
  ];
}
