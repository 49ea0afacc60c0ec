import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { InterfaceStatus } from '@vpcd/api';
import { fieldViolations, isRpcError, Status } from '@vpcd/rpc';
import { RequestLog } from './store/request-log.js';
import { adminToken, clients, startHarness, type Clients, type Harness } from './test-support.js';

async function code(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'OK';
  } catch (err) {
    assert.ok(isRpcError(err), String(err));
    return Status[err.code];
  }
}

async function violation(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'OK';
  } catch (err) {
    assert.ok(isRpcError(err));
    assert.equal(Status[err.code], 'INVALID_ARGUMENT', err.message);
    return fieldViolations(err.metadata)
      .map((v) => v.field)
      .join(',');
  }
}

const vpcReq = (name: string, cidr: string, requestId = '') => ({
  name,
  cidr,
  requestId,
  projectId: '',
});
const ifaceReq = (
  vpcId: string,
  chassisId: string,
  name: string,
  ip = '',
  mac = '',
  requestId = '',
) => ({
  vpcId,
  chassisId,
  name,
  ip,
  mac,
  requestId,
});

describe('northd API', () => {
  let h: Harness;
  let blue: Clients; // a tenant
  let red: Clients; // another tenant
  let blueProject: string;

  before(async () => {
    h = await startHarness();
    const tenant = async (name: string) => {
      const project = await h.admin.projects.createProject({ name, requestId: '' });
      const { token } = await h.admin.projects.createToken({
        projectId: project.id,
        requestId: '',
      });
      return { project, c: clients(h.address, token) };
    };
    const b = await tenant('blue');
    blue = b.c;
    blueProject = b.project.id;
    red = (await tenant('red')).c;
    for (const id of ['hv1', 'hv2']) {
      await h.admin.chassis.registerChassis({
        chassisId: id,
        hostname: `${id}.example`,
        underlayIp: id === 'hv1' ? '192.0.2.1' : '192.0.2.2',
        hvflowdAddr: `${id}:50053`,
        requestId: '',
      });
    }
  });
  after(async () => {
    blue.close();
    red.close();
    await h.stop();
  });

  it('refuses calls without credentials or with an unknown token', async () => {
    const anonymous = clients(h.address, '');
    assert.equal(
      await code(anonymous.vpcs.listVpcs({ pageSize: 0, pageToken: '' })),
      'UNAUTHENTICATED',
    );
    anonymous.close();
  });

  it("keeps tenants apart: another project's VPC is NOT_FOUND, lists are scoped", async () => {
    const vpc = await blue.vpcs.createVpc(vpcReq('web', '10.1.0.0/16'));
    assert.equal(vpc.projectId, blueProject);
    assert.equal(await code(red.vpcs.getVpc({ id: vpc.id })), 'NOT_FOUND');
    assert.equal(await code(red.vpcs.deleteVpc({ id: vpc.id, requestId: '' })), 'NOT_FOUND');
    assert.equal(
      await code(red.interfaces.createInterface(ifaceReq(vpc.id, 'hv1', 'x'))),
      'NOT_FOUND',
    );
    assert.deepEqual((await red.vpcs.listVpcs({ pageSize: 0, pageToken: '' })).vpcs, []);
    const all = await h.admin.vpcs.listVpcs({ pageSize: 0, pageToken: '' });
    assert.ok(
      all.vpcs.some((v) => v.id === vpc.id),
      'an admin sees every project',
    );
  });

  it('lets only an admin manage projects, and only agents and admins register chassis', async () => {
    assert.equal(
      await code(blue.projects.createProject({ name: 'evil', requestId: '' })),
      'PERMISSION_DENIED',
    );
    assert.equal(
      await code(
        blue.chassis.registerChassis({
          chassisId: 'hv9',
          hostname: 'h',
          underlayIp: '192.0.2.9',
          hvflowdAddr: 'h:1',
          requestId: '',
        }),
      ),
      'PERMISSION_DENIED',
    );
  });

  const badVpcs: Array<[string, string, string]> = [
    ['Not_A_Label', '10.2.0.0/16', 'name'],
    ['x'.repeat(64), '10.2.0.0/16', 'name'],
    ['ok', '8.8.8.0/24', 'cidr'],
    ['ok', '10.0.0.0/8', 'cidr'],
    ['ok', '10.2.0.0/29', 'cidr'],
    ['ok', '10.2.0.1/16', 'cidr'],
    ['ok', 'garbage', 'cidr'],
    ['', '', 'name,cidr'],
  ];
  for (const [name, cidr, fields] of badVpcs) {
    it(`refuses VPC name=${JSON.stringify(name.slice(0, 10))} cidr=${cidr} naming ${fields}`, async () => {
      assert.equal(await violation(blue.vpcs.createVpc(vpcReq(name, cidr))), fields);
    });
  }

  it('refuses a CIDR overlapping another VPC of the project, not of another project', async () => {
    await blue.vpcs.createVpc(vpcReq('a', '10.20.0.0/16'));
    assert.equal(
      await code(blue.vpcs.createVpc(vpcReq('b', '10.20.128.0/24'))),
      'FAILED_PRECONDITION',
    );
    assert.equal(await code(red.vpcs.createVpc(vpcReq('b', '10.20.128.0/24'))), 'OK');
    assert.equal(await code(blue.vpcs.createVpc(vpcReq('a', '10.21.0.0/16'))), 'ALREADY_EXISTS');
  });

  it('allocates addresses from IPAM, skipping network and gateway, until the VPC is full', async () => {
    const vpc = await blue.vpcs.createVpc(vpcReq('tiny', '10.30.0.0/28'));
    const ips: string[] = [];
    for (let i = 0; i < 13; i++) {
      ips.push(
        (await blue.interfaces.createInterface(ifaceReq(vpc.id, i % 2 ? 'hv1' : 'hv2', `i${i}`)))
          .ip,
      );
    }
    assert.deepEqual(
      ips,
      Array.from({ length: 13 }, (_, i) => `10.30.0.${i + 2}`),
    );
    assert.equal(
      await code(blue.interfaces.createInterface(ifaceReq(vpc.id, 'hv1', 'full'))),
      'RESOURCE_EXHAUSTED',
    );
    const [first] = ips;
    const listed = await blue.interfaces.listInterfaces({
      vpcId: vpc.id,
      chassisId: '',
      pageSize: 5,
      pageToken: '',
    });
    assert.equal(listed.interfaces.length, 5);
    assert.notEqual(listed.nextPageToken, '');
    assert.ok(first);
  });

  const badInterfaces: Array<[string, string, string, string]> = [
    ['outside', '10.40.1.5', '', 'ip'],
    ['network', '10.40.0.0', '', 'ip'],
    ['gateway', '10.40.0.1', '', 'ip'],
    ['broadcast', '10.40.0.255', '', 'ip'],
    ['garbage ip', '10.40.0.300', '', 'ip'],
    ['multicast mac', '', '01:00:5e:00:00:01', 'mac'],
    ['bad mac', '', 'zz:00:00:00:00:01', 'mac'],
  ];
  it('refuses bad interface addresses naming the field', async () => {
    const vpc = await blue.vpcs.createVpc(vpcReq('checks', '10.40.0.0/24'));
    for (const [what, ip, mac, field] of badInterfaces) {
      assert.equal(
        await violation(blue.interfaces.createInterface(ifaceReq(vpc.id, 'hv1', 'n', ip, mac))),
        field,
        what,
      );
    }
    assert.equal(
      await code(blue.interfaces.createInterface(ifaceReq(vpc.id, 'nope', 'd'))),
      'NOT_FOUND',
    );
  });

  it('refuses a taken name, IP or MAC as ALREADY_EXISTS naming it, and frees them on delete', async () => {
    const vpc = await blue.vpcs.createVpc(vpcReq('taken', '10.41.0.0/24'));
    const first = await blue.interfaces.createInterface(
      ifaceReq(vpc.id, 'hv1', 'first', '10.41.0.10', '02:00:00:00:00:10'),
    );
    const refusals: Array<[string, ReturnType<typeof ifaceReq>, RegExp]> = [
      ['name', ifaceReq(vpc.id, 'hv1', 'first'), /named "first" exists/],
      ['ip', ifaceReq(vpc.id, 'hv1', 'b', '10.41.0.10'), /ip 10\.41\.0\.10 is in use/],
      [
        'mac',
        ifaceReq(vpc.id, 'hv1', 'c', '', '02:00:00:00:00:10'),
        /mac 02:00:00:00:00:10 is in use/,
      ],
    ];
    for (const [what, req, message] of refusals) {
      await assert.rejects(blue.interfaces.createInterface(req), (err) => {
        assert.ok(isRpcError(err));
        assert.equal(Status[err.code], 'ALREADY_EXISTS', what);
        assert.match(err.message, message, what);
        return true;
      });
    }
    await blue.interfaces.deleteInterface({ id: first.id, requestId: '' });
    for (const [what, req] of refusals) {
      assert.equal(await code(blue.interfaces.createInterface(req)), 'OK', what);
    }
  });

  it('refuses to delete a VPC that has interfaces, with their count', async () => {
    const vpc = await blue.vpcs.createVpc(vpcReq('busy', '10.50.0.0/24'));
    const iface = await blue.interfaces.createInterface(ifaceReq(vpc.id, 'hv1', 'a'));
    await blue.interfaces.createInterface(ifaceReq(vpc.id, 'hv2', 'b'));
    await assert.rejects(blue.vpcs.deleteVpc({ id: vpc.id, requestId: '' }), (err) => {
      assert.ok(isRpcError(err));
      assert.equal(err.code, Status.FAILED_PRECONDITION);
      assert.match(err.message, /2 interface/);
      return true;
    });
    await blue.interfaces.deleteInterface({ id: iface.id, requestId: '' });
    assert.equal(await code(blue.interfaces.getInterface({ id: iface.id })), 'NOT_FOUND');
  });

  it('answers a retried request_id with the first result and refuses it for another request', async () => {
    const first = await blue.vpcs.createVpc(vpcReq('retry', '10.60.0.0/24', 'req-1'));
    const again = await blue.vpcs.createVpc(vpcReq('retry', '10.60.0.0/24', 'req-1'));
    assert.deepEqual(again, first);
    assert.equal(
      await violation(blue.vpcs.createVpc(vpcReq('other', '10.61.0.0/24', 'req-1'))),
      'request_id',
    );
    const a = await blue.interfaces.createInterface(
      ifaceReq(first.id, 'hv1', 'x', '', '', 'req-2'),
    );
    const b = await blue.interfaces.createInterface(
      ifaceReq(first.id, 'hv1', 'x', '', '', 'req-2'),
    );
    assert.equal(b.id, a.id);
    assert.equal(b.ip, a.ip);
  });

  it('forgets idempotency answers past their age, keeping recent ones', async () => {
    const db = h.deps.db.writes;
    await db.execute(
      "INSERT INTO request_log (scope, request_id, method, request_hash, create_time) VALUES ('admin', 'old-1', 'CreateVpc', REPEAT('a', 32), NOW(3) - INTERVAL 2 DAY)",
    );
    await blue.vpcs.createVpc(vpcReq('recent', '10.80.0.0/24', 'recent-1'));
    const pruned = await new RequestLog().prune(db, 24 * 3600_000);
    assert.ok(pruned >= 1);
    const left = await db.query<{ request_id: string }>('SELECT request_id FROM request_log');
    assert.ok(!left.some((r) => r.request_id === 'old-1'));
    assert.ok(left.some((r) => r.request_id === 'recent-1'));
  });

  it('returns an interface PENDING with the generation that includes it', async () => {
    const vpc = await blue.vpcs.createVpc(vpcReq('pending', '10.70.0.0/24'));
    const iface = await blue.interfaces.createInterface(ifaceReq(vpc.id, 'hv2', 'p'));
    assert.equal(iface.status, InterfaceStatus.INTERFACE_STATUS_PENDING);
    const chassis = await h.admin.chassis.getChassis({ id: 'hv2' });
    assert.equal(chassis.desiredGeneration, iface.generation, 'the generation of its chassis');
    // The answer is built without reading the row back: it is what a read shows.
    assert.deepEqual(await blue.interfaces.getInterface({ id: iface.id }), iface);
  });

  it('never writes a token to its logs', async () => {
    const { token } = await h.admin.projects.createToken({ projectId: blueProject, requestId: '' });
    const tenant = clients(h.address, token);
    await tenant.vpcs.listVpcs({ pageSize: 0, pageToken: '' });
    const wrong = clients(h.address, `${token}x`);
    assert.equal(
      await code(wrong.vpcs.listVpcs({ pageSize: 0, pageToken: '' })),
      'UNAUTHENTICATED',
    );
    tenant.close();
    wrong.close();
    const text = JSON.stringify(h.logs);
    assert.ok(
      h.logs.some((l) => l.msg === 'finished call'),
      'calls are logged',
    );
    assert.ok(!text.includes(token) && !text.includes(adminToken), 'no token in the logs');
  });
});
