import type { CallOutcome, Target, TargetSummary } from '@vpcd/hammer';

/**
 * One hammer Target over several of the same kind (one per northd, say): call i goes to target
 * i mod n, as a client-side round-robin balancer sends it. Each target keeps what it created
 * for itself, so give each a run id of its own.
 */
export function roundRobinTarget(targets: readonly Target[]): Target {
  const first = targets[0];
  if (!first) throw new Error('roundRobinTarget needs at least one target');
  let next = 0;
  return {
    kind: first.kind,
    description: targets.map((t) => t.description).join(' and '),
    calls: first.calls.filter((call) => targets.every((t) => t.calls.includes(call))),

    async prepare(mix) {
      for (const t of targets) await t.prepare(mix);
    },

    invoke(call): Promise<CallOutcome> {
      const target = targets[next++ % targets.length]!;
      return target.invoke(call);
    },

    errorCode: (err) => first.errorCode(err),

    async close(): Promise<TargetSummary> {
      const settled = await Promise.allSettled(targets.map((t) => t.close()));
      const failed = settled.find((s) => s.status === 'rejected');
      if (failed) throw failed.reason;
      const summaries = settled.map((s) => (s as PromiseFulfilledResult<TargetSummary>).value);
      const add = (pick: (s: TargetSummary) => Readonly<Record<string, number>>) => {
        const total: Record<string, number> = {};
        for (const s of summaries) {
          for (const [k, n] of Object.entries(pick(s))) total[k] = (total[k] ?? 0) + n;
        }
        return total;
      };
      return {
        setUp: add((s) => s.setUp),
        cleanedUp: add((s) => s.cleanedUp),
        notes: summaries.flatMap((s) => s.notes),
      };
    },
  };
}
