// The repository's Alertmanager config running in a real Alertmanager (Debian's package), its
// receivers posting to a webhook of this test: routing by severity and the inhibition of a
// warning by the critical level of the same alert, as deployed.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PrivateAlertmanager } from './alertmanager-server.js';
import { localAlertmanagerConfig } from './local-alertmanager-config.js';
import { skipUnless } from './tools.js';
import { startWebhookReceiver, type WebhookReceiver } from './webhook-receiver.js';

describe(
  'the Alertmanager config of deploy/monitoring, running',
  { skip: await skipUnless('prometheus-alertmanager') },
  () => {
    let webhook: WebhookReceiver;
    let alertmanager: PrivateAlertmanager;

    before(async () => {
      webhook = await startWebhookReceiver();
      alertmanager = await PrivateAlertmanager.start({
        config: await localAlertmanagerConfig({
          webhookUrl: webhook.url,
          groupWaitS: 1,
          groupIntervalS: 1,
        }),
      });
    });
    after(async () => {
      await alertmanager?.close();
      await webhook?.close();
    });

    /** Posts alerts as Prometheus does (`POST /api/v2/alerts`). */
    const post = async (alerts: Array<Record<string, string>>) => {
      const response = await fetch(`${alertmanager.url}/api/v2/alerts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(
          alerts.map((labels) => ({ labels, annotations: { summary: labels.alertname } })),
        ),
      });
      assert.equal(response.status, 200, await response.text());
    };
    const notified = (alertname: string) =>
      webhook.notifications
        .filter((n) => n.commonLabels.alertname === alertname)
        .map((n) => n.receiver)
        .sort();

    it('posts a warning to chat only', async () => {
      await post([{ alertname: 'WarnOnly', severity: 'warning', namespace: 'a' }]);
      await webhook.waitFor((n) => n.commonLabels.alertname === 'WarnOnly', 10_000);
      const [alert] = await alertmanager.alerts({ filter: ['alertname="WarnOnly"'] });
      assert.deepEqual(
        alert?.receivers.map((r) => r.name),
        ['chat'],
      );
      assert.deepEqual(notified('WarnOnly'), ['chat']);
    });

    it('pages a critical alert and posts it to chat', async () => {
      await post([{ alertname: 'Crit', severity: 'critical', namespace: 'a' }]);
      for (const receiver of ['pager', 'chat'])
        await webhook.waitFor(
          (n) => n.commonLabels.alertname === 'Crit' && n.receiver === receiver,
          10_000,
        );
    });

    it('holds back the warning of an alert whose critical level fires in the same namespace', async () => {
      await post([
        { alertname: 'Both', severity: 'critical', namespace: 'b' },
        { alertname: 'Both', severity: 'warning', namespace: 'b' },
        { alertname: 'Both', severity: 'warning', namespace: 'c' },
      ]);
      const deadline = Date.now() + 10_000;
      for (;;) {
        const held = await alertmanager.alerts({ filter: ['alertname="Both"'] });
        const states = held
          .map((a) => `${a.labels.namespace} ${a.labels.severity} ${a.status.state}`)
          .sort();
        const want = ['b critical active', 'b warning suppressed', 'c warning active'];
        if (JSON.stringify(states) === JSON.stringify(want)) break;
        if (Date.now() > deadline) assert.deepEqual(states, want);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      const active = await alertmanager.alerts({ filter: ['alertname="Both"'], activeOnly: true });
      assert.equal(active.length, 2);
    });
  },
);
