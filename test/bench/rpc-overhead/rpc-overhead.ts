// `make bench`: unary throughput and latency of a @vpcd/rpc server (every interceptor on)
// against a bare grpc-js server, alternating, written to docs/benchmarks.md. See args.ts.
import { relative } from 'node:path';
import { parseBenchArgs, usage, type BenchOptions } from './args.js';
import { variants } from './bench-service.js';
import { pinLoadGenerator } from './cpu-pinning.js';
import { describeMachine } from '../common/machine.js';
import { measureRound, type RoundOptions, type RoundResult } from './measure-round.js';
import { overheadMarkdown, type OverheadRun } from './overhead-markdown.js';
import { overheadText } from './overhead-text.js';
import { disturbedOtherCores, summarize } from './overhead-summary.js';
import { writeSection } from '../common/report.js';

const sectionName = 'rpc-overhead';
/** How often one disturbed round is repeated before its figures are kept anyway. */
const maxRepeats = 3;

function progress(r: RoundResult, rounds: number): string {
  return (
    `round ${r.round}/${rounds} ${r.variant.padEnd(4)} ${r.callsPerSecond.toFixed(0)} calls/s` +
    ` p50 ${r.p50Ms.toFixed(3)} ms p99 ${r.p99Ms.toFixed(3)} ms` +
    ` server cpu ${r.serverCpuMicrosPerCall.toFixed(1)} µs/call` +
    ` (server ${(r.serverCpuShare * 100).toFixed(0)}%, client ${(r.clientCpuShare * 100).toFixed(0)}%,` +
    ` other processes ${r.otherCores.toFixed(2)} cores, ${r.slices} slices)\n`
  );
}

/**
 * Measures one round; a round that other processes disturbed (see disturbedOtherCores) is
 * repeated, at most maxRepeats times, and the last one is kept.
 */
async function measureQuietly(
  options: RoundOptions,
  rounds: number,
): Promise<{ results: RoundResult[]; repeats: number }> {
  for (let repeats = 0; ; repeats++) {
    const results = await measureRound(options);
    for (const r of results) process.stderr.write(progress(r, rounds));
    const disturbed = results.some((r) => r.otherCores > disturbedOtherCores);
    if (!disturbed || repeats === maxRepeats) return { results, repeats };
    process.stderr.write('  other processes were busy: measuring this round again\n');
  }
}

async function run(options: BenchOptions): Promise<OverheadRun> {
  const startedAt = new Date();
  const pinning = pinLoadGenerator();
  process.stderr.write(
    pinning === undefined
      ? 'not pinned to CPUs (no taskset, or one CPU): the scheduler places client and servers\n'
      : `load generator on CPU ${pinning.clientCpu}, servers on CPU ${pinning.serverCpu}\n`,
  );
  const rounds: RoundResult[] = [];
  let repeated = 0;
  for (let round = 1; round <= options.rounds; round++) {
    // Bare first in odd rounds, rpc first in even ones; within a round the slices alternate.
    const [bare, rpc] = variants;
    const order = round % 2 === 1 ? ([bare, rpc] as const) : ([rpc, bare] as const);
    const { results, repeats } = await measureQuietly(
      { ...options, order, round, serverCpu: pinning?.serverCpu },
      options.rounds,
    );
    rounds.push(...results);
    repeated += repeats;
  }
  const script = relative(process.cwd(), process.argv[1] ?? 'rpc-overhead.js');
  return {
    startedAt,
    machine: describeMachine(),
    command: ['node', script, ...process.argv.slice(2)].join(' '),
    options,
    pinning,
    rounds,
    repeated,
    summary: summarize(rounds),
  };
}

async function main(): Promise<void> {
  let options: BenchOptions;
  try {
    options = parseBenchArgs(process.argv.slice(2));
  } catch (err: unknown) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n${usage}\n`);
    process.exitCode = 2;
    return;
  }
  // The server children inherit the environment: this is how the rpc one learns the ratio.
  process.env.BENCH_TRACE_RATIO = String(options.traceRatio);
  const result = await run(options);
  process.stdout.write(`${overheadText(result)}\n`);
  if (options.out !== undefined) {
    await writeSection(options.out, sectionName, overheadMarkdown(result));
    process.stdout.write(`wrote section ${sectionName} of ${options.out}\n`);
  }
}

await main();
