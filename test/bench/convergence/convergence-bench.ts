// `node test/dist/bench/convergence/convergence-bench.js --out docs/benchmarks.md`: the figures
// issue 16's targets are measured by, on a local region (2 northd, real southd, a simulated fleet)
// on the local MariaDB and RabbitMQ: CPU per create of every vpcd process, MariaDB and RabbitMQ
// in VPCs of 100 and of 10,000 interfaces, creates/s and p99 with 32 calls outstanding, VPCs
// sharing chassis against VPCs on chassis of their own, and change -> ACTIVE at idle and under
// load. Written to the convergence section of docs/benchmarks.md; `--quick` checks it in under a
// minute. See convergence-args.ts for the flags.
import { relative } from 'node:path';
import { writeSection } from '../common/report.js';
import {
  parseConvergenceBenchArgs,
  usage,
  type ConvergenceBenchOptions,
} from './convergence-args.js';
import { convergenceMarkdown, convergenceText } from './convergence-markdown.js';
import { runConvergenceBench } from './convergence-run.js';

const sectionName = 'convergence';

async function main(): Promise<void> {
  let options: ConvergenceBenchOptions;
  try {
    options = parseConvergenceBenchArgs(process.argv.slice(2));
  } catch (err: unknown) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n${usage}\n`);
    process.exitCode = 2;
    return;
  }
  const script = relative(process.cwd(), process.argv[1] ?? 'convergence-bench.js');
  const command = ['node', script, ...process.argv.slice(2)].join(' ');
  const run = await runConvergenceBench(options, command);
  process.stdout.write(`${convergenceText(run)}\n`);
  if (options.out !== undefined) {
    await writeSection(options.out, sectionName, convergenceMarkdown(run));
    process.stdout.write(`wrote section ${sectionName} of ${options.out}\n`);
  }
}

await main();
