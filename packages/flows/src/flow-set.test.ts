// Property tests of the flow set over random chassis states: determinism, exact diffs, and text
// that parses back to the same flows.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { compileFlows } from './compile.js';
import { applyDiff, diff } from './diff.js';
import { renderFlow, type Flow } from './flow.js';
import { parseFlowLine } from './flow-line.js';
import { stateHash } from './state-hash.js';
import { optionsFor, stateArbitrary } from './state-arbitrary.js';

describe('flow set', () => {
  it('compiles the same state to the same flows and hash, in any order of its lists', () => {
    const shuffled = stateArbitrary.chain((state) =>
      fc.tuple(
        fc.constant(state),
        fc.shuffledSubarray(state.vpcs, { minLength: state.vpcs.length }),
        fc.shuffledSubarray(state.ports, { minLength: state.ports.length }),
        fc.shuffledSubarray(state.remotePorts, { minLength: state.remotePorts.length }),
      ),
    );
    fc.assert(
      fc.property(shuffled, ([state, vpcs, ports, remotePorts]) => {
        const flows = compileFlows(state, optionsFor(state));
        assert.deepEqual(compileFlows(state, optionsFor(state)), flows);
        const reordered = { ...state, vpcs, ports, remotePorts };
        assert.deepEqual(compileFlows(reordered, optionsFor(reordered)), flows);
        assert.equal(stateHash(compileFlows(reordered, optionsFor(reordered))), stateHash(flows));
      }),
    );
  });

  it('turns any flow set into any other by applying their diff', () => {
    fc.assert(
      fc.property(stateArbitrary, stateArbitrary, (before, after) => {
        const current = compileFlows(before, optionsFor(before));
        const desired = compileFlows(after, optionsFor(after));
        const change = diff(current, desired);
        assert.deepEqual(applyDiff(current, change), desired);
        assert.equal(stateHash(applyDiff(current, change)), stateHash(desired));
        const rendered = (flows: readonly Flow[]) => new Set(flows.map(renderFlow));
        for (const flow of change.remove) assert.ok(!rendered(desired).has(renderFlow(flow)));
        for (const flow of change.add) assert.ok(!rendered(current).has(renderFlow(flow)));
        assert.deepEqual(diff(desired, desired), { remove: [], add: [] });
      }),
    );
  });

  it('renders every flow to a line that parses back to it, with a cookie of its own', () => {
    fc.assert(
      fc.property(stateArbitrary, (state) => {
        const flows = compileFlows(state, optionsFor(state));
        for (const flow of flows) assert.deepEqual(parseFlowLine(renderFlow(flow)), { ...flow });
        assert.equal(new Set(flows.map((flow) => flow.cookie)).size, flows.length);
      }),
    );
  });
});
