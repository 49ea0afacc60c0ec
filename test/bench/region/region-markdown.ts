import type { LatencySummaryMs } from '@vpcd/hammer';
import { FLEET_SYNC_CONCURRENCY } from '@vpcd/hvflowd';
import { fixed, markdownTable, percent } from '../common/markdown-table.js';
import { errorsText } from '../northd/northd-markdown.js';
import { northdTargets } from '../northd/northd-targets.js';
import { peakGrowth, type MemoryRow } from './peak-memory.js';
import type { ActiveLatency } from './region-latency.js';
import { regionMix } from './region-load.js';
import type { RegionRun } from './region-run.js';
import { failoverVerdict } from './region-summary.js';

const verdict = (met: boolean) => (met ? 'met' : '**not met**');
const ms = (n: number) => fixed(n, 1);
const seconds = (milliseconds: number) => fixed(milliseconds / 1000, 2);
const mib = (bytes: number) => fixed(bytes / 2 ** 20, 1);
const mixText = Object.entries(regionMix)
  .map(([call, weight]) => `${call}=${weight}`)
  .join(', ');

function setup(run: RegionRun): string {
  const { machine: m, options: o } = run;
  return `## region: a local region under the hammer, a fleet of ${o.fleet}, failover

Measured ${run.startedAt.toISOString()} on ${m.cpuModel}, ${m.cores} cores,
${m.totalMemoryGiB.toFixed(1)} GiB memory, Node ${m.node} (${m.os}); the run took
${run.wallSeconds.toFixed(0)} s. The machine's 1-minute load average was
${fixed(run.loadAverage.start, 2)} when the run started and ${fixed(run.loadAverage.end, 2)} when
it ended (its own processes included).${o.quick ? '\n\n**Quick run (`--quick`): small sizes, a check that the benchmark works, not figures.**' : ''}

Command: \`${run.command}\`

Set-up: the local region of \`test/region/local-region.ts\`: ${run.northds} northd and ${run.southds}
southd processes (\`LEASE_TTL_MS=${o.leaseTtlMs}\`, \`CONVERGE_INTERVAL_MS=500\`, \`LOG_LEVEL=info\`,
one line per call, piped to log files by the benchmark process; no trace export), two hvflowd
processes with one memory-datapath chassis each (hv-a, hv-b), and one hvflowd process simulating a
fleet of ${o.fleet} chassis (\`SIMULATE_CHASSIS\`, memory datapath, each chassis' heartbeat every
5 s), on a throwaway database of
the local MySQL and a throwaway vhost of the local RabbitMQ, all on this machine. Every figure
here goes the whole data path (API, converge loop, RabbitMQ, southd, hvflowd, ack recorded by
northd), where the northd section has a fake southd. The measurements run in the order below on
the same region.`;
}

function fleet({ fleet: f }: RegionRun): string {
  const { size, interfacesPerChassis, chassisPerVpc } = f.shape;
  return `### A fleet of ${size} simulated chassis from empty

${markdownTable(
  ['From', 'Until', 'Chassis', 'Interfaces', 'Seconds'],
  [
    [
      'fleet process spawned',
      'every chassis registered',
      String(size),
      '0',
      seconds(f.registeredMs),
    ],
    [
      'fleet process spawned',
      'every chassis acknowledged its first (empty) state',
      String(size),
      '0',
      seconds(f.emptyConvergedMs),
    ],
    [
      'interfaces written, generations bumped',
      'every chassis acknowledged its state',
      String(size),
      String(f.interfaces),
      seconds(f.dataConvergedMs),
    ],
    [
      'fleet killed and spawned again (empty bridges)',
      'every chassis applied its SyncInitialChassis state',
      String(size),
      String(f.interfaces),
      seconds(f.restartSyncedMs),
    ],
  ],
)}

One hvflowd process simulates the fleet (its chassis register and sync ${FLEET_SYNC_CONCURRENCY} at a time). First it
starts with no chassis known to northd: each registers, syncs an empty state and is converged by
the northd holding its lease. Then ${f.interfaces} interfaces (${interfacesPerChassis} a chassis,
${chassisPerVpc} chassis sharing each of ${f.vpcs} VPCs of a /24) are written with multi-row
INSERTs and every chassis gets a new desired generation in one UPDATE with the change hint, as one
committed change; every chassis then converges through RabbitMQ, southd and the fleet. Last the
fleet process is killed (\`kill -9\`) and spawned again on the same address, its bridges empty:
the time runs until its \`/readyz\` answers 200, i.e. every chassis applied the full state
SyncInitialChassis gave it. "Every chassis" is read from ListChassis (all pages, polled
${f.pollIntervalMs} ms after the previous answer): registered, and applied generation = desired
generation.`;
}

function hammer(run: RegionRun): string {
  const { report: r, thirds, cpuMs, wallMs } = run.load;
  const loadGeneratorCores = (cpuMs.get('bench') ?? 0) / wallMs;
  const row = (
    call: string,
    count: number,
    errors: Record<string, number>,
    perSecond: number,
    l: LatencySummaryMs,
  ) => [
    call,
    String(count),
    errorsText(errors),
    fixed(perSecond, 0),
    ms(l.p50),
    ms(l.p99),
    ms(l.max),
  ];
  const rows = Object.entries(r.calls).map(([call, c]) =>
    row(call, c.count, c.errors, c.throughputPerSecond, c.latencyMs),
  );
  rows.push(
    row(
      '**all**',
      r.totals.count,
      r.totals.errors,
      r.totals.throughputPerSecond,
      r.totals.latencyMs,
    ),
  );
  const o = run.options;
  return `### API throughput and p99 under the hammer

**${fixed(r.totals.throughputPerSecond, 0)} calls/s**, p99 **${ms(r.totals.latencyMs.p99)} ms**
(p50 ${ms(r.totals.latencyMs.p50)} ms; ${r.totals.errorCount} errors of ${r.totals.count} calls).

${markdownTable(['Call', 'Calls', 'Errors', 'Calls/s', 'p50 (ms)', 'p99 (ms)', 'max (ms)'], rows)}

tools/hammer's \`runHammer\`, closed loop: ${r.concurrency ?? o.concurrency} calls outstanding for
${fixed(r.elapsedMs / 1000, 1)} s, call *i* going to northd *i* mod ${run.northds} (one @vpcd/rpc
client each, admin token, 10 s deadline), mix ${mixText}: creates and deletes balance, so the data
set stays steady. Interfaces go into ${run.hammerVpcs} VPCs (/16, ${run.hammerInterfacesPerVpc}
interfaces each made before the load) on hv-a, hv-b and ${o.hammerChassis} fleet chassis, so every
write re-converges the chassis of its VPC; reads pick at random; deleteInterface deletes what the
run created and is skipped (not timed) while there is none (${r.totals.skipped} skipped). Latency is
HDR-recorded from each call's start (3 significant digits). Throughput held at
${fixed(thirds.firstPerSecond, 0)} calls/s over the first ${thirds.secondsPerThird} s and
${fixed(thirds.lastPerSecond, 0)} calls/s over the last ${thirds.secondsPerThird} s. The benchmark
process (hammer, change -> ACTIVE sampler, the services' log lines) used ${fixed(loadGeneratorCores, 2)}
cores meanwhile.`;
}

/** The order the CPU table lists groups in; any other group follows. */
const cpuGroups = ['northd', 'southd', 'hvflowd', 'fleet', 'mariadb', 'rabbitmq', 'bench'];
const cpuLabels: Record<string, string> = {
  northd: 'northd (both)',
  southd: 'southd (both)',
  hvflowd: 'hvflowd of hv-a and hv-b',
  fleet: 'the fleet',
  mariadb: 'MariaDB',
  rabbitmq: 'RabbitMQ',
  bench: 'benchmark process (hammer, sampler, log piping)',
};

function cpuPerCall(run: RegionRun): string {
  const { report: r, cpuMs, wallMs } = run.load;
  const calls = r.totals.count;
  const total = [...cpuMs.values()].reduce((a, b) => a + b, 0);
  const groups = [
    ...cpuGroups.filter((g) => cpuMs.has(g)),
    ...[...cpuMs.keys()].filter((g) => !cpuGroups.includes(g)).sort(),
  ];
  const row = (label: string, used: number) => [
    label,
    fixed(used / wallMs, 2),
    fixed(used / calls, 2),
    percent(used / total),
  ];
  const rows = groups.map((g) => row(cpuLabels[g] ?? g, cpuMs.get(g)!));
  rows.push(row('**all**', total));
  const cores = run.machine.cores;
  return `### CPU per call under the hammer

${markdownTable(['Process', 'Cores', 'CPU per call (ms)', 'Share'], rows)}

utime + stime (\`/proc/<pid>/stat\`) of every process the load costs, over its
${fixed(wallMs / 1000, 1)} s, the shared MariaDB and RabbitMQ servers included, divided by the
${calls} calls completed. A closed loop on ${cores} cores cannot serve more than
${cores} × 1000 ms of CPU a second divided by the CPU per call: about
${fixed((cores * 1000 * calls) / total, 0)} calls/s at this mix, whatever the latency.`;
}

function latencyRow(what: string, l: ActiveLatency): string[] {
  const target = northdTargets.activeP99Ms;
  return [
    what,
    String(l.active.count),
    ms(l.active.p50Ms),
    ms(l.active.p99Ms),
    ms(l.active.maxMs),
    String(l.timedOut),
    String(l.failed),
    verdict(l.timedOut === 0 && l.failed === 0 && l.active.p99Ms <= target),
  ];
}

function latency(run: RegionRun): string {
  return `### Change -> ACTIVE, idle and under the hammer

${markdownTable(
  [
    'Condition',
    'Samples',
    'p50 (ms)',
    'p99 (ms)',
    'max (ms)',
    `Not ACTIVE in ${run.idle.timeoutMs / 1000} s`,
    'Failed',
    `Target p99 ${northdTargets.activeP99Ms} ms`,
  ],
  [latencyRow('idle', run.idle), latencyRow('under the hammer', run.load.underLoad)],
)}

From the start of CreateInterface to the first GetInterface (same instance, polled every
${run.idle.pollIntervalMs} ms after the previous answer) that says ACTIVE: the chassis acknowledged
a generation that includes the interface. The interfaces go in turn to hv-a and hv-b, sharing one
VPC, and the samples take turns between the northd instances; percentiles are nearest-rank. At
idle, every chassis of the region is converged before each sample; under the hammer, samples
follow one another from the load's first second to its end, the chassis busy with its writes.`;
}

/** The memory table, one row per service process. */
export function memoryTable(rows: readonly MemoryRow[]): string {
  return markdownTable(
    [
      'Service',
      'RSS at start (MiB)',
      'RSS after 1/3 (MiB)',
      'Peak in 1/3 (MiB)',
      'RSS at end (MiB)',
      'Peak in all (MiB)',
      'Peak growth, 1/3 -> end',
    ],
    rows.map((r) => {
      const g = peakGrowth(r);
      return [
        r.service,
        mib(r.startRssBytes),
        mib(r.third.rssBytes),
        mib(r.third.peakBytes),
        mib(r.end.rssBytes),
        mib(r.end.peakBytes),
        `${mib(g.bytes)} MiB (${percent(g.share)})`,
      ];
    }),
  );
}

/** The sentence under the memory table: the largest growth, and whether peaks were reset. */
export function memorySummary(rows: readonly MemoryRow[]): string {
  if (rows.length === 0) return 'No process could be read.';
  const largest = [...rows].sort((a, b) => peakGrowth(b).bytes - peakGrowth(a).bytes)[0]!;
  const g = peakGrowth(largest);
  const reset = rows.every((r) => r.peakReset)
    ? 'Each peak (VmHWM) was reset when the load started, so both peaks are of the load alone.'
    : 'The kernel refused to reset the peaks (VmHWM): they count from each process start.';
  return `${reset} Largest growth of a peak from the first third to the end: ${mib(g.bytes)} MiB (${percent(g.share)}, ${largest.service}).`;
}

function memory(run: RegionRun): string {
  const rows = run.load.memory;
  return `### Memory of each service under the hammer

${memoryTable(rows)}

VmRSS and VmHWM from \`/proc/<pid>/status\` of every service process, read when the hammer
started, after its first third and when it ended. ${memorySummary(rows)}`;
}

function failover(run: RegionRun): string {
  const f = run.failover;
  const v = failoverVerdict(f.reps, f.leaseTtlMs);
  return `### Failover after kill -9 of a northd

Slowest of ${f.reps.length}: every chassis re-leased in **${ms(v.maxReownedMs)} ms** and converged in
**${ms(v.maxConvergedMs)} ms**, against the target of lease TTL + 2 s = ${v.targetMs} ms:
${verdict(v.met)}.

${markdownTable(
  [
    'Repetition',
    'Chassis held',
    'kill -> re-leased by the survivor (ms)',
    'kill -> converged (ms)',
  ],
  f.reps.map((r) => [String(r.rep), String(r.chassis), ms(r.reownedMs), ms(r.convergedMs)]),
)}

\`kill -9\` of northd-1 while the two instances share the ${f.chassisTotal} chassis evenly
(LEASE_TTL_MS=${f.leaseTtlMs}, leases renewed every third of it); right after the kill, every
chassis it held gets a new desired generation in one UPDATE, a change that only a live owner can
deliver. The clock runs from the kill until ListChassis on the survivor (polled
${f.pollIntervalMs} ms after the previous answer) shows each of them leased by the survivor at a
new epoch, then acknowledging that change. northd-1 is started again between repetitions.`;
}

/** The region section of docs/benchmarks.md. */
export function regionMarkdown(run: RegionRun): string {
  return [
    setup(run),
    fleet(run),
    hammer(run),
    cpuPerCall(run),
    latency(run),
    memory(run),
    failover(run),
  ].join('\n\n');
}

/** A few lines for the terminal. */
export function regionText(run: RegionRun): string {
  const f = run.fleet;
  const r = run.load.report.totals;
  const v = failoverVerdict(run.failover.reps, run.failover.leaseTtlMs);
  const growth = run.load.memory.map((m) => `${m.service} ${mib(peakGrowth(m).bytes)}`).join(', ');
  return [
    `fleet of ${f.shape.size}: registered ${seconds(f.registeredMs)} s, empty state acknowledged ${seconds(f.emptyConvergedMs)} s, ${f.interfaces} interfaces converged ${seconds(f.dataConvergedMs)} s, restart synced ${seconds(f.restartSyncedMs)} s`,
    `hammer: ${fixed(r.throughputPerSecond, 0)} calls/s, p50 ${ms(r.latencyMs.p50)} ms, p99 ${ms(r.latencyMs.p99)} ms, ${r.errorCount} errors of ${r.count}`,
    `change -> ACTIVE: idle p50 ${ms(run.idle.active.p50Ms)} p99 ${ms(run.idle.active.p99Ms)} ms (${run.idle.active.count}); under load p50 ${ms(run.load.underLoad.active.p50Ms)} p99 ${ms(run.load.underLoad.active.p99Ms)} ms (${run.load.underLoad.active.count})`,
    `memory peak growth 1/3 -> end (MiB): ${growth}`,
    `failover: ${run.failover.reps.map((x) => `${ms(x.convergedMs)}`).join(', ')} ms (max ${ms(v.maxConvergedMs)}, target ${v.targetMs})`,
  ].join('\n');
}
