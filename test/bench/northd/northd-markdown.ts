import { fixed, markdownTable } from '../common/markdown-table.js';
import type { LatencySummary } from '../common/latency-summary.js';
import type { NorthdRun } from './northd-run.js';
import { changeLatencyMet, northdTargets, syncMet } from './northd-targets.js';

const verdict = (met: boolean) => (met ? 'met' : '**not met**');
const ms = (n: number) => fixed(n, 1);
/** A bucket bound in seconds as milliseconds, `> 10000` past the last finite bucket. */
const boundMs = (seconds: number) =>
  Number.isFinite(seconds)
    ? `≤ ${fixed(seconds * 1000, 0)}`
    : Number.isNaN(seconds)
      ? 'n/a'
      : '> 10000';

/** `MariaDB 10.11.19` from `10.11.19-MariaDB-0+deb12u1`; `MySQL 8.0.36` from `8.0.36`. */
export function databaseName(version: string): string {
  const number = version.split('-')[0] ?? version;
  return /mariadb/i.test(version) ? `MariaDB ${number}` : `MySQL ${number}`;
}

/** `none`, or the failed calls by gRPC code: `Unavailable 3, Aborted 1`. */
export function errorsText(errors: Readonly<Record<string, number>>): string {
  const entries = Object.entries(errors).filter(([, n]) => n > 0);
  if (entries.length === 0) return 'none';
  return entries
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([code, n]) => `${code} ${n}`)
    .join(', ');
}

function setup(run: NorthdRun): string {
  const { machine: m, options: o } = run;
  return `## northd: API, chassis sync and convergence (${run.instances} instances)

Measured ${run.startedAt.toISOString()} on ${m.cpuModel}, ${m.cores} cores,
${m.totalMemoryGiB.toFixed(1)} GiB memory, Node ${m.node} (${m.os}); the run took
${run.wallSeconds.toFixed(0)} s. The machine's 1-minute load average was
${fixed(run.loadAverage.start, 2)} when the run started and ${fixed(run.loadAverage.end, 2)} when
it ended (its own processes included): other work on the machine, or on the shared MariaDB and
RabbitMQ, takes from the same cores.

Command: \`${run.command}\`

Set-up: ${run.instances} northd processes (\`node services/northd/dist/main.js\`, default lease
TTL 10 s and converge interval 2 s, \`LOG_LEVEL=warn\` so no line per call, no trace export) on one throwaway
database of the local ${databaseName(run.databaseVersion)} and one throwaway vhost of the local RabbitMQ, all on this
machine. The load comes from the benchmark process through @vpcd/rpc clients with the admin
token, call *i* going to instance *i* mod ${run.instances}. A fake southd in the same process
consumes the converge queue and acknowledges every state at once, applying nothing: the figures
are northd's, MySQL's and RabbitMQ's, not a chassis'. Each measurement has chassis and VPCs of
its own and they run in the order below. Percentiles are nearest-rank over every sample.

Parameters: change -> ACTIVE ${o.latencySamples} samples; CreateInterface ${o.concurrency}
calls outstanding for ${o.createSeconds} s over ${o.vpcs} VPCs (/16) and ${o.chassis} chassis;
SyncInitialChassis of a chassis with ${o.syncInterfaces} interfaces, ${o.syncCalls} calls;
${o.convergePasses} converge passes over ${o.convergeChassis} chassis with
${o.interfacesPerChassis} interfaces each, ${o.chassisPerVpc} chassis per VPC (/24).`;
}

function latency({ latency: l }: NorthdRun): string {
  const row = (what: string, x: LatencySummary) => [
    what,
    String(x.count),
    ms(x.p50Ms),
    ms(x.p99Ms),
    ms(x.maxMs),
  ];
  return `### Change -> ACTIVE at idle

p99 **${ms(l.active.p99Ms)} ms** against the target of ${northdTargets.activeP99Ms} ms: ${verdict(changeLatencyMet(l))}
(p50 ${ms(l.active.p50Ms)} ms; ${l.timedOut} of the samples not ACTIVE within
${l.timeoutMs / 1000} s).

${markdownTable(
  ['Span', 'Samples', 'p50 (ms)', 'p99 (ms)', 'max (ms)'],
  [
    row('CreateInterface sent -> GetInterface says ACTIVE', l.active),
    row('stage: the CreateInterface call', l.create),
    row('stage: its answer -> the state reaches the fake southd', l.toSouthd),
    row("stage: the state's delivery -> its ack confirmed by RabbitMQ", l.ackConfirm),
    row('stage: ack confirmed -> GetInterface says ACTIVE', l.toActive),
  ],
)}

From the start of CreateInterface to the first GetInterface (same instance, polled every
${l.pollIntervalMs} ms after the previous answer) that says ACTIVE, i.e. the interface's
chassis acknowledged a generation that includes it. Before each sample every chassis of the
measurement had acknowledged its state; each change re-converges two chassis sharing the VPC.
The stages split each sample at the fake southd's clock readings (the same process); their
percentiles are taken one by one, so they need not add up.`;
}

function create({ create: c, options: o }: NorthdRun): string {
  const perInstance = c.northd.map((w) => [
    w.id,
    fixed(w.cpuSeconds / (c.elapsedMs / 1000), 2),
    String(w.passes),
    fixed(w.passSeconds * 1000, 0),
    boundMs(w.longestPassAtMostSeconds),
    String(w.acksApplied),
  ]);
  return `### CreateInterface throughput

${markdownTable(
  ['Calls OK', 'Seconds', 'Throughput (calls/s)', 'p50 (ms)', 'p99 (ms)', 'max (ms)', 'Errors'],
  [
    [
      String(c.ok.count),
      fixed(c.elapsedMs / 1000, 1),
      fixed(c.callsPerSecond, 0),
      ms(c.ok.p50Ms),
      ms(c.ok.p99Ms),
      ms(c.ok.maxMs),
      errorsText(c.errors),
    ],
  ],
)}

Meanwhile, per instance (from its /metrics):

${markdownTable(
  [
    'Instance',
    'CPU (cores)',
    'Converge passes',
    'Pass time, total (ms)',
    'Longest pass (ms)',
    'Acks applied',
  ],
  perInstance,
)}

Each call has a fresh request_id; call *i* goes to VPC *i* mod ${o.vpcs} on chassis
floor(*i* / ${o.vpcs}) mod ${o.chassis}, so every VPC meets every chassis. Each create
bumps every chassis with an interface in its VPC, so the converge loops publish ever larger
states as the VPCs fill. CPU is the instance's \`process_cpu_seconds_total\` over the load;
passes are \`northd_converge_duration_seconds\`; acks applied are the acks the instance
recorded (either instance records any chassis' ack). The whole machine was busy
${fixed(c.machineBusyCores, 2)} cores on average (northd, MariaDB, RabbitMQ and the load
generator together). After the load stopped, the backlog (polled every 20 ms) was empty within
${fixed(c.drainMs, 0)} ms.`;
}

function sync({ sync: s }: NorthdRun): string {
  return `### SyncInitialChassis, ${s.ports} interfaces

${markdownTable(
  [
    'Calls',
    'Ports',
    'Remote ports',
    'State (KiB)',
    'p50 (ms)',
    'p99 (ms)',
    'max (ms)',
    `Target p99 < ${northdTargets.syncP99Ms} ms`,
  ],
  [
    [
      String(s.latency.count),
      String(s.ports),
      String(s.remotePorts),
      fixed(s.stateBytes / 1024, 1),
      ms(s.latency.p50Ms),
      ms(s.latency.p99Ms),
      ms(s.latency.maxMs),
      verdict(syncMet(s)),
    ],
  ],
)}

One call at a time, taking turns between the instances, after ${s.warmupCalls} unmeasured calls.
The chassis' interfaces are alone in a VPC of their own (written with multi-row INSERTs, then
converged once); ports, remote ports and size are those of the last answer.`;
}

function converge({ converge: c }: NorthdRun): string {
  const rows = c.passes.flatMap((p) =>
    p.northd.map((w, i) => [
      i === 0 ? String(p.pass) : '',
      i === 0 ? String(p.chassis) : '',
      i === 0 ? ms(p.allAckedMs) : '',
      w.id,
      String(w.ownedChassis),
      String(w.passes),
      fixed(w.passSeconds * 1000, 1),
      boundMs(w.longestPassAtMostSeconds),
      String(w.acksApplied),
      ms(w.lagMeanSeconds * 1000),
    ]),
  );
  return `### One converge pass over ${c.shape.chassis} chassis

Median, committed -> all acknowledged: **${ms(c.medianAllAckedMs)} ms** over ${c.passes.length} passes.

${markdownTable(
  [
    'Pass',
    'Chassis',
    'Committed -> all acknowledged (ms)',
    'Instance',
    'Owned chassis',
    'Converge passes',
    'Pass time, total (ms)',
    'Longest pass (ms)',
    'Acks applied',
    'Mean lag (ms)',
  ],
  rows,
)}

${c.shape.chassis} chassis (written with multi-row INSERTs) with ${c.shape.interfacesPerChassis}
interfaces each, ${c.shape.chassisPerVpc} chassis sharing each of ${c.vpcs} VPCs
(${c.interfaces} interfaces), leased by the instances and converged before each pass. One UPDATE
gives all of them a new desired generation and the change hint goes out, as when one committed
change touches them all; the time runs from that commit until the backlog, polled every
${c.pollIntervalMs} ms, shows every chassis acknowledged. It covers both converge loops
(state computation and publishing with confirms), the queue, the fake southd and the recording
of the acks. Per instance, from its /metrics over the same window:
\`northd_converge_duration_seconds\` (count, sum and the bucket of the longest pass),
\`northd_converge_acks_total{result="applied"}\` (either instance records any chassis' ack),
and the mean of
\`northd_chassis_converge_lag_seconds\` (generation bump -> ack, by the database clock).`;
}

function checks(run: NorthdRun): string {
  const lines = Object.entries(run.logLines)
    .map(([id, n]) => `${id} ${n.starting} while starting, ${n.ready} once ready`)
    .join('; ');
  return `### Checks

The fake southd acknowledged ${run.fakeSouthdAcks} converge messages over the run. Lines the
instances logged at warn and above: ${lines}.`;
}

/** The northd section of docs/benchmarks.md, without its markers. */
export function northdMarkdown(run: NorthdRun): string {
  return [setup, latency, create, sync, converge, checks].map((part) => part(run)).join('\n\n');
}
