// `node test/dist/bench/resync/resync-bench.js --out docs/benchmarks.md`: a resync storm on a local
// region: a fleet of 1,000 simulated chassis restarts at once while its northd restarts; the
// time until every chassis is converged again, and the API's p99 at idle and during the storm.
// Written to the resync-storm section of docs/benchmarks.md; `--quick` checks it in about a
// minute. See resync-args.ts for the flags.
import { relative } from 'node:path';
import { parseResyncBenchArgs, usage, type ResyncBenchOptions } from './resync-args.js';
import { resyncMarkdown, resyncText } from './resync-markdown.js';
import { runResyncBench } from './resync-run.js';
import { writeSection } from '../common/report.js';

const sectionName = 'resync-storm';

async function main(): Promise<void> {
  let options: ResyncBenchOptions;
  try {
    options = parseResyncBenchArgs(process.argv.slice(2));
  } catch (err: unknown) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n${usage}\n`);
    process.exitCode = 2;
    return;
  }
  const script = relative(process.cwd(), process.argv[1] ?? 'resync-bench.js');
  const command = ['node', script, ...process.argv.slice(2)].join(' ');
  const run = await runResyncBench(options, command);
  process.stdout.write(`${resyncText(run)}\n`);
  if (options.out !== undefined) {
    await writeSection(options.out, sectionName, resyncMarkdown(run));
    process.stdout.write(`wrote section ${sectionName} of ${options.out}\n`);
  }
}

await main();
