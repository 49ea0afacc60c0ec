// `make bench`: unary throughput and latency of a @vpcd/rpc server (every interceptor on)
// against a bare grpc-js server, alternating, written to docs/benchmarks.md. See args.ts.
import { relative } from 'node:path';
import { parseBenchArgs, usage, type BenchOptions } from './args.js';
import { variants } from './bench-service.js';
import { describeMachine } from './machine.js';
import { measureRound, type RoundOptions, type RoundResult } from './measure-round.js';
import { overheadMarkdown, type OverheadRun } from './overhead-markdown.js';
import { overheadText } from './overhead-text.js';
import { disturbedOtherCores, summarize } from './overhead-summary.js';
import { writeSection } from './report.js';

const sectionName = 'rpc-overhead';
/** How often one disturbed measurement is repeated before its figures are kept anyway. */
const maxRepeats = 3;

function progress(r: RoundResult, rounds: number): string {
  return (
    `round ${r.round}/${rounds} ${r.variant.padEnd(4)} ${r.callsPerSecond.toFixed(0)} calls/s` +
    ` p50 ${r.p50Ms.toFixed(3)} ms p99 ${r.p99Ms.toFixed(3)} ms` +
    ` server cpu ${r.serverCpuMicrosPerCall.toFixed(1)} µs/call` +
    ` (server ${(r.serverCpuShare * 100).toFixed(0)}%, client ${(r.clientCpuShare * 100).toFixed(0)}%,` +
    ` other processes ${r.otherCores.toFixed(2)} cores)\n`
  );
}

/**
 * Measures one variant in one round; a measurement that other processes disturbed (see
 * disturbedOtherCores) is repeated, at most maxRepeats times, and the last one is kept.
 */
async function measureQuietly(
  options: RoundOptions,
  rounds: number,
): Promise<{ result: RoundResult; repeats: number }> {
  for (let repeats = 0; ; repeats++) {
    const result = await measureRound(options);
    process.stderr.write(progress(result, rounds));
    if (result.otherCores <= disturbedOtherCores || repeats === maxRepeats) {
      return { result, repeats };
    }
    process.stderr.write('  other processes were busy: measuring this one again\n');
  }
}

async function run(options: BenchOptions): Promise<OverheadRun> {
  const startedAt = new Date();
  const rounds: RoundResult[] = [];
  let repeated = 0;
  for (let round = 1; round <= options.rounds; round++) {
    // Alternating order (bare first in odd rounds), so a drift within a round favours neither.
    const order = round % 2 === 1 ? variants : [...variants].reverse();
    for (const variant of order) {
      const { result, repeats } = await measureQuietly(
        { ...options, variant, round },
        options.rounds,
      );
      rounds.push(result);
      repeated += repeats;
    }
  }
  const script = relative(process.cwd(), process.argv[1] ?? 'rpc-overhead.js');
  return {
    startedAt,
    machine: describeMachine(),
    command: ['node', script, ...process.argv.slice(2)].join(' '),
    options,
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
