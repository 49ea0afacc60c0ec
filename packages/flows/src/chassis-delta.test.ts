import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChassisDelta, ChassisState } from '@vpcd/api';
import fc from 'fast-check';
import { applyDelta, deltaBetween } from './chassis-delta.js';
import { contentHash, encodePort, encodeRemotePort, encodeVpc } from './content-hash.js';
import { hasFlowsCode } from './flows-error.js';
import { stateArbitrary } from './state-arbitrary.js';

/** The state's content as sorted canonical lines, for comparing states in any list order. */
function content(state: ChassisState): string[][] {
  return [
    state.vpcs.map(encodeVpc).sort(),
    state.ports.map(encodePort).sort(),
    state.remotePorts.map(encodeRemotePort).sort(),
  ];
}

const shuffled = <T>(list: readonly T[]) =>
  fc.shuffledSubarray([...list], { minLength: list.length, maxLength: list.length });

const base: ChassisState = {
  chassisId: 'ch-1',
  epoch: 3,
  generation: 7,
  changes: [],
  vpcs: [
    { vpcId: 'vpc-a', vni: 100, cidr: '10.0.0.0/24', gatewayIp: '10.0.0.1' },
    { vpcId: 'vpc-b', vni: 200, cidr: '10.0.0.0/24', gatewayIp: '10.0.0.1' },
  ],
  ports: [
    { interfaceId: 'if-a1', vpcId: 'vpc-a', name: 'a1', ip: '10.0.0.5', mac: '02:00:00:00:00:01' },
    { interfaceId: 'if-b1', vpcId: 'vpc-b', name: 'b1', ip: '10.0.0.5', mac: '02:00:00:00:00:02' },
  ],
  remotePorts: [
    {
      interfaceId: 'if-b2',
      vpcId: 'vpc-b',
      ip: '10.0.0.6',
      mac: '02:00:00:00:00:03',
      chassisId: 'ch-2',
      underlayIp: '192.168.0.2',
    },
  ],
};

function delta(fields: Partial<ChassisDelta>): ChassisDelta {
  return {
    chassisId: 'ch-1',
    epoch: 3,
    baseGeneration: 7,
    generation: 8,
    vpcs: [],
    ports: [],
    remotePorts: [],
    removedVpcs: [],
    removedPorts: [],
    removedRemotePorts: [],
    changes: [],
    ...fields,
  };
}

const invalidDelta = (pattern: RegExp) => (err: unknown) =>
  hasFlowsCode(err, 'invalid-delta') && pattern.test((err as Error).message);

describe('applyDelta', () => {
  it('turns any state into any other by the delta between them', () => {
    fc.assert(
      fc.property(stateArbitrary, stateArbitrary, (from, to) => {
        const next = applyDelta(from, deltaBetween(from, { ...to, generation: 2 }));
        assert.deepEqual(content(next), content(to));
        assert.equal(contentHash(next), contentHash(to));
        assert.equal(next.generation, 2);
      }),
      { numRuns: 300 },
    );
  });

  it('changes nothing for the delta between a state and itself', () => {
    fc.assert(
      fc.property(stateArbitrary, (state) => {
        const empty = deltaBetween(state, state);
        assert.equal(
          empty.vpcs.length + empty.ports.length + empty.remotePorts.length,
          0,
          'nothing added',
        );
        assert.deepEqual(content(applyDelta(state, empty)), content(state));
      }),
    );
  });

  it('takes the epoch, revision and changes of the delta', () => {
    const next = applyDelta(base, delta({ epoch: 4, generation: 9, changes: [11, 12] }));
    assert.deepEqual([next.epoch, next.generation, next.changes], [4, 9, [11, 12]]);
    assert.deepEqual(content(next), content(base));
  });

  it('removes a VPC with its ports and remote ports', () => {
    const next = applyDelta(base, delta({ removedVpcs: ['vpc-b'] }));
    assert.deepEqual(
      next.vpcs.map((v) => v.vpcId),
      ['vpc-a'],
    );
    assert.deepEqual(
      next.ports.map((p) => p.interfaceId),
      ['if-a1'],
    );
    assert.deepEqual(next.remotePorts, []);
  });

  it('replaces an entry it changes, keeping the others', () => {
    const moved = { ...base.ports[0]!, ip: '10.0.0.9' };
    const next = applyDelta(base, delta({ ports: [moved] }));
    assert.deepEqual(next.ports, [moved, base.ports[1]]);
  });

  it('ignores the removal of what the state does not hold', () => {
    const next = applyDelta(base, delta({ removedPorts: ['if-zz'], removedVpcs: ['vpc-zz'] }));
    assert.deepEqual(content(next), content(base));
  });

  const refused: Array<{ desc: string; fields: Partial<ChassisDelta>; problem: RegExp }> = [
    {
      desc: 'a port both added and removed',
      fields: { ports: [base.ports[0]!], removedPorts: ['if-a1'] },
      problem: /port "if-a1" is both added and removed/,
    },
    {
      desc: 'a VPC both added and removed',
      fields: { vpcs: [base.vpcs[0]!], removedVpcs: ['vpc-a'] },
      problem: /vpc "vpc-a" is both added and removed/,
    },
    {
      desc: 'a remote port both added and removed',
      fields: { remotePorts: [base.remotePorts[0]!], removedRemotePorts: ['if-b2'] },
      problem: /remote port "if-b2" is both added and removed/,
    },
    {
      desc: 'a port added twice',
      fields: { ports: [base.ports[0]!, base.ports[0]!] },
      problem: /port "if-a1" is added twice/,
    },
    {
      desc: 'a port of a VPC the chassis does not hold',
      fields: { ports: [{ ...base.ports[0]!, interfaceId: 'if-c1', vpcId: 'vpc-c' }] },
      problem: /port "if-c1" is of vpc "vpc-c", not held/,
    },
    {
      desc: 'a remote port of a VPC the delta removes',
      fields: { removedVpcs: ['vpc-b'], remotePorts: [base.remotePorts[0]!] },
      problem: /remote port "if-b2" is of vpc "vpc-b", not held/,
    },
    {
      desc: 'a delta of another chassis',
      fields: { chassisId: 'ch-9' },
      problem: /delta of chassis "ch-9"/,
    },
  ];
  for (const { desc, fields, problem } of refused) {
    it(`refuses ${desc}`, () => {
      assert.throws(() => applyDelta(base, delta(fields)), invalidDelta(problem));
    });
  }
});

describe('contentHash', () => {
  it('does not depend on the order of the lists', () => {
    const permuted = stateArbitrary.chain((state) =>
      fc
        .tuple(shuffled(state.vpcs), shuffled(state.ports), shuffled(state.remotePorts))
        .map(([vpcs, ports, remotePorts]) => ({
          state,
          other: { ...state, vpcs, ports, remotePorts },
        })),
    );
    fc.assert(
      fc.property(permuted, ({ state, other }) => {
        assert.equal(contentHash(other), contentHash(state));
      }),
    );
  });

  it('leaves out epoch, revision and changes', () => {
    assert.equal(
      contentHash({ ...base, epoch: 9, generation: 99, changes: [1, 2] }),
      contentHash(base),
    );
  });

  it('differs when the content differs', () => {
    fc.assert(
      fc.property(stateArbitrary, stateArbitrary, (a, b) => {
        const same = JSON.stringify(content(a)) === JSON.stringify(content(b));
        assert.equal(contentHash(a) === contentHash(b), same);
      }),
    );
  });

  it('tells a port from a remote port and a field from the next', () => {
    const port = base.ports[0]!;
    const hashes = new Set([
      contentHash(base),
      contentHash({ ...base, ports: [{ ...port, name: 'a', ip: '110.0.0.5' }, base.ports[1]!] }),
      contentHash({ ...base, ports: [{ ...port, name: 'a1', ip: '10.0.0.5 ' }, base.ports[1]!] }),
      contentHash({ ...base, ports: base.ports.slice(1) }),
    ]);
    assert.equal(hashes.size, 4);
  });
});
