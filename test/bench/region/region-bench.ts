// `node test/dist/bench/region/region-bench.js --out docs/benchmarks.md`: a whole local region (2 northd,
// 2 southd, memory chassis and a simulated fleet) on the local MySQL and RabbitMQ: a fleet of
// 1,000 converging from empty, change -> ACTIVE at idle and under tools/hammer's load, API
// throughput and p99, the memory of every service under that load, and failover after kill -9.
// Written to the region section of docs/benchmarks.md; `--quick` checks it in about a minute.
// See region-args.ts for the flags.
import { relative } from 'node:path';
import { parseRegionBenchArgs, usage, type RegionBenchOptions } from './region-args.js';
import { regionMarkdown, regionText } from './region-markdown.js';
import { runRegionBench } from './region-run.js';
import { writeSection } from '../common/report.js';

const sectionName = 'region';

async function main(): Promise<void> {
  let options: RegionBenchOptions;
  try {
    options = parseRegionBenchArgs(process.argv.slice(2));
  } catch (err: unknown) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n${usage}\n`);
    process.exitCode = 2;
    return;
  }
  const script = relative(process.cwd(), process.argv[1] ?? 'region-bench.js');
  const command = ['node', script, ...process.argv.slice(2)].join(' ');
  const run = await runRegionBench(options, command);
  process.stdout.write(`${regionText(run)}\n`);
  if (options.out !== undefined) {
    await writeSection(options.out, sectionName, regionMarkdown(run));
    process.stdout.write(`wrote section ${sectionName} of ${options.out}\n`);
  }
}

await main();
