// Every dashboard panel and every alert of deploy/monitoring against a live local region: real
// Prometheus (Debian's package) with the rules loaded, scraping northd, southd, hvflowd (one
// chassis on Open vSwitch), hvaddr, mysqld_exporter on a MariaDB primary and its replica, and
// RabbitMQ's own endpoint. A query that parses but finds nothing is a dead panel: a wrong metric
// or label name, or a series that only exists in a situation nobody thought of.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { replicatedMariadb, type ReplicatedMariadb } from '@vpcd/db/testing';
import { createConnection } from 'mysql2/promise';
import { startRegion, type Region } from '../region/local-region.js';
import { startMonitoring, type Monitoring } from '../region/monitoring.js';
import { startHvaddr } from '../region/hvaddr-process.js';
import type { ServiceProcess } from '../region/service-process.js';
import { createTraffic } from '../region/sample-traffic.js';
import { deploymentQueries, type NamedQuery } from './queries.js';
import { vectorSelectors } from './selectors.js';
import { skipUnless } from './tools.js';

/**
 * What may stay empty here, each with why; matched against the query's expression (dashboards)
 * or the selector (alerts). `query`: the panel filters its series (say `> 0`) and shows nothing
 * on a healthy region; its selectors must still find series. `series`: no series can exist
 * without a situation this test does not create cheaply.
 */
const allowedEmpty: ReadonlyArray<{ pattern: RegExp; empty: 'query' | 'series'; reason: string }> =
  [
    {
      pattern: /openvswitch_interface_(rx|tx)_(dropped|errors)\{/,
      empty: 'query',
      reason: 'the panel lists only ports that drop or fail (> 0); a healthy bridge has none',
    },
    {
      pattern: /messaging_nacked_total\{/,
      empty: 'series',
      reason: 'a publish the broker refuses needs a broker in trouble (an alarm, a full queue)',
    },
    {
      pattern: /northd_lease_renewals_total\{[^}]*outcome!="ok"/,
      empty: 'series',
      reason: 'a failed renewal needs the database to fail (alerts-chaos stops it and sees one)',
    },
  ];

describe(
  'the dashboards and alerts of deploy/monitoring on a live local region',
  { skip: await skipUnless('prometheus', 'prometheus-alertmanager', 'prometheus-mysqld-exporter') },
  () => {
    let mariadb: ReplicatedMariadb | undefined;
    let region: Region | undefined;
    let hvaddr: ServiceProcess | undefined;
    let monitoring: Monitoring | undefined;
    let queries: NamedQuery[];
    let allowed = allowedEmpty;

    before(async () => {
      const runDir = mkdtempSync(join(tmpdir(), 'vpcd-live-queries-'));
      // A replica, so that the replication panels and alerts have their series.
      mariadb = await replicatedMariadb();
      const admin = await createConnection(mariadb.primary.url);
      await admin.query('CREATE DATABASE vpcd');
      await admin.end();
      region = await startRegion({
        runDir,
        northds: 2,
        southds: 1,
        chassis: [
          { id: 'hv1', underlayIp: '192.0.2.1', datapath: 'ovs' },
          { id: 'hv2', underlayIp: '192.0.2.2', datapath: 'memory' },
        ],
        database: {
          url: `${mariadb.primary.url}/vpcd`,
          database: 'vpcd',
          drop: () => Promise.resolve(),
        },
      });
      // Open vSwitch needs root; without it the bridge's panels cannot have data (and say so).
      for (const { reason } of region.fallbacks)
        allowed = [...allowedEmpty, { pattern: /openvswitch_/, empty: 'series', reason }];
      hvaddr = await startHvaddr(region, { chassisId: 'hv1', runDir });
      monitoring = await startMonitoring(region, {
        mysqlServers: [mariadb.primary.url, mariadb.replica.url],
        extraTargets: [
          {
            job: 'hvaddr',
            targets: [`127.0.0.1:${hvaddr.metricsPort}`],
            labels: { namespace: 'local' },
          },
        ],
      });
      // Counters must be scraped before and after the traffic for their rates to see it.
      await monitoring.waitForScrapes({ scrapes: 1 });
      await createTraffic(region, { dhcpPort: Number(hvaddr.started.dhcpPort) });
      await monitoring.waitForScrapes({ scrapes: 3 });
      queries = await deploymentQueries();
    });
    after(async () => {
      await monitoring?.close();
      await hvaddr?.stop();
      await region?.stop();
      await mariadb?.destroy();
    });

    it('scrapes every service of the region, hvaddr, both MariaDB servers and RabbitMQ', async () => {
      const result = await monitoring!.prometheus.query('count by (job) (up == 1)');
      const jobs = Object.fromEntries(
        (result.data?.result as Array<{ metric: { job: string }; value: [number, string] }>).map(
          (r) => [r.metric.job, Number(r.value[1])],
        ),
      );
      // One broker, scraped on two paths (aggregated and per queue) under the same labels, as
      // the ServiceMonitor of deploy/ does; waitForScrapes saw both targets up.
      assert.deepEqual(jobs, {
        northd: 2,
        southd: 1,
        hvflowd: 2,
        hvaddr: 1,
        mysql: 2,
        rabbitmq: 1,
      });
    });

    it('evaluates every rule without an error', async () => {
      const { data } = await monitoring!.prometheus.get<{
        data: {
          groups: Array<{ rules: Array<{ name: string; health: string; lastError?: string }> }>;
        };
      }>('/api/v1/rules');
      const rules = data.groups.flatMap((g) => g.rules);
      assert.equal(rules.length, queries.filter((q) => q.source.startsWith('alert ')).length);
      assert.deepEqual(
        rules.filter((r) => r.health !== 'ok').map((r) => `${r.name}: ${r.health} ${r.lastError}`),
        [],
      );
    });

    it('finds data for every dashboard query, and the series of those allowed to be empty', async (t) => {
      for (const f of region!.fallbacks)
        t.diagnostic(`${f.chassis} not on Open vSwitch: ${f.reason}`);
      const dashboardQueries = queries.filter((q) => !q.source.startsWith('alert '));
      assert.ok(dashboardQueries.length > 100);
      const dead: string[] = [];
      for (const q of dashboardQueries) {
        if (await hasData(monitoring!, q.expr)) continue;
        const allowance = allowed.find((a) => a.pattern.test(q.expr));
        if (!allowance) dead.push(`${q.source}: ${q.expr}`);
        else if (allowance.empty === 'query')
          for (const selector of vectorSelectors(q.expr))
            if (!(await hasSeries(monitoring!, selector))) dead.push(`${q.source}: ${selector}`);
      }
      assert.deepEqual(dead, []);
    });

    it('finds series for every selector of every alert expression', async () => {
      // An alert's expression is empty while all is well; the series it reads must exist.
      const alerts = queries.filter((q) => q.source.startsWith('alert '));
      const dead: string[] = [];
      for (const q of alerts) {
        for (const selector of vectorSelectors(q.expr)) {
          if (await hasSeries(monitoring!, selector)) continue;
          const allowance = allowed.find((a) => a.empty === 'series' && a.pattern.test(selector));
          if (!allowance) dead.push(`${q.source}: ${selector}`);
        }
      }
      assert.deepEqual(dead, []);
    });

    it('allows nothing to be empty that no query reads', () => {
      const stale = allowedEmpty.filter((a) => !queries.some((q) => a.pattern.test(q.expr)));
      assert.deepEqual(
        stale.map((a) => a.reason),
        [],
      );
    });
  },
);

/**
 * Whether `expr` returns at least one sample that is a number: a panel whose every value is NaN
 * (a quantile or ratio of rates that saw nothing) draws nothing either.
 */
async function hasData(monitoring: Monitoring, expr: string): Promise<boolean> {
  const result = await monitoring.prometheus.query(expr);
  assert.equal(result.status, 'success', `${expr}: ${result.error}`);
  const samples = (result.data?.result ?? []) as Array<{ value: [number, string] }>;
  return samples.some((s) => s.value[1] !== 'NaN');
}

async function hasSeries(monitoring: Monitoring, selector: string): Promise<boolean> {
  const result = await monitoring.prometheus.query(selector);
  assert.equal(result.status, 'success', `${selector}: ${result.error}`);
  return (result.data?.result ?? []).length > 0;
}
