import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { deployPaths } from './paths.js';
import { PrivatePrometheus } from './prometheus-server.js';
import { checkQueries, deploymentQueries, substituteVariables } from './queries.js';
import { skipUnless } from './tools.js';

describe(
  'the queries of alerts and dashboards on a real Prometheus',
  { skip: await skipUnless('prometheus') },
  () => {
    let prometheus: PrivatePrometheus;

    before(async () => {
      prometheus = await PrivatePrometheus.start({ ruleFiles: [deployPaths.rules] });
    });
    after(() => prometheus?.close());

    it('loads every rule group of the rules file, healthy', async () => {
      const { data } = await prometheus.get<{
        data: {
          groups: Array<{
            name: string;
            rules: Array<{ name: string; health: string; lastError?: string }>;
          }>;
        };
      }>('/api/v1/rules');
      const rules = data.groups.flatMap((g) => g.rules);
      assert.equal(data.groups.length, 5);
      assert.equal(rules.length, 18);
      // Rules are evaluated every 5 s; before their first evaluation their health is "unknown".
      assert.deepEqual(
        rules.filter((r) => r.health === 'err').map((r) => `${r.name}: ${r.lastError}`),
        [],
      );
    });

    it('accepts every alert expression, dashboard query and variable selector', async () => {
      const queries = await deploymentQueries();
      assert.ok(queries.length > 100, `only ${queries.length} queries found`);
      const { failed } = await checkQueries(prometheus, queries);
      assert.deepEqual(
        failed.map((f) => `${f.source}: ${f.error}`),
        [],
      );
    });

    it('refuses a query that does not parse, so the check above means something', async () => {
      const { failed } = await checkQueries(prometheus, [
        { source: 'broken', expr: 'sum by (job) (rate(up[5m])' },
      ]);
      assert.equal(failed.length, 1);
    });

    it('replaces Grafana variables and leaves regex groups alone', () => {
      assert.equal(
        substituteVariables(
          'label_replace(rate(x{job=~"$job",ns=~"${namespace}"}[$__rate_interval]), "p", "$1", "a", "(.+)")',
        ),
        'label_replace(rate(x{job=~".*",ns=~".*"}[1m]), "p", "$1", "a", "(.+)")',
      );
    });
  },
);
