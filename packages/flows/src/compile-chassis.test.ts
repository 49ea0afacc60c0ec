import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChassisState } from '@vpcd/api';
import { compileChassis, compileFlows } from './compile.js';
import { screenChassisState } from './screen-state.js';
import { sampleOptions, sampleState } from './test-fixtures.js';

/** The sample state without the given local ports and their port numbers: what should remain. */
function without(state: ChassisState, ...ids: string[]) {
  const options = sampleOptions();
  const portNumbers = new Map([...options.portNumbers].filter(([id]) => !ids.includes(id)));
  return {
    state: { ...state, ports: state.ports.filter((p) => !ids.includes(p.interfaceId)) },
    options: { ...options, portNumbers },
  };
}

describe('compileChassis', () => {
  it('compiles a good state whole, rejecting nothing', () => {
    const result = compileChassis(sampleState(), sampleOptions());
    assert.deepEqual(result.rejected, []);
    assert.deepEqual(result.flows, compileFlows(sampleState(), sampleOptions()));
  });

  it("leaves out a port with a gateway MAC and compiles everyone else's", () => {
    const state = sampleState();
    state.ports[2]!.mac = '0e:00:00:00:00:c8';
    const { state: rest, options } = without(state, 'if-b1');
    const result = compileChassis(state, options);
    assert.deepEqual(result.flows, compileFlows(rest, options));
    assert.deepEqual(
      result.rejected.map((r) => [r.interfaceId, r.remote, r.reason]),
      [['if-b1', false, 'gateway-mac']],
    );
    assert.match(result.rejected[0]!.problems[0]!, /port "if-b1": mac 0e:00:00:00:00:c8/);
  });

  it('leaves out every port of a VPC whose VNI is out of range, and only those', () => {
    const state = sampleState();
    state.vpcs[1]!.vni = 0x1000000;
    const result = compileChassis(state, without(state, 'if-b1').options);
    assert.deepEqual(
      result.rejected.map((r) => [r.interfaceId, r.reason]),
      [['if-b1', 'invalid-vpc']],
    );
    assert.deepEqual(result.vpcProblems, ['vpc "vpc-b": vni 16777216 is not in 1..16777215']);
    const rest = { ...without(state, 'if-b1').state, vpcs: [state.vpcs[0]!] };
    assert.deepEqual(result.flows, compileFlows(rest, without(state, 'if-b1').options));
  });

  it('rejects every holder of a duplicate IP in a VPC, whatever the order', () => {
    const state = sampleState();
    state.ports[1]!.ip = '10.0.0.5';
    const reversed = { ...state, ports: [...state.ports].reverse() };
    const options = without(state, 'if-a1', 'if-a2').options;
    for (const s of [state, reversed]) {
      const result = compileChassis(s, options);
      assert.deepEqual(
        result.rejected.map((r) => [r.interfaceId, r.reason]),
        [
          ['if-a1', 'duplicate-ip'],
          ['if-a2', 'duplicate-ip'],
        ],
      );
    }
  });

  it('reports a rejected remote port as remote', () => {
    const state = sampleState();
    state.remotePorts[0]!.underlayIp = 'nope';
    const result = compileChassis(state, sampleOptions());
    assert.deepEqual(
      result.rejected.map((r) => [r.interfaceId, r.remote, r.reason]),
      [['if-a3', true, 'invalid-underlay-ip']],
    );
    assert.ok(!result.flows.some((f) => f.match.includes('192.168.1.2')));
  });

  it('needs port numbers only for the accepted ports', () => {
    const state = sampleState();
    state.ports[0]!.interfaceId = '';
    const screened = screenChassisState(state);
    assert.deepEqual(
      screened.accepted.ports.map((p) => p.interfaceId),
      ['if-a2', 'if-b1'],
    );
    const result = compileChassis(state, without(state, 'if-a1').options);
    assert.deepEqual(
      result.rejected.map((r) => r.reason),
      ['invalid-interface-id'],
    );
  });

  it('screens the same port objects again by the state they are in now', () => {
    // A chassis screens every state it applies, with the objects of the ports a delta left.
    const state = sampleState();
    const [a1] = state.ports;
    const [a3] = state.remotePorts;
    assert.deepEqual(screenChassisState(state).rejected, []);
    // a1's VPC now has a1's IP as its gateway; a1 and a3 are listed again, a3 duplicating a1's IP.
    const vpcs = state.vpcs.map((vpc) =>
      vpc.vpcId === a1!.vpcId ? { ...vpc, gatewayIp: a1!.ip } : vpc,
    );
    const again = screenChassisState({ ...state, vpcs });
    assert.deepEqual(
      again.rejected.map((r) => [r.interfaceId, r.reason]),
      [['if-a1', 'gateway-ip']],
    );
    // Seen from a3's own chassis, a3 is on this chassis; from the first, it is fine again.
    const onA3 = screenChassisState({ ...state, chassisId: a3!.chassisId });
    assert.deepEqual(
      onA3.rejected.map((r) => [r.interfaceId, r.reason]),
      [['if-a3', 'remote-on-this-chassis']],
    );
    assert.deepEqual(screenChassisState(state).rejected, []);
    // The same object twice: both listings are duplicates, whatever screened it before.
    const twice = screenChassisState({ ...state, ports: [...state.ports, a1!] });
    assert.deepEqual(
      twice.rejected.map((r) => [r.interfaceId, r.reason]),
      [
        ['if-a1', 'duplicate-interface-id'],
        ['if-a1', 'duplicate-interface-id'],
      ],
    );
  });
});
