// `node test/dist/bench/northd/northd-bench.js --out docs/benchmarks.md`: two northd processes on the
// local MySQL and RabbitMQ: change -> ACTIVE at idle, CreateInterface throughput, SyncInitialChassis
// of 1,000 interfaces and one converge pass over 1,000 chassis, written to the northd section of
// docs/benchmarks.md. See northd-args.ts for the flags.
import { relative } from 'node:path';
import { parseNorthdBenchArgs, usage, type NorthdBenchOptions } from './northd-args.js';
import { northdMarkdown } from './northd-markdown.js';
import { runNorthdBench } from './northd-run.js';
import { northdText } from './northd-text.js';
import { writeSection } from '../common/report.js';

const sectionName = 'northd';

async function main(): Promise<void> {
  let options: NorthdBenchOptions;
  try {
    options = parseNorthdBenchArgs(process.argv.slice(2));
  } catch (err: unknown) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n${usage}\n`);
    process.exitCode = 2;
    return;
  }
  const script = relative(process.cwd(), process.argv[1] ?? 'northd-bench.js');
  const command = ['node', script, ...process.argv.slice(2)].join(' ');
  const run = await runNorthdBench(options, command);
  process.stdout.write(`${northdText(run)}\n`);
  if (options.out !== undefined) {
    await writeSection(options.out, sectionName, northdMarkdown(run));
    process.stdout.write(`wrote section ${sectionName} of ${options.out}\n`);
  }
}

await main();
