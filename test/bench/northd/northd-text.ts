import { fixed } from '../common/markdown-table.js';
import { errorsText } from './northd-markdown.js';
import type { NorthdRun } from './northd-run.js';
import { changeLatencyMet, northdTargets, syncMet } from './northd-targets.js';

/** The summary printed on the terminal at the end of a run. */
export function northdText(run: NorthdRun): string {
  const { latency: l, create: c, sync: s, converge: v, options: o } = run;
  const met = (ok: boolean) => (ok ? 'met' : 'NOT MET');
  return [
    `northd bench: ${run.instances} instances, ${run.wallSeconds.toFixed(0)} s`,
    `change -> ACTIVE at idle    p50 ${fixed(l.active.p50Ms, 1)} ms  p99 ${fixed(l.active.p99Ms, 1)} ms` +
      `  (${l.active.count} samples, ${l.timedOut} not ACTIVE in time; target p99 ${northdTargets.activeP99Ms} ms: ${met(changeLatencyMet(l))})`,
    `CreateInterface             ${fixed(c.callsPerSecond, 0)} calls/s  p50 ${fixed(c.ok.p50Ms, 1)} ms` +
      `  p99 ${fixed(c.ok.p99Ms, 1)} ms  errors ${errorsText(c.errors)}` +
      `  (${o.concurrency} outstanding, ${c.ok.count} calls in ${fixed(c.elapsedMs / 1000, 1)} s)`,
    `SyncInitialChassis          p50 ${fixed(s.latency.p50Ms, 1)} ms  p99 ${fixed(s.latency.p99Ms, 1)} ms` +
      `  (${s.ports} ports, ${s.latency.count} calls; target p99 < ${northdTargets.syncP99Ms} ms: ${met(syncMet(s))})`,
    `converge pass, ${v.shape.chassis} chassis  median ${fixed(v.medianAllAckedMs, 0)} ms committed -> all acknowledged` +
      `  (passes: ${v.passes.map((p) => fixed(p.allAckedMs, 0)).join(', ')} ms)`,
  ].join('\n');
}
