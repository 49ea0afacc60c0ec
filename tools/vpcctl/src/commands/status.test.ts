import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startNorthdHarness, type NorthdHarness } from '../testing/index.js';
import { eventually, vpcctl, vpcctlJson } from '../test-support.js';

interface StatusJson {
  chassis: Array<{ id: string; owner: string; converged: boolean; desiredGeneration: number }>;
  totals: { chassis: number; converged: number; behind: number; unowned: number };
}

describe('vpcctl chassis and status against northd', () => {
  let h: NorthdHarness;
  let admin: Record<string, string>;

  before(async () => {
    h = await startNorthdHarness();
    admin = { NORTHD_ADDR: h.address, VPCD_TOKEN: h.adminToken };
    for (const [id, ip] of [
      ['hv1', '192.0.2.1'],
      ['hv2', '192.0.2.2'],
    ] as const) {
      const r = await vpcctl(
        ['chassis', 'register', id, '--underlay-ip', ip, '--hvflowd-addr', `${id}:50053`],
        admin,
      );
      assert.equal(r.code, 0, r.stderr);
    }
  });
  after(() => h.stop());

  const status = () => vpcctlJson<StatusJson>(['status'], admin);

  it('lists and gets chassis, as a table and as JSON', async () => {
    const r = await vpcctl(['chassis', 'list'], admin);
    assert.equal(r.code, 0, r.stderr);
    const [header, ...rows] = r.stdout.trimEnd().split('\n');
    assert.deepEqual(header!.split(/\s{2,}/), [
      'ID',
      'HOSTNAME',
      'UNDERLAY IP',
      'HVFLOWD',
      'OWNER',
      'EPOCH',
      'DESIRED',
      'APPLIED',
      'LAST HEARTBEAT',
    ]);
    assert.equal(rows.length, 2);
    const hv2 = await vpcctlJson<Record<string, unknown>>(['chassis', 'get', 'hv2'], admin);
    assert.equal(hv2.underlayIp, '192.0.2.2');
    assert.equal(hv2.hvflowdAddr, 'hv2:50053');
  });

  it('summarises convergence: every chassis converged once its work is acknowledged', async () => {
    // A chassis with nothing pending is converged at once; its lease comes with a renewal.
    const s = await eventually(status, (v) => v.totals.converged === 2 && v.totals.unowned === 0);
    assert.deepEqual(s.totals, {
      chassis: 2,
      converged: 2,
      behind: 0,
      unowned: 0,
      lagGenerations: 0,
    });
    assert.ok(s.chassis.every((c) => c.owner !== ''));

    const r = await vpcctl(['status'], admin);
    const lines = r.stdout.trimEnd().split('\n');
    assert.deepEqual(lines[0]!.split(/\s{2,}/), [
      'CHASSIS',
      'OWNER',
      'EPOCH',
      'DESIRED',
      'APPLIED',
      'CONVERGED',
      'LAST HEARTBEAT',
    ]);
    assert.match(lines[1]!, /^hv1 .* yes +never$/);
    assert.equal(lines.at(-1), '2 chassis: 2 converged, 0 behind, 0 without an owner');
  });

  it('shows a chassis behind while its work is not acknowledged', async () => {
    h.setAcking(false);
    try {
      const project = await vpcctlJson<{ id: string }>(['project', 'create', 'p'], admin);
      const vpc = await vpcctlJson<{ id: string }>(
        ['vpc', 'create', 'v', '--cidr', '10.8.0.0/24', '--project', project.id],
        admin,
      );
      await vpcctlJson(['interface', 'create', 'a', '--vpc', vpc.id, '--chassis', 'hv1'], admin);
      const s = await status();
      assert.deepEqual(
        s.chassis.map((c) => [c.id, c.converged]),
        [
          ['hv1', false],
          ['hv2', true],
        ],
      );
      assert.equal(s.totals.behind, 1);
      const r = await vpcctl(['status'], admin);
      assert.match(r.stdout, /^hv1 .* no +never$/m);
      assert.match(
        r.stdout,
        // Generations are change-log sequence numbers, shared by every chassis: the distance
        // between two of one chassis is not a count of its changes.
        /2 chassis: 1 converged, 1 behind by [1-9]\d* generations, 0 without an owner\n$/,
      );
    } finally {
      h.setAcking(true);
    }
    await eventually(status, (v) => v.totals.converged === 2);
  });
});
