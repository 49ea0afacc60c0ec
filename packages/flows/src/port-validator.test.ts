import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkPort, isGatewayRangeMac, type PortFields, type VpcFields } from './port-validator.js';

const vpc: VpcFields = { vpcId: 'vpc-a', vni: 100, gatewayIp: '10.0.0.1' };
const good: PortFields = {
  interfaceId: 'if-1',
  vpcId: 'vpc-a',
  ip: '10.0.0.5',
  mac: '02:00:00:00:00:01',
};

describe('checkPort', () => {
  it('accepts a port the flows can carry', () => {
    assert.deepEqual(checkPort(good, vpc), []);
  });

  const cases: ReadonlyArray<{
    desc: string;
    port?: Partial<PortFields>;
    vpc?: Partial<VpcFields> | 'unknown';
    want: [string, string];
  }> = [
    {
      desc: 'an empty interface id',
      port: { interfaceId: '' },
      want: ['interface_id', 'invalid-interface-id'],
    },
    { desc: 'a VPC not in the state', vpc: 'unknown', want: ['vpc_id', 'unknown-vpc'] },
    { desc: 'a VNI of 0', vpc: { vni: 0 }, want: ['vpc_id', 'invalid-vpc'] },
    { desc: 'a VNI wider than 24 bits', vpc: { vni: 0x1000000 }, want: ['vpc_id', 'invalid-vpc'] },
    {
      desc: 'a gateway that is not IPv4',
      vpc: { gatewayIp: '10.0.0' },
      want: ['vpc_id', 'invalid-vpc'],
    },
    { desc: 'an IP that is not IPv4', port: { ip: '10.0.0.05' }, want: ['ip', 'invalid-ip'] },
    { desc: "the VPC's gateway IP", port: { ip: '10.0.0.1' }, want: ['ip', 'gateway-ip'] },
    { desc: 'a malformed MAC', port: { mac: '02:00:00:00:00' }, want: ['mac', 'invalid-mac'] },
    { desc: 'a multicast MAC', port: { mac: '01:00:5e:00:00:01' }, want: ['mac', 'invalid-mac'] },
    { desc: 'the all-zero MAC', port: { mac: '00:00:00:00:00:00' }, want: ['mac', 'invalid-mac'] },
    {
      desc: "its VPC's gateway MAC",
      port: { mac: '0e:00:00:00:00:64' },
      want: ['mac', 'gateway-mac'],
    },
    {
      desc: "another VPC's gateway MAC",
      port: { mac: '0E:00:00:12:34:56' },
      want: ['mac', 'gateway-mac'],
    },
  ];
  for (const c of cases) {
    it(`refuses ${c.desc}, naming the field`, () => {
      const inVpc = c.vpc === 'unknown' ? undefined : { ...vpc, ...c.vpc };
      const problems = checkPort({ ...good, ...c.port }, inVpc);
      assert.deepEqual(
        problems.map((p) => [p.field, p.reason]),
        [c.want],
      );
      assert.ok(problems[0]!.message.length > 0);
    });
  }

  it('names every problem of a port', () => {
    const problems = checkPort({ ...good, ip: 'x', mac: 'y' }, { ...vpc, vni: -1 });
    assert.deepEqual(
      problems.map((p) => p.field),
      ['vpc_id', 'ip', 'mac'],
    );
  });
});

describe('isGatewayRangeMac', () => {
  it('holds for 0e:00:00 followed by any three bytes, and nothing else', () => {
    assert.equal(isGatewayRangeMac('0e:00:00:00:00:00'), true);
    assert.equal(isGatewayRangeMac('0e:00:00:ff:ff:ff'), true);
    assert.equal(isGatewayRangeMac('0e:00:01:00:00:00'), false);
    assert.equal(isGatewayRangeMac('0a:00:00:00:00:01'), false);
    assert.equal(isGatewayRangeMac('nope'), false);
  });
});
