// Runs every alert and dashboard query of deploy/ on a private Prometheus that scrapes the given
// targets (the local region's services), and reports queries Prometheus refuses and, with
// --require-data, dashboard queries that return nothing.
//
//   node test/dist/deploy/check-queries.js \
//     --target northd=127.0.0.1:9101,127.0.0.1:9111 --target southd=127.0.0.1:9102 \
//     --target rabbitmq=127.0.0.1:15692 \
//     --target 'rabbitmq=127.0.0.1:15692/metrics/detailed?family=queue_coarse_metrics&family=queue_consumer_count' \
//     [--label namespace=vpcd] [--require-data] [--allow-empty '^vpcd-mysql:'] [--scrapes 3]
//
// Exit code 0 when every query parses (and, with --require-data, every dashboard query not
// matched by --allow-empty returns data); 1 otherwise.
import { parseArgs } from 'node:util';
import { deployPaths } from './paths.js';
import { PrivatePrometheus, type ScrapeTarget } from './prometheus-server.js';
import { checkQueries, deploymentQueries } from './queries.js';

const { values } = parseArgs({
  options: {
    target: { type: 'string', multiple: true, default: [] },
    label: { type: 'string', multiple: true, default: [] },
    'require-data': { type: 'boolean', default: false },
    'allow-empty': { type: 'string', multiple: true, default: [] },
    scrapes: { type: 'string', default: '3' },
  },
});
const labels = Object.fromEntries(values.label.map((l) => l.split('=', 2) as [string, string]));
const targets: ScrapeTarget[] = values.target.map((t) => {
  // job=host:port[,host:port...][/path[?query]]
  const [, job, hosts, metricsPath, query] = /^([^=]+)=([^/]+)(\/[^?]*)?(?:\?(.*))?$/.exec(t) ?? [];
  if (!job || !hosts)
    throw new Error(`--target ${t}: expected job=host:port[,host:port][/path[?query]]`);
  const params: Record<string, string[]> = {};
  for (const [k, v] of new URLSearchParams(query ?? '')) (params[k] ??= []).push(v);
  return {
    job,
    targets: hosts.split(','),
    labels,
    metricsPath,
    params: query ? params : undefined,
  };
});
const scrapeIntervalS = 2;
const prometheus = await PrivatePrometheus.start({
  ruleFiles: [deployPaths.rules],
  targets,
  scrapeIntervalS,
});
try {
  if (targets.length > 0) {
    // rate() needs two samples in its window: wait for a few scrapes of every target.
    await new Promise((resolve) =>
      setTimeout(resolve, Number(values.scrapes) * scrapeIntervalS * 1000 + 500),
    );
    const { data } = await prometheus.get<{
      data: { activeTargets: Array<{ scrapeUrl: string; health: string; lastError: string }> };
    }>('/api/v1/targets');
    for (const t of data.activeTargets) {
      process.stdout.write(
        `target ${t.scrapeUrl}: ${t.health}${t.lastError ? ` (${t.lastError})` : ''}\n`,
      );
    }
  }
  const queries = await deploymentQueries();
  const { failed, empty } = await checkQueries(prometheus, queries);
  for (const f of failed) process.stdout.write(`REFUSED ${f.source}: ${f.error}\n  ${f.expr}\n`);
  const allowed = values['allow-empty'].map((p) => new RegExp(p));
  const missing = empty.filter(
    (q) => !q.source.startsWith('alert ') && !allowed.some((a) => a.test(q.source)),
  );
  if (values['require-data'])
    for (const q of missing) process.stdout.write(`NO DATA ${q.source}\n  ${q.expr}\n`);
  process.stdout.write(
    `${queries.length} queries: ${failed.length} refused, ${empty.length} without data` +
      ` (${missing.length} dashboard queries not allowed to be empty)\n`,
  );
  if (failed.length > 0 || (values['require-data'] && missing.length > 0)) process.exitCode = 1;
} finally {
  await prometheus.close();
}
