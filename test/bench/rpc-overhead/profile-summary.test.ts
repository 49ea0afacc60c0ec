import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { skipStart } from './profile-summary.js';

describe('skipStart', () => {
  it('drops the samples taken before the given time, keeping the later ones', () => {
    const profile = { nodes: [], samples: [1, 2, 3, 4], timeDeltas: [500, 600, 1000, 10] };
    assert.deepEqual(skipStart(profile, 1100), {
      nodes: [],
      samples: [2, 3, 4],
      timeDeltas: [600, 1000, 10],
    });
    assert.deepEqual(skipStart(profile, 0).samples, [1, 2, 3, 4]);
  });
});
