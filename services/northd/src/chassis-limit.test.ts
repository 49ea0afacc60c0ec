import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { hasCode, Status } from '@vpcd/rpc';
import { startHarness, type Harness } from './test-support.js';

// A chassis' state holds its interfaces and the other interfaces of its VPCs; with a limit of
// 5 ports, each case below is one interface that some chassis' state would not take.
describe('the per-chassis limit (CHASSIS_MAX_STATE_PORTS=5)', () => {
  let h: Harness;
  let projectId: string;

  before(async () => {
    h = await startHarness({ CHASSIS_MAX_STATE_PORTS: '5' });
    projectId = (await h.admin.projects.createProject({ name: 'limit', requestId: '' })).id;
    for (const id of ['hv-a', 'hv-b']) {
      await h.admin.chassis.registerChassis({
        chassisId: id,
        hostname: `${id}.example`,
        underlayIp: id === 'hv-a' ? '192.0.2.1' : '192.0.2.2',
        hvflowdAddr: '127.0.0.1:1',
        requestId: '',
      });
    }
  });
  after(() => h?.stop());

  const vpc = (name: string, cidr: string) =>
    h.admin.vpcs.createVpc({ name, cidr, projectId, requestId: '' });
  const iface = (vpcId: string, chassisId: string, name: string) =>
    h.admin.interfaces.createInterface({ vpcId, chassisId, name, ip: '', mac: '', requestId: '' });
  const full = (chassisId: string, ports: number) => (err: unknown) =>
    hasCode(err, Status.RESOURCE_EXHAUSTED) &&
    new RegExp(`state of chassis ${chassisId} would hold ${ports} ports`).test(
      (err as Error).message,
    );

  it("counts a VPC's remote ports, refuses a peer's overflow and a VPC too big to join", async () => {
    const shared = await vpc('shared', '10.1.0.0/24');
    const onB = await vpc('on-b', '10.2.0.0/24');
    await iface(shared.id, 'hv-a', 's1'); // a: 1
    await iface(shared.id, 'hv-b', 's2'); // a: 2, b: 2
    for (const name of ['b1', 'b2', 'b3']) await iface(onB.id, 'hv-b', name); // b: 5
    // One more in the shared VPC, on a, is a remote port on b: b would hold 6.
    await assert.rejects(iface(shared.id, 'hv-a', 's3'), full('hv-b', 6));
    // A VPC new on a brings a its interfaces too: 2 + 3 + 1 = 6 (and b would hold 6).
    await assert.rejects(iface(onB.id, 'hv-a', 'b4'), full('hv-a', 6));
    // A VPC of its own on a costs a one port: a holds 3, b is untouched.
    const own = await vpc('own', '10.3.0.0/24');
    await iface(own.id, 'hv-a', 'o1');
    await iface(own.id, 'hv-a', 'o2');
    await iface(own.id, 'hv-a', 'o3'); // a: 5
    await assert.rejects(iface(own.id, 'hv-a', 'o4'), full('hv-a', 6));
  });
});
