import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Chassis } from '@vpcd/api';
import { summarizeConvergence } from './convergence.js';
import { totalsLine } from './status.js';

const chassis = (id: string, owner: string, desired: number, applied: number) =>
  Chassis.fromPartial({ id, owner, desiredGeneration: desired, appliedGeneration: applied });

describe('summarizeConvergence', () => {
  it('counts converged, behind (with their lag) and unowned chassis', () => {
    const summary = summarizeConvergence([
      chassis('hv1', 'n1', 4, 4),
      chassis('hv2', 'n1', 7, 4),
      chassis('hv3', '', 2, 1),
      chassis('hv4', 'n2', 3, 5),
    ]);
    assert.deepEqual(
      summary.rows.map((r) => [r.chassis.id, r.converged, r.lagGenerations]),
      [
        ['hv1', true, 0],
        ['hv2', false, 3],
        ['hv3', false, 1],
        ['hv4', true, 0],
      ],
    );
    assert.deepEqual(summary.totals, {
      chassis: 4,
      converged: 2,
      behind: 2,
      unowned: 1,
      lagGenerations: 4,
    });
    assert.equal(
      totalsLine(summary),
      '4 chassis: 2 converged, 2 behind by 4 generations, 1 without an owner\n',
    );
  });

  it('summarises no chassis as zeros', () => {
    assert.equal(
      totalsLine(summarizeConvergence([])),
      '0 chassis: 0 converged, 0 behind, 0 without an owner\n',
    );
  });
});
