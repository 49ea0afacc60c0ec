import type { History, ReadOperation } from './history.js';
import { interfaceWrites } from './logical-writes.js';
import { problem, type Problem } from './problem.js';

/**
 * Reads in real time: a read invoked after a create's OK answer finds the interface (unless its
 * delete had begun before the read ended), as answered; a read invoked after a delete's OK
 * answer does not find it. Northd reads the primary, so every read is of the latest commit.
 */
export function checkReads(history: History): Problem[] {
  const problems: Problem[] = [];
  const byId = new Map(
    interfaceWrites(history.operations).flatMap((w) =>
      w.acknowledged ? [[w.acknowledged.id, w] as const] : [],
    ),
  );
  const reads = history.operations.filter((op): op is ReadOperation => op.kind === 'read');
  for (const read of reads) {
    const w = byId.get(read.interfaceId);
    if (w === undefined || w.create.ackMs === undefined) continue;
    const at = `read ${read.requestId} of ${w.key}`;
    if (read.outcome === 'ok') {
      const deleted = w.delete?.ackMs;
      if (deleted !== undefined && deleted < read.invokedMs) {
        problems.push(problem('stale-read', `${at} found it after its delete was answered OK`));
      }
      const found = read.found;
      if (found && (found.ip !== w.acknowledged!.ip || found.mac !== w.acknowledged!.mac)) {
        problems.push(problem('stale-read', `${at} found other addresses than answered`));
      }
    } else if (read.outcome === 'failed' && read.code === 'NOT_FOUND') {
      const deleteBegan = w.delete !== undefined && w.delete.invokedMs < read.completedMs;
      if (w.create.ackMs < read.invokedMs && !deleteBegan) {
        problems.push(problem('stale-read', `${at} did not find it after its create was OK`));
      }
    }
  }
  return problems;
}
