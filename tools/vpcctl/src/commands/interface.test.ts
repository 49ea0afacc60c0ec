import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startNorthdHarness, type NorthdHarness } from '../testing/index.js';
import { vpcctl, vpcctlJson } from '../test-support.js';

interface Iface {
  id: string;
  name: string;
  vpcId: string;
  chassisId: string;
  ip: string;
  mac: string;
  status?: string;
}

describe('vpcctl interfaces against northd', () => {
  let h: NorthdHarness;
  let env: Record<string, string>;
  let vpcId: string;

  before(async () => {
    h = await startNorthdHarness();
    const admin = { NORTHD_ADDR: h.address, VPCD_TOKEN: h.adminToken };
    for (const id of ['hv1', 'hv2']) {
      await vpcctlJson(
        ['chassis', 'register', id, '--underlay-ip', '192.0.2.1', '--hvflowd-addr', `${id}:50053`],
        admin,
      );
    }
    const project = await vpcctlJson<{ id: string }>(['project', 'create', 'p'], admin);
    const token = await vpcctlJson<{ token: string }>(['token', 'create', project.id], admin);
    env = { NORTHD_ADDR: h.address, VPCD_TOKEN: token.token };
    vpcId = (await vpcctlJson<{ id: string }>(['vpc', 'create', 'v', '--cidr', '10.7.0.0/24'], env))
      .id;
  });
  after(() => h.stop());

  it('creates an interface with --wait and prints it once ACTIVE', async () => {
    const r = await vpcctl(
      ['interface', 'create', 'web-1', '--vpc', vpcId, '--chassis', 'hv1', '--wait', '-o', 'json'],
      env,
    );
    assert.equal(r.code, 0, r.stderr);
    const iface = JSON.parse(r.stdout) as Iface;
    assert.equal(iface.status, 'INTERFACE_STATUS_ACTIVE');
    assert.equal(iface.name, 'web-1');
    assert.equal(iface.ip, '10.7.0.2', 'IPAM gives the first address after the gateway');
    assert.match(r.stderr, /waiting for interface .* to become ACTIVE/);
    assert.match(r.stderr, new RegExp(`interface ${iface.id} is ACTIVE after `));
  });

  it('creates with a chosen address and MAC, lists by VPC and chassis, gets and deletes', async () => {
    const created = await vpcctlJson<Iface>(
      [
        'interface',
        'create',
        'db-1',
        '--vpc',
        vpcId,
        '--chassis',
        'hv2',
        '--ip',
        '10.7.0.20',
        '--mac',
        '02:00:00:00:00:20',
      ],
      env,
    );
    assert.deepEqual([created.ip, created.mac], ['10.7.0.20', '02:00:00:00:00:20']);
    const byVpc = await vpcctlJson<{ interfaces: Iface[] }>(
      ['interface', 'list', '--vpc', vpcId],
      env,
    );
    assert.deepEqual(byVpc.interfaces.map((i) => i.name).sort(), ['db-1', 'web-1']);
    const byChassis = await vpcctlJson<{ interfaces: Iface[] }>(
      ['interface', 'list', '--chassis', 'hv2'],
      env,
    );
    assert.deepEqual(
      byChassis.interfaces.map((i) => i.id),
      [created.id],
    );
    const got = await vpcctlJson<Iface>(['interface', 'get', created.id], env);
    assert.equal(got.id, created.id);
    assert.equal((await vpcctl(['interface', 'delete', created.id], env)).code, 0);
    const gone = await vpcctl(['interface', 'get', created.id], env);
    assert.match(gone.stderr, /^vpcctl: NOT_FOUND: /);
  });

  it('prints a table with the interface columns', async () => {
    const r = await vpcctl(['interface', 'list', '--vpc', vpcId], env);
    assert.equal(r.code, 0, r.stderr);
    const [header, row] = r.stdout.split('\n');
    assert.deepEqual(header!.split(/\s{2,}/), [
      'ID',
      'NAME',
      'VPC',
      'CHASSIS',
      'IP',
      'MAC',
      'STATUS',
      'GENERATION',
    ]);
    assert.match(row!, / web-1 .* hv1 +10\.7\.0\.2 .* ACTIVE /);
  });

  it('names the bad field of an interface on one line', async () => {
    const r = await vpcctl(
      ['interface', 'create', 'x', '--vpc', vpcId, '--chassis', 'hv1', '--ip', '10.9.0.5'],
      env,
    );
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /^vpcctl: INVALID_ARGUMENT: ip: 10\.9\.0\.5 is outside 10\.7\.0\.0\/24\n$/,
    );
  });

  it('calls an address another interface holds ALREADY_EXISTS on one line', async () => {
    const r = await vpcctl(
      ['interface', 'create', 'copy', '--vpc', vpcId, '--chassis', 'hv1', '--ip', '10.7.0.2'],
      env,
    );
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^vpcctl: ALREADY_EXISTS: ip 10\.7\.0\.2 is in use in the VPC\n$/);
  });

  it('gives up waiting at --timeout with DEADLINE_EXCEEDED and exit 1 while the chassis does not acknowledge', async () => {
    h.setAcking(false);
    try {
      const r = await vpcctl(
        [
          'interface',
          'create',
          'slow',
          '--vpc',
          vpcId,
          '--chassis',
          'hv1',
          '--wait',
          '--timeout',
          '1s',
        ],
        env,
      );
      assert.equal(r.code, 1);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /\nvpcctl: DEADLINE_EXCEEDED: interface \S+ is still PENDING after /);
    } finally {
      h.setAcking(true);
    }
  });

  it('stops waiting with exit 1 and the reason when the chassis leaves the interface out', async () => {
    const r = await vpcctl(
      ['interface', 'create', 'rejected-1', '--vpc', vpcId, '--chassis', 'hv1', '--wait'],
      env,
    );
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /\nvpcctl: interface \S+ is FAILED after \S+: gateway-mac: port /);
  });
});
