import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChassisState } from '@vpcd/api';
import fc from 'fast-check';
import type { CompileOptions } from './chassis-plan.js';
import { applyDelta, deltaBetween } from './chassis-delta.js';
import { CompiledChassis } from './compiled-chassis.js';
import { compileFlows } from './compile.js';
import { applyDiff } from './diff.js';
import { renderFlow } from './flow.js';
import { screenChassisState } from './screen-state.js';
import { stateHash } from './state-hash.js';
import { optionsFor, stateArbitrary } from './state-arbitrary.js';

const accepted = (state: ChassisState) => screenChassisState(state).accepted;
const lines = (flows: readonly { table: number }[]) =>
  flows.map((flow) => renderFlow(flow as Parameters<typeof renderFlow>[0]));
const withDhcp = (options: CompileOptions): CompileOptions => ({ ...options, dhcpPort: 999 });

describe('CompiledChassis', () => {
  it('compiles a chain of deltas to the flows of the whole state, and diffs exactly', () => {
    fc.assert(
      fc.property(
        fc.array(stateArbitrary, { minLength: 2, maxLength: 5 }),
        fc.boolean(),
        (states, dhcp) => {
          const options = (state: ChassisState) =>
            dhcp ? withDhcp(optionsFor(state)) : optionsFor(state);
          const compiled = new CompiledChassis();
          const held = accepted(states[0]!);
          compiled.update(held, options(held));
          let raw = states[0]!;
          for (const target of states.slice(1)) {
            // applyDelta keeps the objects of what the delta leaves alone, as on a chassis.
            raw = applyDelta(raw, deltaBetween(raw, target));
            const next = accepted(raw);
            const before = compiled.flows();
            const change = compiled.update(next, options(next));
            const whole = compileFlows(next, options(next));
            assert.deepEqual(lines(compiled.flows()), lines(whole));
            assert.equal(compiled.stateHash(), stateHash(whole));
            assert.deepEqual(lines(applyDiff(before, change)), lines(whole));
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('recompiles the ports and remote ports of a VPC that changed, and only its parts', () => {
    fc.assert(
      fc.property(stateArbitrary, fc.nat(3), (state, pick) => {
        const vpc = state.vpcs[pick % state.vpcs.length]!;
        const vni = Math.max(...state.vpcs.map((v) => v.vni)) + 1;
        const raw = applyDelta(state, {
          ...deltaBetween(state, state),
          vpcs: [{ ...vpc, vni }],
        });
        const compiled = new CompiledChassis();
        const held = accepted(state);
        compiled.update(held, optionsFor(held));
        const next = accepted(raw);
        compiled.update(next, optionsFor(next));
        assert.deepEqual(lines(compiled.flows()), lines(compileFlows(next, optionsFor(next))));
      }),
    );
  });

  it('recompiles everything when the tunnel port moves', () => {
    fc.assert(
      fc.property(stateArbitrary, (state) => {
        const compiled = new CompiledChassis();
        const held = accepted(state);
        compiled.update(held, optionsFor(held));
        const moved = { ...optionsFor(held), tunnelPort: 2000 };
        compiled.update(held, moved);
        assert.deepEqual(lines(compiled.flows()), lines(compileFlows(held, moved)));
      }),
    );
  });

  it('recompiles a port whose port number moved', () => {
    fc.assert(
      fc.property(stateArbitrary, (state) => {
        const held = accepted(state);
        const compiled = new CompiledChassis();
        compiled.update(held, optionsFor(held));
        const numbers = new Map([...optionsFor(held).portNumbers].map(([id, n]) => [id, n + 500]));
        const moved = { ...optionsFor(held), portNumbers: numbers };
        compiled.update(held, moved);
        assert.deepEqual(lines(compiled.flows()), lines(compileFlows(held, moved)));
      }),
    );
  });
});
