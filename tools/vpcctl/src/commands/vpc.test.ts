import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startNorthdHarness, type NorthdHarness } from '../testing/index.js';
import { vpcctl, vpcctlJson } from '../test-support.js';

describe('vpcctl projects, tokens and VPCs against northd', () => {
  let h: NorthdHarness;
  let admin: Record<string, string>;
  let tenant: Record<string, string>;
  let projectId: string;

  before(async () => {
    h = await startNorthdHarness();
    admin = { NORTHD_ADDR: h.address, VPCD_TOKEN: h.adminToken };
  });
  after(() => h.stop());

  it('creates a project and a token for it with admin credentials', async () => {
    const project = await vpcctlJson<{ id: string; name: string }>(
      ['project', 'create', 'acme'],
      admin,
    );
    assert.equal(project.name, 'acme');
    projectId = project.id;
    const token = await vpcctlJson<{ token: string }>(['token', 'create', projectId], admin);
    assert.ok(token.token.length >= 16);
    tenant = { NORTHD_ADDR: h.address, VPCD_TOKEN: token.token };
    const list = await vpcctlJson<{ projects: Array<{ id: string }> }>(['project', 'list'], admin);
    assert.ok(list.projects.some((p) => p.id === projectId));
  });

  it('creates, gets, lists and deletes a VPC, printing the messages as JSON', async () => {
    const vpc = await vpcctlJson<Record<string, unknown>>(
      ['vpc', 'create', 'web', '--cidr', '10.1.0.0/16'],
      tenant,
    );
    assert.equal(vpc.name, 'web');
    assert.equal(vpc.cidr, '10.1.0.0/16');
    assert.equal(vpc.projectId, projectId, 'lowerCamelCase keys of the generated toJSON');
    assert.equal(typeof vpc.vni, 'number');
    assert.match(String(vpc.createTime), /^\d{4}-\d\d-\d\dT/);
    const id = String(vpc.id);

    assert.deepEqual(await vpcctlJson(['vpc', 'get', id], tenant), vpc);
    const listed = await vpcctlJson<{ vpcs: Array<{ id: string }> }>(['vpc', 'list'], tenant);
    assert.deepEqual(
      listed.vpcs.map((v) => v.id),
      [id],
    );

    assert.deepEqual(await vpcctlJson(['vpc', 'delete', id], tenant), { id, deleted: true });
    const gone = await vpcctl(['vpc', 'get', id], tenant);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /^vpcctl: NOT_FOUND: /);
  });

  it('creates a VPC for a named project with the admin token', async () => {
    const vpc = await vpcctlJson<{ projectId: string }>(
      ['vpc', 'create', 'ops', '--cidr', '10.2.0.0/16', '--project', projectId],
      admin,
    );
    assert.equal(vpc.projectId, projectId);
  });

  it('answers a retried --request-id with the first result', async () => {
    const argv = ['vpc', 'create', 'retry', '--cidr', '10.3.0.0/24', '--request-id', 'req-1'];
    const first = await vpcctlJson(argv, tenant);
    assert.deepEqual(await vpcctlJson(argv, tenant), first);
  });

  it('prints a table with the VPC columns', async () => {
    const r = await vpcctl(['vpc', 'list'], tenant);
    assert.equal(r.code, 0, r.stderr);
    const [header, ...rows] = r.stdout.trimEnd().split('\n');
    assert.deepEqual(header!.split(/\s{2,}/), [
      'ID',
      'NAME',
      'CIDR',
      'VNI',
      'PROJECT',
      'GENERATION',
      'CREATED',
    ]);
    assert.equal(rows.length, 2);
    assert.ok(
      rows.some((row) => / retry +10\.3\.0\.0\/24 /.test(row)),
      r.stdout,
    );
  });

  it('prints a bad CIDR as one line with the code and the field, and exits 1', async () => {
    const r = await vpcctl(['vpc', 'create', 'pub', '--cidr', '8.8.0.0/16'], tenant);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.match(
      r.stderr,
      /^vpcctl: INVALID_ARGUMENT: cidr: must lie in a private range \(.*\)\n$/,
    );
  });

  it('names every bad field on the same line', async () => {
    const r = await vpcctl(['vpc', 'create', 'Bad_Name', '--cidr', '10.0.0.1/16'], tenant);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^vpcctl: INVALID_ARGUMENT: name: .*; cidr: .*host bits.*\n$/);
  });

  it('says UNAUTHENTICATED, and how to give a token, when none is given', async () => {
    const r = await vpcctl(['vpc', 'list'], { NORTHD_ADDR: h.address });
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /^vpcctl: UNAUTHENTICATED: .*\(no token given: set VPCD_TOKEN or pass --token\)\n$/,
    );
  });

  it('takes --token over VPCD_TOKEN', async () => {
    const r = await vpcctl(['project', 'list', '--token', h.adminToken], {
      ...tenant,
    });
    assert.equal(r.code, 0, r.stderr);
  });

  it('refuses admin calls with a project token: PERMISSION_DENIED', async () => {
    const r = await vpcctl(['project', 'create', 'other'], tenant);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^vpcctl: PERMISSION_DENIED: /);
  });
});
