import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { retryDelayMs } from './retry-delay.js';

describe('retryDelayMs', () => {
  it('doubles from the initial delay up to the cap, jittering the upper half', () => {
    const low = (failures: number) => retryDelayMs(failures, 100, 5000, () => 0);
    const high = (failures: number) => retryDelayMs(failures, 100, 5000, () => 1);
    assert.deepEqual([1, 2, 3, 4].map(high), [100, 200, 400, 800]);
    assert.deepEqual([1, 2, 3, 4].map(low), [50, 100, 200, 400]);
    assert.equal(high(60), 5000);
    assert.equal(low(60), 2500);
  });
});
