import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { slicePlan } from './measure-round.js';

describe('slicePlan', () => {
  it('alternates the order of each pair, so both variants sit alike in the round', () => {
    const plan = slicePlan(['bare', 'rpc'], 2, 0.5);
    assert.deepEqual(
      plan.map((s) => s.variant),
      ['bare', 'rpc', 'rpc', 'bare', 'bare', 'rpc', 'rpc', 'bare'],
    );
    assert.ok(plan.every((s) => s.ms === 500));
  });

  it('gives each variant exactly the measured time, in equal slices no longer than asked', () => {
    const plan = slicePlan(['rpc', 'bare'], 5, 0.75);
    for (const variant of ['rpc', 'bare']) {
      const mine = plan.filter((s) => s.variant === variant);
      assert.equal(mine.length, 7);
      assert.ok(Math.abs(mine.reduce((sum, s) => sum + s.ms, 0) - 5000) < 1e-6);
      assert.ok(mine.every((s) => s.ms <= 750));
    }
    assert.equal(plan[0]?.variant, 'rpc');
  });

  it('measures in one slice each when the slice is longer than the measurement', () => {
    assert.deepEqual(slicePlan(['bare', 'rpc'], 1, 3), [
      { variant: 'bare', ms: 1000 },
      { variant: 'rpc', ms: 1000 },
    ]);
  });
});
