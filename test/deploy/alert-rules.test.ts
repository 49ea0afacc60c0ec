import assert from 'node:assert/strict';
import { access, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { deployPaths, repoRoot } from './paths.js';
import { parseRuleFile, type Rule } from './prometheus-rule.js';
import { command, skipUnless } from './tools.js';

/** The alerts the runbooks and the operators rely on (issue 6); more may be added. */
const requiredAlerts = [
  'NorthdDown',
  'SouthdDown',
  'HvflowdDown',
  'NorthdRpcErrorRateHigh',
  'RpcLatencyHigh',
  'ChassisConvergeFailing',
  'ChassisConvergeLagHigh',
  'MysqlReplicasDelayed',
  'RabbitQueueBacklog',
  'RabbitNoConsumers',
  'EventLoopSaturated',
  'HvaddrAbusiveClient',
];

const alerts = async (): Promise<Rule[]> =>
  parseRuleFile(await readFile(deployPaths.rules, 'utf8')).groups.flatMap((g) =>
    g.rules.filter((r) => r.alert !== undefined),
  );

const skip = await skipUnless('promtool');

describe('alert rules', () => {
  const cwd = path.dirname(deployPaths.rules);

  it('pass promtool check rules', { skip }, async () => {
    const out = await command('promtool', ['check', 'rules', deployPaths.rules]);
    assert.equal(out.code, 0, out.stdout + out.stderr);
  });

  it('pass their promtool unit tests', { skip }, async () => {
    const out = await command('promtool', ['test', 'rules', deployPaths.ruleTests], { cwd });
    assert.equal(out.code, 0, out.stdout + out.stderr);
  });

  it('include every alert the runbooks promise, NorthdDown at two severities', async () => {
    const found = await alerts();
    for (const name of requiredAlerts)
      assert.ok(
        found.some((r) => r.alert === name),
        name,
      );
    const northd = found.filter((r) => r.alert === 'NorthdDown').map((r) => r.labels?.severity);
    assert.deepEqual(northd.sort(), ['critical', 'warning']);
  });

  it('give every alert a severity, summary, description and runbook_url to its runbook', async () => {
    for (const rule of await alerts()) {
      const name = rule.alert!;
      assert.ok(['critical', 'warning', 'info'].includes(rule.labels?.severity ?? ''), name);
      assert.ok(rule.annotations?.summary, `${name}: summary`);
      assert.ok(rule.annotations?.description, `${name}: description`);
      assert.equal(rule.annotations?.runbook_url, `docs/runbooks/${name}.md`);
    }
  });

  it('have a runbook each that says what it means, how to check and how to recover', async () => {
    for (const name of new Set((await alerts()).map((r) => r.alert!))) {
      const file = path.join(repoRoot, 'docs/runbooks', `${name}.md`);
      await access(file);
      const text = await readFile(file, 'utf8');
      assert.match(text, new RegExp(`^# ${name}$`, 'm'), file);
      for (const section of ['What it means', 'How to check', 'How to recover']) {
        assert.match(text, new RegExp(`^## ${section}$`, 'm'), `${name}: ${section}`);
      }
    }
  });

  it('are each tested firing and not firing', async () => {
    const tests = parse(await readFile(deployPaths.ruleTests, 'utf8')) as {
      tests: Array<{
        alert_rule_test?: Array<{
          alertname: string;
          exp_alerts?: Array<{ exp_labels?: Record<string, string> }>;
        }>;
      }>;
    };
    const cases = tests.tests.flatMap((t) => t.alert_rule_test ?? []);
    for (const rule of await alerts()) {
      const name = rule.alert!;
      const severity = rule.labels?.severity;
      const firing = cases.some(
        (c) =>
          c.alertname === name &&
          (c.exp_alerts ?? []).some((a) => a.exp_labels?.severity === severity),
      );
      const quiet = cases.some((c) => c.alertname === name && (c.exp_alerts ?? []).length === 0);
      assert.ok(firing, `${name} (${severity}) is never tested firing`);
      assert.ok(quiet, `${name} is never tested staying quiet`);
    }
  });
});
