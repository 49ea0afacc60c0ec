import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chassisState } from '../testing/chassis-stub.js';
import { buildBindings } from './build-bindings.js';

describe('buildBindings', () => {
  it('binds each local port to its address, mask, gateway and name', () => {
    const { bindings, skipped } = buildBindings(
      chassisState('c1', [{ mac: '02:00:00:00:00:0A', ip: '10.0.0.10', name: 'web-1' }], {
        cidr: '10.0.0.0/23',
        gatewayIp: '10.0.0.1',
      }),
    );
    assert.deepEqual(skipped, []);
    assert.deepEqual(bindings.get('02:00:00:00:00:0a'), {
      interfaceId: 'if-1',
      vpcId: 'vpc-1',
      mac: '02:00:00:00:00:0a',
      ip: '10.0.0.10',
      subnetMask: '255.255.254.0',
      gateway: '10.0.0.1',
      broadcastAddress: '10.0.1.255',
      hostname: 'web-1',
    });
  });

  it('omits a name that is not a host name', () => {
    const { bindings } = buildBindings(
      chassisState('c1', [{ mac: '02:00:00:00:00:0a', ip: '10.0.0.10', name: 'my vm_1' }]),
    );
    assert.equal(bindings.get('02:00:00:00:00:0a')?.hostname, undefined);
  });

  const skips = [
    { desc: 'a malformed MAC', port: { mac: '02:00:00:00:0a', ip: '10.0.0.10' } },
    { desc: 'an address outside the CIDR', port: { mac: '02:00:00:00:00:0a', ip: '10.0.1.10' } },
    { desc: 'a malformed address', port: { mac: '02:00:00:00:00:0a', ip: '10.0.0.300' } },
    {
      desc: 'a VPC missing from the state',
      port: { mac: '02:00:00:00:00:0a', ip: '10.0.0.10', vpcId: 'x' },
    },
  ];
  for (const { desc, port } of skips) {
    it(`skips a port with ${desc}`, () => {
      const { bindings, skipped } = buildBindings(chassisState('c1', [port]));
      assert.equal(bindings.size, 0);
      assert.equal(skipped.length, 1);
    });
  }

  it('serves neither of two interfaces sharing a MAC by MAC, both by interface', () => {
    const state = chassisState('c1', [
      { mac: '02:00:00:00:00:0a', ip: '10.0.0.10' },
      { mac: '02:00:00:00:00:0b', ip: '10.0.0.11' },
    ]);
    state.vpcs.push({ vpcId: 'vpc-2', vni: 200, cidr: '10.0.0.0/24', gatewayIp: '10.0.0.1' });
    state.ports.push({
      interfaceId: 'if-9',
      vpcId: 'vpc-2',
      name: 'x',
      ip: '10.0.0.10',
      mac: '02:00:00:00:00:0A',
    });
    const { bindings, byInterface, skipped } = buildBindings(state);
    assert.deepEqual([...bindings.keys()], ['02:00:00:00:00:0b']);
    assert.equal(byInterface.get('if-1')?.vpcId, 'vpc-1');
    assert.equal(byInterface.get('if-9')?.vpcId, 'vpc-2');
    assert.deepEqual(skipped.map((s) => s.interfaceId).sort(), ['if-1', 'if-9']);
  });
});
