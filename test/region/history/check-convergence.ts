import type { FinalState, History } from './history.js';
import { interfaceWrites } from './logical-writes.js';
import { problem, type Problem } from './problem.js';

/**
 * Every create that took effect is seen ACTIVE within `activeBudgetMs` of the later of its
 * answer and the heal (for an indeterminate create, of its last attempt), unless its delete
 * began before then. Every acknowledged delete is applied on its interface's chassis within the
 * same budget: the chassis applied a generation at least the desired one first sampled after the
 * delete's answer (which includes the delete).
 */
export function checkConvergence(
  history: History,
  final: FinalState,
  activeBudgetMs: number,
): Problem[] {
  const problems: Problem[] = [];
  const present = new Map(final.interfaces.map((i) => [`${i.vpcId}/${i.name}`, i]));
  for (const w of interfaceWrites(history.operations)) {
    const id = w.acknowledged?.id ?? present.get(w.key)?.id;
    if (id === undefined || w.create.outcome === 'failed') continue;
    const since = Math.max(w.create.ackMs ?? w.create.lastCompletedMs, history.healedMs);
    const deadline = since + activeBudgetMs;
    if (w.delete !== undefined && w.delete.invokedMs <= deadline) continue;
    const active = history.firstActiveMs.get(id);
    if (active === undefined || active > deadline) {
      const seen = active === undefined ? 'never' : `${active - since} ms`;
      problems.push(
        problem(
          'not-active-within-budget',
          `${w.key} (${id}): ACTIVE after ${seen}, budget ${activeBudgetMs} ms`,
        ),
      );
    }
  }
  for (const w of interfaceWrites(history.operations)) {
    const deletedMs = w.delete?.ackMs;
    if (deletedMs === undefined || w.acknowledged === undefined) continue;
    const { chassisId } = w.acknowledged;
    const since = Math.max(deletedMs, history.healedMs);
    const samples = history.generationSamples.filter((s) => s.chassisId === chassisId);
    const target = samples.find((s) => s.atMs >= deletedMs)?.desired;
    const applied = target === undefined ? undefined : samples.find((s) => s.applied >= target);
    if (applied === undefined || applied.atMs > since + activeBudgetMs) {
      const seen = applied === undefined ? 'never' : `${applied.atMs - since} ms`;
      problems.push(
        problem(
          'not-active-within-budget',
          `delete of ${w.key} (${w.acknowledged.id}) applied on ${chassisId} after ${seen}, budget ${activeBudgetMs} ms`,
        ),
      );
    }
  }
  return problems;
}
