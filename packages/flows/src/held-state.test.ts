import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChassisDelta, ChassisState } from '@vpcd/api';
import fc from 'fast-check';
import { applyDelta, deltaBetween } from './chassis-delta.js';
import { contentHash, encodePort, encodeRemotePort, encodeVpc } from './content-hash.js';
import { HeldState } from './held-state.js';
import { partialDelta, stateChainArbitrary } from './state-arbitrary.js';

/** The state's content as sorted canonical lines, for comparing states in any list order. */
const content = (state: ChassisState) => [
  state.vpcs.map(encodeVpc).sort(),
  state.ports.map(encodePort).sort(),
  state.remotePorts.map(encodeRemotePort).sort(),
];

/** applyDelta's answer: the state, or the message it refuses the delta with. */
function reference(state: ChassisState, delta: ChassisDelta): ChassisState | string {
  try {
    return applyDelta(state, delta);
  } catch (err) {
    return (err as Error).message;
  }
}

const chains = fc.tuple(stateChainArbitrary, fc.infiniteStream(fc.nat(3)));

describe('HeldState', () => {
  it('applies any chain of deltas as applyDelta does, keeping contentHash and refusals', () => {
    fc.assert(
      fc.property(chains, ([states, draws]) => {
        const keep = () => draws.next().value !== 0;
        let expected = states[0]!;
        const held = new HeldState(expected);
        assert.equal(held.contentHash(), contentHash(expected));
        for (const target of states.slice(1)) {
          const delta = partialDelta(deltaBetween(held.state(), target), keep);
          const before = held.state();
          const next = reference(expected, delta);
          if (typeof next === 'string') {
            assert.throws(() => held.apply(delta), { message: next });
            assert.equal(held.state(), before);
            assert.equal(held.contentHash(), contentHash(before));
            continue;
          }
          const change = held.apply(delta);
          assert.deepEqual(held.state(), next);
          assert.equal(held.contentHash(), contentHash(next));
          // Entries the delta leaves alone keep their objects; the change names the others.
          if (!change.whole) {
            for (const port of next.ports) {
              const old = expected.ports.find((p) => p.interfaceId === port.interfaceId);
              if (old !== port) assert.equal(change.ports.get(port.interfaceId), old);
            }
          }
          expected = next;
        }
      }),
      { numRuns: 300 },
    );
  });

  it('reverts an apply to the state it was applied to', () => {
    fc.assert(
      fc.property(chains, ([states, draws]) => {
        const keep = () => draws.next().value !== 0;
        const held = new HeldState(states[0]!);
        for (const target of states.slice(1)) {
          const before = held.state();
          const delta = partialDelta(deltaBetween(before, target), keep);
          if (typeof reference(before, delta) === 'string') continue;
          const applied = held.apply(delta);
          const after = held.state();
          const back = held.revert();
          assert.deepEqual(content(held.state()), content(before));
          assert.deepEqual(
            [held.epoch, held.generation, held.contentHash()],
            [before.epoch, before.generation, contentHash(before)],
          );
          if (!back.whole) {
            assert.deepEqual([...back.ports.keys()].sort(), [...applied.ports.keys()].sort());
            for (const [id, was] of back.ports) {
              assert.equal(
                was,
                after.ports.find((p) => p.interfaceId === id),
              );
            }
          }
          held.apply(delta);
          assert.deepEqual(content(held.state()), content(after));
        }
      }),
      { numRuns: 200 },
    );
  });

  it('holds a state that lists an id twice as given, and applies the next delta to it', () => {
    const port = {
      interfaceId: 'if-1',
      vpcId: 'v',
      name: 'a',
      ip: '10.0.0.2',
      mac: '02:00:00:00:00:01',
    };
    const state: ChassisState = {
      chassisId: 'ch-1',
      epoch: 1,
      generation: 1,
      changes: [],
      vpcs: [{ vpcId: 'v', vni: 5, cidr: '10.0.0.0/24', gatewayIp: '10.0.0.1' }],
      ports: [port, { ...port, name: 'b' }],
      remotePorts: [],
    };
    const held = new HeldState(state);
    assert.equal(held.state(), state);
    assert.equal(held.contentHash(), contentHash(state));
    const delta = { ...deltaBetween(state, state), generation: 2 };
    assert.equal(held.apply(delta).whole, true);
    assert.deepEqual(held.state(), applyDelta(state, delta));
    assert.equal(held.contentHash(), contentHash(applyDelta(state, delta)));
    assert.equal(held.revert().whole, true);
    assert.equal(held.state(), state);
    assert.equal(held.contentHash(), contentHash(state));
  });
});
