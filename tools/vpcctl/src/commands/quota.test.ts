import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startNorthdHarness, type NorthdHarness } from '../testing/index.js';
import { vpcctl, vpcctlJson } from '../test-support.js';

describe('vpcctl quotas against northd', () => {
  let h: NorthdHarness;
  let admin: Record<string, string>;
  let projectId: string;

  before(async () => {
    h = await startNorthdHarness({ QUOTA_DEFAULT_VPCS: '1' });
    admin = { NORTHD_ADDR: h.address, VPCD_TOKEN: h.adminToken };
    projectId = (await vpcctlJson<{ id: string }>(['project', 'create', 'quotas'], admin)).id;
  });
  after(() => h.stop());

  it("shows a project's quotas and usage, and changes only the limits given", async () => {
    const before = await vpcctlJson<Record<string, unknown>>(['quota', 'get', projectId], admin);
    assert.deepEqual(
      [before.maxVpcs, before.maxInterfacesPerVpc, before.maxInterfaces],
      [1, 2000, 10000],
    );
    const after = await vpcctlJson<Record<string, unknown>>(
      ['quota', 'set', projectId, '--max-vpcs', '5', '--max-interfaces', '0'],
      admin,
    );
    assert.deepEqual(
      [after.maxVpcs, after.maxInterfacesPerVpc, after.maxInterfaces],
      [5, 2000, undefined], // toJSON leaves zero out
    );
    const table = await vpcctl(['quota', 'get', projectId], admin);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /0\/5/);
  });

  it('refuses a set without a limit, or with a limit that is not a count', async () => {
    const none = await vpcctl(['quota', 'set', projectId], admin);
    assert.notEqual(none.code, 0);
    assert.match(none.stderr, /at least one of --max-vpcs/);
    const bad = await vpcctl(['quota', 'set', projectId, '--max-vpcs', '-1'], admin);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /--max-vpcs/);
  });
});
