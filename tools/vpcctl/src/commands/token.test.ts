import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startNorthdHarness, type NorthdHarness } from '../testing/index.js';
import { vpcctl, vpcctlJson } from '../test-support.js';

interface ListedToken {
  id: string;
  projectId?: string;
  role?: string;
  subject?: string;
  suffix: string;
  expireTime?: string;
  revoked?: boolean;
}

describe('vpcctl token create, create-service, list and revoke against northd', () => {
  let h: NorthdHarness;
  let admin: Record<string, string>;
  let projectId: string;

  before(async () => {
    h = await startNorthdHarness();
    admin = { NORTHD_ADDR: h.address, VPCD_TOKEN: h.adminToken };
    projectId = (await vpcctlJson<{ id: string }>(['project', 'create', 'tok'], admin)).id;
  });
  after(() => h.stop());

  it('creates an expiring token, lists it without its secret, and revokes it', async () => {
    const issued = await vpcctlJson<{ tokenId: string; token: string; expireTime: string }>(
      ['token', 'create', projectId, '--ttl', '720h'],
      admin,
    );
    const expiresInH = (Date.parse(issued.expireTime) - Date.now()) / 3_600_000;
    assert.ok(expiresInH > 719 && expiresInH <= 720, `expires in ${expiresInH} h`);

    const listed = await vpcctl(['token', 'list', '--project', projectId, '-o', 'json'], admin);
    assert.equal(listed.code, 0, listed.stderr);
    assert.ok(!listed.stdout.includes(issued.token), 'the secret is never listed');
    const { tokens } = JSON.parse(listed.stdout) as { tokens: ListedToken[] };
    assert.deepEqual(
      tokens.map((t) => [t.id, t.projectId, t.suffix, t.expireTime]),
      [[issued.tokenId, projectId, issued.token.slice(-4), issued.expireTime]],
    );

    const revoked = await vpcctlJson<ListedToken>(['token', 'revoke', issued.tokenId], admin);
    assert.equal(revoked.revoked, true);
    const refused = await vpcctl(['vpc', 'list'], {
      NORTHD_ADDR: h.address,
      VPCD_TOKEN: issued.token,
    });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /^vpcctl: UNAUTHENTICATED: token revoked/);
  });

  it('creates a service token for a role and subject', async () => {
    const issued = await vpcctlJson<{ tokenId: string }>(
      ['token', 'create-service', 'hvaddr', 'hv-7', '--expire-time', '2099-01-01T00:00:00Z'],
      admin,
    );
    const { tokens } = await vpcctlJson<{ tokens: ListedToken[] }>(['token', 'list'], admin);
    const listed = tokens.find((t) => t.id === issued.tokenId);
    assert.deepEqual(listed && [listed.role, listed.subject, listed.expireTime], [
      'hvaddr',
      'hv-7',
      '2099-01-01T00:00:00.000Z',
    ]);
    const table = await vpcctl(['token', 'list'], admin);
    assert.match(table.stdout, /hvaddr:hv-7/);
  });

  it('refuses --ttl with --expire-time, and a ttl that is not a duration, as usage errors', async () => {
    const both = await vpcctl(
      ['token', 'create', projectId, '--ttl', '1h', '--expire-time', '2099-01-01T00:00:00Z'],
      admin,
    );
    assert.equal(both.code, 2);
    assert.match(both.stderr, /--ttl and --expire-time exclude each other/);
    const bad = await vpcctl(['token', 'create', projectId, '--ttl', 'soon'], admin);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--ttl: "soon" is not a duration/);
  });
});
