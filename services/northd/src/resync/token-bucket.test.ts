import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TokenBucket } from './token-bucket.js';

/** A clock the test moves by hand. */
function manualClock(startMs = 1_000) {
  let now = startMs;
  return { nowMs: () => now, advance: (ms: number) => void (now += ms) };
}

describe('TokenBucket', () => {
  it('starts full and gives out exactly its burst at once', () => {
    const clock = manualClock();
    const bucket = new TokenBucket({ ratePerS: 10, burst: 3, nowMs: clock.nowMs });
    assert.deepEqual(
      Array.from({ length: 4 }, () => bucket.tryTake()),
      [true, true, true, false],
    );
  });

  it('refills at its rate, continuously, and says when the next token comes', () => {
    const clock = manualClock();
    const bucket = new TokenBucket({ ratePerS: 10, burst: 1, nowMs: clock.nowMs });
    assert.equal(bucket.tryTake(), true);
    assert.equal(bucket.msUntilToken(), 100);
    clock.advance(40);
    assert.equal(bucket.tryTake(), false);
    assert.ok(Math.abs(bucket.msUntilToken() - 60) < 1e-9);
    clock.advance(60);
    assert.equal(bucket.msUntilToken(), 0);
    assert.equal(bucket.tryTake(), true);
  });

  it('never holds more than its burst, however long it was idle', () => {
    const clock = manualClock();
    const bucket = new TokenBucket({ ratePerS: 100, burst: 5, nowMs: clock.nowMs });
    clock.advance(3_600_000);
    assert.equal(bucket.available(), 5);
    let taken = 0;
    while (bucket.tryTake()) taken++;
    assert.equal(taken, 5);
  });

  it('admits rate x time over a long run (plus the burst)', () => {
    const clock = manualClock();
    const bucket = new TokenBucket({ ratePerS: 50, burst: 10, nowMs: clock.nowMs });
    let taken = 0;
    for (let ms = 0; ms < 10_000; ms++) {
      while (bucket.tryTake()) taken++;
      clock.advance(1);
    }
    // 10 at once, then one every 20 ms for 9.999 s (sums of fractions may round either way).
    assert.ok(taken >= 10 + 498 && taken <= 10 + 500, `took ${taken}`);
  });

  it('adds nothing when the clock steps back', () => {
    const clock = manualClock();
    const bucket = new TokenBucket({ ratePerS: 10, burst: 1, nowMs: clock.nowMs });
    assert.equal(bucket.tryTake(), true);
    clock.advance(-5_000);
    assert.equal(bucket.tryTake(), false);
    clock.advance(100);
    assert.equal(bucket.tryTake(), true);
  });

  it('refuses a rate or burst that would admit nothing', () => {
    assert.throws(() => new TokenBucket({ ratePerS: 0, burst: 1 }), /ratePerS 0/);
    assert.throws(() => new TokenBucket({ ratePerS: 1, burst: 0 }), /burst 0/);
  });
});
