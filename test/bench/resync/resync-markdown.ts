import { fixed, markdownTable } from '../common/markdown-table.js';
import type { ProbeResult } from './api-probe.js';
import type { ResyncRun } from './resync-run.js';
import { percentile } from '../common/stats.js';

/** p50 and p99 of a probe, in ms, with its call count and failures. */
export function probeFigures(p: ProbeResult) {
  const sorted = p.latencies.sorted();
  return {
    calls: p.latencies.count,
    failures: p.failures.length,
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
  };
}

/** The resync-storm section of docs/benchmarks.md. */
export function resyncMarkdown(run: ResyncRun): string {
  const { machine: m, options: o, storm } = run;
  const idle = probeFigures(run.idle);
  const during = probeFigures(storm.probe);
  const ratio = during.p99 / idle.p99;
  const table = markdownTable(
    ['API probe (GetVpc, ListVpcs) on northd 1', 'calls', 'failed', 'p50 ms', 'p99 ms'],
    [
      [
        'idle (fleet converged)',
        String(idle.calls),
        String(idle.failures),
        fixed(idle.p50, 1),
        fixed(idle.p99, 1),
      ],
      [
        'during the storm',
        String(during.calls),
        String(during.failures),
        fixed(during.p50, 1),
        fixed(during.p99, 1),
      ],
    ],
  );
  return `## resync-storm: ${o.fleet} chassis restart at once, their northd restarts mid-storm

Measured ${run.startedAt.toISOString()} on ${m.cpuModel}, ${m.cores} cores, Node ${m.node}; the
run took ${run.wallSeconds.toFixed(0)} s; 1-minute load average ${fixed(run.loadAverage.start, 2)}
at the start, ${fixed(run.loadAverage.end, 2)} at the end.${o.quick ? '\n\n**Quick run (`--quick`): small sizes, a check that the benchmark works, not figures.**' : ''}

Command: \`${run.command}\`

Set-up: the local region (2 northd with the default resync throttle, \`RESYNC_RATE_PER_S=200\`,
\`RESYNC_BURST=200\`, \`RESYNC_MAX_IN_FLIGHT=4\`; 2 southd; plaintext), one hvflowd process
simulating ${o.fleet} chassis (memory datapath) that talks to northd 0. Once every chassis is
converged, the fleet process is killed and spawned again on its port (empty bridges: every
chassis registers and syncs at once), and as soon as northd 0 has refused some of it, northd 0 is
killed (\`kill -9\`) and started again on its port. An API probe (${o.concurrency} calls
outstanding, GetVpc and ListVpcs in turn) reads from northd 1 for ${o.idleSeconds} s at idle and
then from the spawn until every chassis is converged again.

| figure | value |
| --- | --- |
| fleet spawned -> every chassis synced, owned and at its desired generation | ${fixed(storm.convergedMs / 1000, 2)} s |
| fleet spawned -> northd 0 killed | ${storm.northdKilledMs === undefined ? 'n/a' : `${fixed(storm.northdKilledMs / 1000, 2)} s`} |
| calls northd refused (RESOURCE_EXHAUSTED with pushback; northd 0's first life as last scraped before its kill) | ${storm.throttled} |
| calls the agents retried on pushback | ${storm.pushbacks} |
| API p99 during the storm / at idle | ${fixed(ratio, 2)} (target: at most 2) |

${table}
`;
}

/** A short text summary for the terminal. */
export function resyncText(run: ResyncRun): string {
  const idle = probeFigures(run.idle);
  const during = probeFigures(run.storm.probe);
  return [
    `fleet ${run.options.fleet}: converged again ${fixed(run.storm.convergedMs / 1000, 2)} s after the restart`,
    `refused ${run.storm.throttled} calls, ${run.storm.pushbacks} retried on pushback`,
    `API p99 idle ${fixed(idle.p99, 1)} ms, storm ${fixed(during.p99, 1)} ms (${fixed(during.p99 / idle.p99, 2)}x); failures ${during.failures}`,
  ].join('\n');
}
