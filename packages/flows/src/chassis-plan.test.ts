import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChassisState } from '@vpcd/api';
import { planChassis, type CompileOptions } from './chassis-plan.js';
import { hasFlowsCode, isFlowsError, type FlowsErrorCode } from './flows-error.js';
import { sampleOptions, sampleState } from './test-fixtures.js';

type Edit = (
  state: ChassisState,
  options: { portNumbers: Map<string, number>; tunnelPort: number },
) => void;

const REJECTED: ReadonlyArray<readonly [string, Edit, FlowsErrorCode, RegExp]> = [
  [
    'a vpc listed twice',
    (s) => void s.vpcs.push({ ...s.vpcs[0]!, vni: 7 }),
    'invalid-state',
    /vpc "vpc-a" is listed twice/,
  ],
  [
    'a VNI of 0',
    (s) => void (s.vpcs[0]!.vni = 0),
    'invalid-state',
    /vni 0 is not in 1\.\.16777215/,
  ],
  [
    'a VNI wider than 24 bits',
    (s) => void (s.vpcs[0]!.vni = 0x1000000),
    'invalid-state',
    /is not in 1\.\./,
  ],
  [
    'a VNI shared by two vpcs',
    (s) => void (s.vpcs[1]!.vni = 100),
    'invalid-state',
    /vni 100 is used by another vpc/,
  ],
  [
    'a gateway that is not IPv4',
    (s) => void (s.vpcs[0]!.gatewayIp = '10.0.0'),
    'invalid-state',
    /gateway_ip "10.0.0" is not IPv4/,
  ],
  [
    'an interface id used twice',
    (s) => void (s.remotePorts[0]!.interfaceId = 'if-a1'),
    'invalid-state',
    /remote port "if-a1" is listed twice/,
  ],
  [
    'a port of an unknown vpc',
    (s) => void (s.ports[0]!.vpcId = 'vpc-x'),
    'invalid-state',
    /vpc "vpc-x" is not in vpcs/,
  ],
  [
    'an IP with a leading zero',
    (s) => void (s.ports[0]!.ip = '10.0.0.05'),
    'invalid-state',
    /ip "10.0.0.05" is not IPv4/,
  ],
  [
    'a multicast MAC',
    (s) => void (s.ports[0]!.mac = '01:00:5e:00:00:01'),
    'invalid-state',
    /is not a unicast MAC/,
  ],
  [
    'a malformed MAC',
    (s) => void (s.ports[0]!.mac = '02:00:00:00:00'),
    'invalid-state',
    /is not a unicast MAC/,
  ],
  [
    'two ports with one IP in a vpc',
    (s) => void (s.ports[1]!.ip = '10.0.0.5'),
    'invalid-state',
    /ip 10.0.0.5 is taken in its vpc/,
  ],
  [
    'a port with the gateway IP',
    (s) => void (s.remotePorts[0]!.ip = '10.0.0.1'),
    'invalid-state',
    /ip 10.0.0.1 is taken/,
  ],
  [
    'a port with the gateway MAC',
    (s) => void (s.ports[0]!.mac = '0e:00:00:00:00:64'),
    'invalid-state',
    /mac 0e:00:00:00:00:64 is in the gateways' range/,
  ],
  [
    "a port with another vpc's gateway MAC",
    (s) => void (s.ports[0]!.mac = '0E:00:00:00:00:C8'),
    'invalid-state',
    /mac 0e:00:00:00:00:c8 is in the gateways' range/,
  ],
  [
    'a remote port on this chassis',
    (s) => void (s.remotePorts[0]!.chassisId = 'ch-1'),
    'invalid-state',
    /is on this chassis/,
  ],
  [
    'a remote port without underlay IP',
    (s) => void (s.remotePorts[0]!.underlayIp = ''),
    'invalid-state',
    /underlay_ip "" is not IPv4/,
  ],
  [
    'a port without port number',
    (_s, o) => void o.portNumbers.delete('if-a2'),
    'invalid-options',
    /port "if-a2" has no port number/,
  ],
  [
    'two ports with one number',
    (_s, o) => void o.portNumbers.set('if-a2', 1),
    'invalid-options',
    /port number 1 is also "if-a1"'s/,
  ],
  [
    'a port numbered as the tunnel',
    (_s, o) => void o.portNumbers.set('if-a2', 100),
    'invalid-options',
    /is the tunnel's/,
  ],
  [
    'a reserved port number',
    (_s, o) => void (o.tunnelPort = 0xfffe),
    'invalid-options',
    /tunnelPort 65534 is not in 1\.\.65279/,
  ],
];

describe('planChassis', () => {
  for (const [what, edit, code, problem] of REJECTED) {
    it(`rejects ${what}`, () => {
      const state = sampleState();
      const options = { ...sampleOptions(), portNumbers: new Map(sampleOptions().portNumbers) };
      edit(state, options);
      assert.throws(
        () => planChassis(state, options),
        (err: unknown) =>
          hasFlowsCode(err, code) && isFlowsError(err) && err.problems.some((p) => problem.test(p)),
      );
    });
  }

  it('names every problem of a state in one error', () => {
    const state = sampleState();
    state.ports[0]!.mac = 'nope';
    state.ports[1]!.ip = 'nope';
    state.remotePorts[0]!.underlayIp = 'nope';
    assert.throws(
      () => planChassis(state, sampleOptions()),
      (err: unknown) => isFlowsError(err) && err.problems.length === 3,
    );
  });

  it('accepts upper-case MACs and compiles them lower-case', () => {
    const state = sampleState();
    state.ports[0]!.mac = '02:00:00:00:00:AB';
    const options: CompileOptions = sampleOptions();
    assert.equal(planChassis(state, options).ports[0]!.mac, '02:00:00:00:00:ab');
  });

  it('allows the same IP and MAC in different vpcs', () => {
    const state = sampleState();
    state.ports[2]!.mac = state.ports[0]!.mac;
    assert.equal(planChassis(state, sampleOptions()).ports.length, 3);
  });
});
