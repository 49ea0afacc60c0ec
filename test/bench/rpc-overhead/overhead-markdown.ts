import type { BenchOptions } from './args.js';
import type { Pinning } from './cpu-pinning.js';
import { variants } from './bench-service.js';
import type { Machine } from '../common/machine.js';
import { fixed, markdownTable, percent } from '../common/markdown-table.js';
import type { RoundResult } from './measure-round.js';
import {
  disturbedOtherCores,
  instrumentationComplete,
  roundRatios,
  targets,
  type OverheadSummary,
  type Verdict,
} from './overhead-summary.js';

export interface OverheadRun {
  readonly startedAt: Date;
  readonly machine: Machine;
  readonly command: string;
  readonly options: BenchOptions;
  readonly rounds: readonly RoundResult[];
  /** The CPUs client and servers were pinned to; undefined when they were not. */
  readonly pinning: Pinning | undefined;
  /** Rounds taken again because other processes disturbed them (not in `rounds`). */
  readonly repeated: number;
  readonly summary: OverheadSummary;
}

const verdict = (v: Verdict) =>
  v === 'met' ? 'met' : v === 'within spread' ? "met: within the rounds' spread" : '**not met**';
const spread = ([low, high]: readonly [number, number]) => `${fixed(low, 3)}-${fixed(high, 3)}`;
const optional = (n: number | undefined) => (n === undefined ? 'n/a' : String(n));

function placement(pinning: Pinning | undefined): string {
  return pinning === undefined
    ? 'Not pinned to CPUs (no `taskset`, or one CPU): the scheduler placed client and servers.'
    : `The load generator ran on CPU ${pinning.clientCpu} and every server child on CPU ${pinning.serverCpu} (\`taskset\`, every thread).`;
}

function setup({ startedAt, machine, command, options: o, pinning }: OverheadRun): string {
  return `## rpc overhead: @vpcd/rpc against bare grpc-js (unary)

Measured ${startedAt.toISOString()} on ${machine.cpuModel}, ${machine.cores} cores,
${machine.totalMemoryGiB.toFixed(1)} GiB memory, Node ${machine.node} (${machine.os}).

Command: \`${command}\`

Parameters: rounds ${o.rounds}, each on a fresh server process of each variant; both are warmed
up for ${o.warmupSeconds} s (a fresh server's CPU time per call falls for about its first 4 s under
load, while V8 compiles its hot code on background threads), then take turns under load in slices of ${o.sliceSeconds} s, in pairs that alternate
their order (bare first in odd rounds, rpc first in even ones), until each has had
${o.measureSeconds} s measured; a variant's figures in a round add up its slices;
${o.concurrency} unary calls outstanding (closed loop) from one plain grpc-js \`VpcServiceClient\`
(one HTTP/2 connection, a 10 s deadline on every call) in the parent process, the server in a
child process. ${placement(pinning)} \`VpcService.GetVpc\` answers the same small \`Vpc\` in both
variants.

- **bare**: a grpc-js \`Server\`, a callback handler, no interceptors, channelz off.
- **rpc**: \`createServer\` of @vpcd/rpc, every interceptor doing its real work: pino at info
  writing one line per call to a file in memory (\`/dev/shm\`, as a service's stdout is a
  pipe; the temp dir where there is none) through the \`LogDestination\` services
  write stdout with (synchronous, one write at most 10 ms after a line is pending), the
  go-grpc-prometheus metrics in a \`createRegistry\` registry with the default process metrics,
  and \`startTracing\` sampling ${o.traceRatio >= 1 ? 'every call (`always_on`)' : `a ${o.traceRatio} share of the calls (\`parentbased_traceidratio\`)`}
  with a \`BatchSpanProcessor\` feeding an exporter that counts and drops the spans; every call
  goes through the tracing interceptor (\`--trace-ratio 1\` traces all of them).`;
}

function verdicts({ summary: s, options: o }: OverheadRun): string {
  const p = s.pairedRatios;
  const r = s.pairedRanges;
  const m = s.ratiosOfMedians;
  return `### Targets

${markdownTable(
  ['rpc / bare, median of the per-round ratios', 'Target', 'Measured', 'Rounds', 'Verdict'],
  [
    [
      'throughput',
      `>= ${targets.minThroughputRatio.toFixed(2)}`,
      fixed(p.throughput, 3),
      spread(r.throughput),
      verdict(s.verdicts.throughput),
    ],
    [
      'server CPU time per call',
      `<= ${targets.maxCpuPerCallRatio.toFixed(2)}`,
      fixed(p.cpuPerCall, 3),
      spread(r.cpuPerCall),
      verdict(s.verdicts.cpuPerCall),
    ],
    [
      'p99 latency',
      `<= ${targets.maxP99Ratio.toFixed(2)}`,
      fixed(p.p99, 3),
      spread(r.p99),
      verdict(s.verdicts.p99),
    ],
  ],
)}

The verdict takes the ratio within each round, whose variants take turns every
${o.sliceSeconds} s, as the machine's speed drifts from round to round and within a round; a
median past its target, with the target between the lowest and the highest round, counts as met
(issue 15: a figure within the runs' spread of its target counts as met). Also measured, rpc / bare:
p50 latency ${fixed(p.p50, 3)}; the ratios of the
medians below: throughput ${fixed(m.throughput, 3)}, p99 ${fixed(m.p99, 3)}, server CPU per call
${fixed(m.cpuPerCall, 3)}.`;
}

function disturbance({ summary: { maxOtherCores }, repeated }: OverheadRun): string {
  const again =
    repeated === 0
      ? ''
      : `${repeated} rounds were taken again because other processes used more than ${disturbedOtherCores} cores meanwhile. `;
  const most = `${again}Other processes used at most ${fixed(maxOtherCores, 2)} cores during a kept round`;
  return maxOtherCores > disturbedOtherCores
    ? `${most}: **the machine was not quiet**; see the last column of the per-round table and read the rounds above ${disturbedOtherCores} cores with care.`
    : `${most}: the machine was quiet.`;
}

function medians(run: OverheadRun): string {
  const { options, summary } = run;
  const rows = variants.map((v) => {
    const m = summary.medians[v];
    return [
      v,
      fixed(m.callsPerSecond, 0),
      fixed(m.p50Ms, 3),
      fixed(m.p99Ms, 3),
      fixed(m.serverCpuMicrosPerCall, 1),
      percent(m.serverCpuShare),
      percent(m.clientCpuShare),
    ];
  });
  return `### Medians over ${options.rounds} rounds

${markdownTable(
  [
    'Variant',
    'Throughput (calls/s)',
    'p50 (ms)',
    'p99 (ms)',
    'Server CPU per call (µs)',
    'Server CPU',
    'Client CPU',
  ],
  rows,
)}

Server CPU is the server process's CPU time (all its threads) over the measured wall time, 100%
being one core; client CPU is the same for the load generator. When the client is near 100%,
the load generator bounds the throughput, and the server CPU per call shows the overhead best.

${disturbance(run)}

${heap(run)}`;
}

const kib = (bytes: number) => fixed(bytes / 1024, 2);

/** The heap's figures per call: they do not move with the machine's speed, as CPU time does. */
function heap({ options, summary }: OverheadRun): string {
  const rows = variants.map((v) => {
    const m = summary.medians[v];
    return [
      v,
      kib(m.allocatedBytesPerCall),
      kib(m.promotedBytesPerCall),
      fixed(m.gcMicrosPerCall, 1),
    ];
  });
  const { bare, rpc } = summary.medians;
  return `### The server's heap per call, medians over ${options.rounds} rounds

${markdownTable(['Variant', 'Allocated (KiB)', 'Promoted (KiB)', 'Main thread in GC (µs)'], rows)}

From V8's GC profiler in the server child (\`v8.GCProfiler\`): what its young generation
allocated, what young collections promoted to the old generation (objects that were still
reachable when one ran), and the time the main thread spent collecting, each over the calls of
the measured slices. Allocation and promotion per call do not depend on the machine's speed.
The rpc server allocates ${kib(rpc.allocatedBytesPerCall - bare.allocatedBytesPerCall)} KiB and
promotes ${kib(rpc.promotedBytesPerCall - bare.promotedBytesPerCall)} KiB more per call than bare.`;
}

function perRound({ rounds }: OverheadRun): string {
  const rows = rounds.map((r) => [
    String(r.round),
    r.variant,
    String(r.calls),
    fixed(r.callsPerSecond, 0),
    fixed(r.p50Ms, 3),
    fixed(r.p99Ms, 3),
    fixed(r.serverCpuMicrosPerCall, 1),
    kib(r.allocatedBytesPerCall),
    kib(r.promotedBytesPerCall),
    percent(r.serverCpuShare),
    percent(r.serverEventLoopShare),
    percent(r.clientCpuShare),
    fixed(r.otherCores, 2),
  ]);
  return `### Per round

${markdownTable(
  [
    'Round',
    'Variant',
    'Calls',
    'Throughput (calls/s)',
    'p50 (ms)',
    'p99 (ms)',
    'Server CPU per call (µs)',
    'Allocated per call (KiB)',
    'Promoted per call (KiB)',
    'Server CPU',
    'Server event loop',
    'Client CPU',
    'Other processes (cores)',
  ],
  rows,
)}

${markdownTable(
  ['Round', 'Throughput rpc/bare', 'p50 rpc/bare', 'p99 rpc/bare', 'Server CPU per call rpc/bare'],
  roundRatios(rounds).map((r) => [
    String(r.round),
    fixed(r.throughput, 3),
    fixed(r.p50, 3),
    fixed(r.p99, 3),
    fixed(r.cpuPerCall, 3),
  ]),
)}`;
}

function instrumentation({ rounds }: OverheadRun): string {
  const rows = rounds.map((r) => [
    String(r.round),
    r.variant,
    String(r.callsSent),
    String(r.serverStats.handled),
    optional(r.serverStats.metricHandled),
    optional(r.serverStats.spansExported),
    optional(r.serverStats.logLines),
    optional(r.serverStats.logBytes),
    r.variant === 'bare' ? 'n/a' : instrumentationComplete(r) ? 'yes' : '**no**',
  ]);
  return `### Calls served and instrumented (warm-up included)

${markdownTable(
  [
    'Round',
    'Variant',
    'Calls completed',
    'Handler calls',
    'grpc_server_handled_total',
    'Spans exported',
    'Log lines',
    'Log bytes',
    'Every call instrumented',
  ],
  rows,
)}

Counted by the server child and checked against the calls the load generator completed. Log
lines are one per call plus the server's own start and stop lines.`;
}

/** The rpc-overhead section of docs/benchmarks.md, without its markers. */
export function overheadMarkdown(run: OverheadRun): string {
  return [setup, verdicts, medians, perRound, instrumentation]
    .map((part) => part(run))
    .join('\n\n');
}
