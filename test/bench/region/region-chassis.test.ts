import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Chassis } from '@vpcd/api';
import { isConverged, progressOf } from './region-chassis.js';

const chassis = (id: string, desiredGeneration: number, appliedGeneration: number): Chassis => ({
  id,
  hostname: id,
  underlayIp: '100.64.0.1',
  hvflowdAddr: '127.0.0.1:1',
  owner: 'northd-0',
  epoch: 1,
  desiredGeneration,
  appliedGeneration,
  stateHash: '',
  lastHeartbeatTime: undefined,
});

describe('isConverged', () => {
  const cases = [
    { desc: 'applied the desired generation', c: chassis('a', 2, 2), want: true },
    { desc: 'behind its desired generation', c: chassis('a', 3, 2), want: false },
    { desc: 'registered, never acknowledged', c: chassis('a', 1, 0), want: false },
  ];
  for (const { desc, c, want } of cases) it(desc, () => assert.equal(isConverged(c), want));
});

describe('progressOf', () => {
  it('counts only the expected chassis: those listed, and those converged', () => {
    const listing = [chassis('sim-0', 1, 1), chassis('sim-1', 2, 1), chassis('hv-a', 1, 1)];
    assert.deepEqual(progressOf(listing, new Set(['sim-0', 'sim-1', 'sim-2'])), {
      expected: 3,
      registered: 2,
      converged: 1,
    });
  });
});
