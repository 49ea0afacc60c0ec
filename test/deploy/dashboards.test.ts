import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, it } from 'node:test';
import { dashboardQueries } from './dashboards/index.js';
import { generatedFiles } from './generated.js';
import {
  exporterFamilies,
  familyOf,
  metricNames,
  templatedFamilies,
  vpcdFamilies,
} from './known-metrics.js';
import { deployPaths, repoRoot } from './paths.js';
import { deploymentQueries } from './queries.js';

type Panel = {
  id: number;
  type: string;
  title: string;
  description?: string;
  datasource?: { uid: string };
  gridPos: { x: number; y: number; w: number; h: number };
  targets?: Array<{ expr: string; refId: string }>;
};

async function dashboardFiles(): Promise<Array<{ file: string; json: Record<string, unknown> }>> {
  const files = (await readdir(deployPaths.dashboards)).filter((f) => f.endsWith('.json')).sort();
  return Promise.all(
    files.map(async (file) => ({
      file,
      json: JSON.parse(await readFile(path.join(deployPaths.dashboards, file), 'utf8')) as Record<
        string,
        unknown
      >,
    })),
  );
}

describe('grafana dashboards', () => {
  it('are the files their code writes (PrometheusRule too)', async () => {
    const stale: string[] = [];
    for (const file of await generatedFiles()) {
      const current = await readFile(file.path, 'utf8').catch(() => '');
      if (current !== file.content) stale.push(path.relative(repoRoot, file.path));
    }
    assert.deepEqual(stale, [], 'run `node test/dist/deploy/write-generated.js`');
  });

  it('cover golden signals, USE, convergence, RabbitMQ, MySQL and Open vSwitch, one uid each', async () => {
    const boards = await dashboardFiles();
    const uids = boards.map((b) => b.json.uid);
    assert.deepEqual(uids.sort(), [
      'vpcd-convergence',
      'vpcd-golden-signals',
      'vpcd-mysql',
      'vpcd-openvswitch',
      'vpcd-rabbitmq',
      'vpcd-use',
    ]);
    for (const { file, json } of boards) assert.equal(file, `${String(json.uid)}.json`);
  });

  it('have described panels with queries on the chosen data source, laid out on the grid', async () => {
    for (const { file, json } of await dashboardFiles()) {
      const panels = json.panels as Panel[];
      const ids = new Set(panels.map((p) => p.id));
      assert.equal(ids.size, panels.length, `${file}: panel ids are unique`);
      const variables = (json.templating as { list: Array<{ name: string }> }).list.map(
        (v) => v.name,
      );
      for (const panel of panels) {
        const where = `${file}: ${panel.title}`;
        assert.ok(panel.gridPos.x >= 0 && panel.gridPos.x + panel.gridPos.w <= 24, where);
        if (panel.type === 'row') continue;
        assert.ok(panel.description, `${where}: description`);
        assert.equal(panel.datasource?.uid, '${datasource}', where);
        assert.ok((panel.targets ?? []).length > 0, `${where}: queries`);
        for (const target of panel.targets ?? []) {
          for (const [, name] of target.expr.matchAll(/\$\{?([A-Za-z_]\w*)/g)) {
            if (name!.startsWith('__')) continue;
            assert.ok(variables.includes(name!), `${where}: $${name} is not a variable`);
          }
          assert.doesNotMatch(
            target.expr,
            /[^=!]=\s*"\$/,
            `${where}: variables are matched with =~`,
          );
        }
      }
      assert.ok(dashboardQueries(json).length >= 9, `${file}: at least nine queries`);
    }
  });

  it('query only metrics that vpcd or its exporters export', async () => {
    const known = new Set([...vpcdFamilies, ...exporterFamilies]);
    const unknown: string[] = [];
    for (const q of await deploymentQueries()) {
      for (const name of metricNames(q.expr)) {
        if (familyOf(name, known) === undefined) unknown.push(`${q.source}: ${name}`);
      }
    }
    assert.deepEqual(unknown, []);
  });

  it("find vpcd's metric names in the code that registers them", async () => {
    const require = createRequire(import.meta.url);
    const promClient = path.dirname(require.resolve('prom-client/package.json'));
    const sources = [
      ...(await sourceTexts(path.join(repoRoot, 'packages'))),
      ...(await sourceTexts(path.join(repoRoot, 'services'))),
      ...(await sourceTexts(path.join(promClient, 'lib'), '.js')),
    ].join('\n');
    const missing = vpcdFamilies.filter((name) => {
      if (sources.includes(`'${name}'`) || sources.includes(`"${name}"`)) return false;
      const templated = templatedFamilies.find((t) => t.pattern.test(name));
      if (templated) return !templated.parts.every((part) => sources.includes(part));
      // Names built from a prefix (prom-client: `${namePrefix}nodejs_...`).
      return !sources.includes(name);
    });
    assert.deepEqual(missing, []);
  });

  it('tokenizes PromQL into the metric names it reads', () => {
    assert.deepEqual(
      metricNames(
        'histogram_quantile(0.99, sum by (le, job) (rate(a_seconds_bucket{job=~"x|y",le!="1"}[5m]))) > 0.5 and on(job) b_total or absent(up{job="n"}) / ignoring(x) {__name__=~".+_in_flight"}',
      ),
      ['a_seconds_bucket', 'b_total', 'up'],
    );
  });
});

async function sourceTexts(root: string, extension = '.ts'): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  const files = entries
    .filter(
      (e) =>
        e.isFile() &&
        e.name.endsWith(extension) &&
        !e.name.endsWith('.test.ts') &&
        !e.name.endsWith('.d.ts'),
    )
    .map((e) => path.join(e.parentPath, e.name))
    .filter((f) => !/(^|\/)(node_modules|dist)\//.test(path.relative(root, f)));
  return Promise.all(files.map((f) => readFile(f, 'utf8')));
}
