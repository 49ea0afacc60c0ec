// The alerts of deploy/monitoring during chaos, seen where an operator sees them: Prometheus
// (Debian's package) evaluates the repository's rules on a local region and sends to
// Alertmanager, whose routing tree and inhibitions are the repository's; its pager and chat
// receivers post to a webhook of this test. The database is a private MariaDB this suite stops.
//
// The rules' `for:` durations are minutes; the copy loaded here waits 10 s instead
// (writeRulesWithFor), with every expression and rate window unchanged, so the suite shows the
// deployed alerts firing and resolving in about a minute rather than a quarter of an hour.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { VpcServiceClient } from '@vpcd/api';
import { privateMariadb, type PrivateMariadb } from '@vpcd/db/testing';
import { createLogger, createRegistry } from '@vpcd/observability';
import { createClient, hasCode, Status } from '@vpcd/rpc';
import { createConnection } from 'mysql2/promise';
import type { AlertmanagerAlert } from '../deploy/alertmanager-server.js';
import { localAlertmanagerConfig } from '../deploy/local-alertmanager-config.js';
import { writeRulesWithFor } from '../deploy/rules-with-for.js';
import { skipUnless } from '../deploy/tools.js';
import { startWebhookReceiver, type WebhookReceiver } from '../deploy/webhook-receiver.js';
import { startRegion, type Region } from '../region/local-region.js';
import { startMonitoring, type Monitoring } from '../region/monitoring.js';

const alertTimeoutMs = 60_000;

describe(
  'alerts during chaos, through Alertmanager',
  { skip: await skipUnless('prometheus', 'prometheus-alertmanager') },
  () => {
    let mariadb: PrivateMariadb | undefined;
    let region: Region | undefined;
    let webhook: WebhookReceiver | undefined;
    let monitoring: Monitoring | undefined;

    before(async () => {
      const runDir = mkdtempSync(join(tmpdir(), 'vpcd-alerts-chaos-'));
      mariadb = await privateMariadb();
      const admin = await createConnection(mariadb.url);
      await admin.query('CREATE DATABASE vpcd');
      await admin.end();
      region = await startRegion({
        runDir,
        northds: 2,
        southds: 2,
        chassis: [{ id: 'hv1', underlayIp: '192.0.2.1', datapath: 'memory' }],
        database: { url: `${mariadb.url}/vpcd`, database: 'vpcd', drop: () => Promise.resolve() },
      });
      webhook = await startWebhookReceiver();
      monitoring = await startMonitoring(region, {
        ruleFiles: [await writeRulesWithFor(runDir, 10)],
        alertmanagerConfig: await localAlertmanagerConfig({
          webhookUrl: webhook.url,
          groupWaitS: 1,
          groupIntervalS: 1,
        }),
        mysqlServers: [],
        rabbitmqMetrics: 'none',
      });
      await monitoring.waitForScrapes();
    });
    after(async () => {
      await monitoring?.close();
      await webhook?.close();
      await region?.stop();
      await mariadb?.destroy();
    });

    it('fires NorthdDown at warning when one northd is killed, and resolves it after the restart', async () => {
      assert.deepEqual(await active(monitoring!, 'NorthdDown'), []);
      await region!.northds[1]!.stop('SIGKILL');

      await until(
        () => active(monitoring!, 'NorthdDown'),
        (a) => a.length > 0,
      );
      // One of two is down: the warning, not the critical level (no northd up), which would
      // have inhibited it.
      const held = await monitoring!.alertmanager.alerts({ filter: ['alertname="NorthdDown"'] });
      assert.deepEqual(
        held.map((a) => [a.labels.severity, a.status.state]),
        [['warning', 'active']],
      );
      assert.equal(held[0]!.annotations.runbook_url, 'docs/runbooks/NorthdDown.md');
      await webhook!.waitFor(
        (n) =>
          n.receiver === 'chat' &&
          n.status === 'firing' &&
          n.commonLabels.alertname === 'NorthdDown',
        alertTimeoutMs,
      );
      await region!.startNorthd(1);
      await monitoring!.follow();
      await until(
        () => monitoring!.alertmanager.alerts({ filter: ['alertname="NorthdDown"'] }),
        (a) => a.length === 0,
      );
      await webhook!.waitFor(
        (n) => n.status === 'resolved' && n.commonLabels.alertname === 'NorthdDown',
        alertTimeoutMs,
      );
      // A warning goes to chat only: nobody was paged.
      assert.deepEqual(
        webhook!.notifications.filter(
          (n) => n.receiver === 'pager' && n.commonLabels.alertname === 'NorthdDown',
        ),
        [],
      );
    });

    it('fires NorthdRpcErrorRateHigh while one RPC fails with UNAVAILABLE (database stopped)', async () => {
      assert.deepEqual(await active(monitoring!, 'NorthdRpcErrorRateHigh'), []);
      const vpcs = createClient(VpcServiceClient, {
        address: region!.northdAddr,
        bearerToken: region!.adminToken,
        tls: region!.clientTls,
        logger: createLogger({ name: 'alerts-chaos', level: 'silent' }),
        registry: createRegistry({ service: 'alerts-chaos', collectDefault: false }),
      });
      const getVpc = () => vpcs.getVpc({ id: '00000000-0000-4000-8000-000000000000' });
      let unavailable = 0;
      let hammering = true;
      // The burst: GetVpc as fast as one caller goes; without its database northd answers each
      // call UNAVAILABLE, a server fault.
      const burst = (async () => {
        while (hammering) {
          await getVpc().catch((err: unknown) => {
            if (hasCode(err, Status.UNAVAILABLE)) unavailable++;
          });
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      })();
      try {
        await mariadb!.stop();
        const firing = await until(
          () => active(monitoring!, 'NorthdRpcErrorRateHigh'),
          (a) => a.length > 0,
        );
        assert.deepEqual(
          firing.map((a) => a.labels.severity),
          ['critical'],
        );
        // A critical alert pages and is posted to chat, where the incident is discussed.
        for (const receiver of ['pager', 'chat']) {
          await webhook!.waitFor(
            (n) =>
              n.receiver === receiver &&
              n.status === 'firing' &&
              n.commonLabels.alertname === 'NorthdRpcErrorRateHigh',
            alertTimeoutMs,
          );
        }
        assert.ok(unavailable > 0, 'GetVpc never answered UNAVAILABLE');
        // The outage shows on the convergence dashboard's failed-renewals panel too.
        const renewals = await monitoring!.prometheus.query(
          'northd_lease_renewals_total{job="northd",outcome!="ok"}',
        );
        assert.ok((renewals.data?.result ?? []).length > 0, 'no failed lease renewal recorded');
      } finally {
        hammering = false;
        await burst;
        await mariadb!.start();
      }
      // Recovered: the same call is answered again (the missing VPC is NOT_FOUND).
      await until(
        () =>
          getVpc().then(
            () => Status.OK,
            (err: unknown) => (hasCode(err, Status.NOT_FOUND) ? Status.NOT_FOUND : -1),
          ),
        (code) => code === Status.NOT_FOUND,
      );
      vpcs.close();
    });
  },
);

/** The alerts named `alertname` that Alertmanager holds as active (neither silenced nor inhibited). */
function active(monitoring: Monitoring, alertname: string): Promise<AlertmanagerAlert[]> {
  return monitoring.alertmanager.alerts({ filter: [`alertname="${alertname}"`], activeOnly: true });
}

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + alertTimeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`still ${JSON.stringify(value)} after ${alertTimeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
