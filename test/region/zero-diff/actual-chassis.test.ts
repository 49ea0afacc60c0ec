import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChassisState } from '@vpcd/api';
import { compileFlows, diff } from '@vpcd/flows';
import { portNumbersOf } from './actual-chassis.js';

// Chassis hv1 with ports a and b of one VPC, whose third interface c is on hv2.
const state: ChassisState = {
  chassisId: 'hv1',
  epoch: 1,
  generation: 3,
  changes: [],
  vpcs: [{ vpcId: 'v1', vni: 1000, cidr: '10.0.0.0/24', gatewayIp: '10.0.0.1' }],
  ports: [
    { interfaceId: 'a', vpcId: 'v1', name: 'a', ip: '10.0.0.2', mac: '02:00:00:00:00:02' },
    { interfaceId: 'b', vpcId: 'v1', name: 'b', ip: '10.0.0.3', mac: '02:00:00:00:00:03' },
  ],
  remotePorts: [
    {
      interfaceId: 'c',
      vpcId: 'v1',
      ip: '10.0.0.4',
      mac: '02:00:00:00:00:04',
      chassisId: 'hv2',
      underlayIp: '192.0.2.2',
    },
  ],
};
const bound = {
  portNumbers: new Map([
    ['a', 7],
    ['b', 9],
  ]),
  tunnelPort: 4,
  dhcpPort: 5,
};
const tunnels = ['tunnel:v1:192.0.2.2:ingress'];

describe('portNumbersOf', () => {
  it("learns each port, the tunnel and hvaddr's port from the flows a chassis holds", () => {
    const flows = compileFlows(state, bound);
    const learned = portNumbersOf(flows, ['a', 'b'], tunnels);
    assert.deepEqual(learned, { byInterface: bound.portNumbers, tunnel: 4, dhcp: 5 });
    const recompiled = compileFlows(state, {
      portNumbers: learned.byInterface,
      tunnelPort: learned.tunnel,
      dhcpPort: learned.dhcp,
    });
    assert.deepEqual(diff(flows, recompiled), { remove: [], add: [] });
  });

  it('gives a port without flows a number of its own, so all its flows show in the diff', () => {
    const onlyA = compileFlows({ ...state, ports: [state.ports[0]!] }, bound);
    const learned = portNumbersOf(onlyA, ['a', 'b'], tunnels);
    assert.equal(learned.byInterface.get('a'), 7);
    assert.ok(![7, 4, 5].includes(learned.byInterface.get('b')!));
    const change = diff(
      onlyA,
      compileFlows(state, {
        portNumbers: learned.byInterface,
        tunnelPort: learned.tunnel,
        dhcpPort: learned.dhcp,
      }),
    );
    assert.equal(change.remove.length, 0);
    assert.ok(change.add.some((f) => f.match.includes('02:00:00:00:00:03')));
  });

  it('shows a flow whose port disagrees with its ingress flow in the diff', () => {
    const flows = compileFlows(state, bound).map((f) =>
      f.actions === 'output:9' ? { ...f, actions: 'output:8' } : f,
    );
    const learned = portNumbersOf(flows, ['a', 'b'], tunnels);
    const change = diff(
      flows,
      compileFlows(state, {
        portNumbers: learned.byInterface,
        tunnelPort: learned.tunnel,
        dhcpPort: learned.dhcp,
      }),
    );
    assert.equal(change.remove.length, 1);
    assert.equal(change.add.length, 1);
  });
});
