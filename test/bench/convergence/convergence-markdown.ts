import { fixed, markdownTable, percent } from '../common/markdown-table.js';
import { errorsText } from '../northd/northd-markdown.js';
import type { ConvergenceRun } from './convergence-run.js';
import {
  roundRatios,
  spreadOf,
  summarizeVariant,
  targetRows,
  type Spread,
  type Verdict,
} from './convergence-summary.js';
import { variantLabel, variantNames } from './layout.js';

const ms = (n: number) => fixed(n, 1);

/** `median (min-max)` of a spread, with `digits` decimals. */
export function spreadText(s: Spread, digits: number): string {
  if (s.n <= 1) return fixed(s.median, digits);
  return `${fixed(s.median, digits)} (${fixed(s.min, digits)}-${fixed(s.max, digits)})`;
}

const verdictText = (v: Verdict) => (v === 'not met' ? '**not met**' : v);

const groupOrder = ['northd', 'southd', 'fleet', 'hvflowd', 'mariadb', 'rabbitmq'];

function setup(run: ConvergenceRun): string {
  const { machine: m, options: o } = run;
  const quick = o.quick
    ? '\n\n**Quick run (`--quick`): small sizes, a check that the benchmark works, not figures.**'
    : '';
  return `## convergence: CPU per create, creates/s and change -> ACTIVE with the real southbound

Measured ${run.startedAt.toISOString()} on ${m.cpuModel}, ${m.cores} cores,
${m.totalMemoryGiB.toFixed(1)} GiB memory, Node ${m.node} (${m.os}); the run took
${run.wallSeconds.toFixed(0)} s. The machine's 1-minute load average was
${fixed(run.loadAverage.start, 2)} when the run started and ${fixed(run.loadAverage.end, 2)} when
it ended (its own processes included).${quick}

Command: \`${run.command}\`

Set-up: the local region of \`test/region/local-region.ts\` in plaintext: ${run.northds} northd and
${o.southds} southd processes (\`LEASE_TTL_MS=10000\`, northd's default, \`CONVERGE_INTERVAL_MS=500\`,
\`LOG_LEVEL=info\` piped to log files), two hvflowd processes with one memory-datapath chassis each
(hv-a, hv-b: change -> ACTIVE is sampled there, in a VPC of its own), and one hvflowd process
simulating a fleet of ${run.fleetSize} chassis (memory datapath), on a throwaway database of the
local MariaDB and a throwaway vhost of the local RabbitMQ, all on this machine. Every create goes
the whole data path: API, converge loop, RabbitMQ, southd, the fleet's hvflowd, its ack recorded
by northd.`;
}

function method(run: ConvergenceRun): string {
  const o = run.options;
  const p = run.prefill;
  return `Variants, each on fleet chassis of its own so that no variant's state reaches another's:
${variantNames.map((n) => `**${n}**: ${variantLabel(n, o)}`).join('; ')} (each VPC a /16
spanning ${o.chassisPerVpc} chassis). The ${p.interfaces} interfaces they hold before the load were
written with multi-row INSERTs in ${fixed(p.writeMs / 1000, 1)} s and converged in
${fixed(p.convergeMs / 1000, 1)} s.

A window: with every chassis converged, CreateInterface in a closed loop with ${o.concurrency}
calls outstanding for ${o.seconds} s, call *i* to northd *i* mod ${run.northds} and to VPC *i* mod
${o.vpcs}, on that VPC's chassis in turn; meanwhile change -> ACTIVE is sampled one interface after
another on hv-a and hv-b (polled every 10 ms). The window ends when the load's last call is
answered and then every chassis has acknowledged its state (ListChassis polled every 50 ms), so
convergence that falls behind the API is paid for inside it. Afterwards, off the clock, the
interfaces the load made are deleted through the API, so every window starts from the same sizes.
Each variant had ${o.warmupSeconds} s of such load, unmeasured, before the first round. Each
round first takes ${o.idleSamples} change -> ACTIVE samples at idle (every chassis converged before
each), then one window of each variant, in the order ${variantNames.join(', ')} in odd rounds and
the reverse in even ones.

**CPU per create** = utime + stime (\`/proc/<pid>/stat\`) over the window of every vpcd process
(${run.northds} northd, ${o.southds} southd, the fleet's and the two memory chassis' hvflowd),
MariaDB (\`mariadbd\`) and RabbitMQ (\`beam.smp\`), divided by the CreateInterface calls answered
OK in the window (the load's and the sampler's). The benchmark process (load generator, sampler,
polling) is not counted. MariaDB and RabbitMQ are the machine's, shared with whatever else runs:
MariaDB's threads are told apart (one thread per connection; \`information_schema.processlist\`
names each connection's thread, read every 200 ms), and those seen serving another database are
left out ("MariaDB, other databases" in the per-window table); its background threads count.
RabbitMQ is counted whole; other work on the machine shows in the last column. **Change -> ACTIVE** runs from
CreateInterface answered to the first GetInterface that answers ACTIVE.`;
}

function targets(run: ConvergenceRun): string {
  const rows = targetRows(run.windows, run.idle).map((t) => [
    t.what,
    t.target,
    spreadText(t.measured, t.digits),
    verdictText(t.verdict),
  ]);
  return `### Targets

${markdownTable(['Figure', 'Target', `Measured: median (min-max) over ${run.options.rounds} rounds`, 'Verdict'], rows)}

Ratios are taken within each round (its windows run back to back); a figure whose target lies
within the rounds' spread counts as met.`;
}

function variants(run: ConvergenceRun): string {
  const groups = groupOrder.filter((g) => (run.probeCounts[g] ?? 0) > 0);
  const rows = variantNames.map((n) => {
    const s = summarizeVariant(
      run.windows.filter((w) => w.variant === n),
      run.idleCores,
    );
    return [
      n,
      spreadText(s.cpuPerCreateMs, 2),
      spreadText(s.netCpuPerCreateMs, 2),
      spreadText(s.createsPerSecond, 0),
      spreadText(s.p50Ms, 1),
      spreadText(s.p99Ms, 1),
      spreadText(s.activeP99Ms, 1),
      ...groups.map((g) => percent(s.cpuShares[g] ?? NaN)),
    ];
  });
  const cpuRatio = roundRatios(run.windows, 'large', 'small', (w) => w.cpuPerCreateMs);
  const sharedRatio = roundRatios(run.windows, 'shared', 'small', (w) => w.load.callsPerSecond);
  return `### Medians by variant

${markdownTable(
  [
    'Variant',
    'CPU per create (ms)',
    'Less idle upkeep (ms)',
    'Creates/s',
    'p50 (ms)',
    'p99 (ms)',
    'Change -> ACTIVE p99 (ms)',
    ...groups.map((g) => `${g} CPU`),
  ],
  rows,
)}

Median (min-max) over the rounds; the last columns split the variant's CPU by process group.
"Less idle upkeep" takes off what the same processes used at idle over as long (heartbeats of
every chassis, lease renewals, periodic converge passes): ${spreadText(spreadOf(run.idleCores), 3)}
cores, measured for ${fixed(run.idleCpuMs / 1000, 0)} s in each round with every chassis converged.
Per-round ratios: CPU per create large / small ${spreadText(cpuRatio, 2)}, throughput shared /
small ${spreadText(sharedRatio, 2)}.`;
}

function windowsTable(run: ConvergenceRun): string {
  const rows = run.windows.map((w) => [
    String(w.round),
    w.variant,
    String(w.creates),
    errorsText(w.load.errors),
    fixed(w.load.callsPerSecond, 0),
    ms(w.load.ok.p50Ms),
    ms(w.load.ok.p99Ms),
    fixed(w.loadMs / 1000, 1),
    fixed(w.drainMs / 1000, 2),
    fixed(Object.values(w.cpuMs).reduce((a, b) => a + b, 0) / 1000, 1),
    fixed(w.cpuPerCreateMs, 2),
    ms(w.underLoad.answeredToActive.p99Ms),
    fixed(w.benchCpuMs / 1000, 1),
    fixed(w.mariadbOthersMs / 1000, 1),
    fixed(w.otherCores, 2),
  ]);
  return `### Per window

${markdownTable(
  [
    'Round',
    'Variant',
    'Creates',
    'Errors',
    'Creates/s',
    'p50 (ms)',
    'p99 (ms)',
    'Load (s)',
    'Drain (s)',
    'CPU (s)',
    'CPU per create (ms)',
    'Change -> ACTIVE p99 (ms)',
    'Bench CPU (s)',
    'MariaDB, other databases (s)',
    'Other processes (cores)',
  ],
  rows,
)}`;
}

function idleTable(run: ConvergenceRun): string {
  const rows = run.idle.map((l, i) => [
    String(i + 1),
    String(l.answeredToActive.count),
    ms(l.answeredToActive.p50Ms),
    ms(l.answeredToActive.p99Ms),
    ms(l.active.p99Ms),
    String(l.timedOut),
    String(l.failed),
  ]);
  const pooled = spreadOf(run.idle.map((l) => l.answeredToActive.p99Ms));
  return `### Change -> ACTIVE at idle

${markdownTable(
  [
    'Round',
    'Samples',
    'p50 (ms)',
    'p99 (ms)',
    'p99 from the call start (ms)',
    'Not ACTIVE in 10 s',
    'Failed',
  ],
  rows,
)}

Median p99 over the rounds ${spreadText(pooled, 1)} ms; samples polled every 2 ms.`;
}

/** The convergence section of docs/benchmarks.md. */
export function convergenceMarkdown(run: ConvergenceRun): string {
  return [setup(run), method(run), targets(run), variants(run), windowsTable(run), idleTable(run)]
    .join('\n\n')
    .concat('\n');
}

/** What the benchmark prints on stdout: the targets, one line each. */
export function convergenceText(run: ConvergenceRun): string {
  return targetRows(run.windows, run.idle)
    .map((t) => `${t.what}: ${spreadText(t.measured, t.digits)} (target ${t.target}): ${t.verdict}`)
    .join('\n');
}
