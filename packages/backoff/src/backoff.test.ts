import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  backoffDelayMs,
  equalJitterDelayMs,
  fullJitterDelayMs as reconnectDelayMs,
  pushbackDelayMs,
  type Jitter,
} from './backoff.js';
import { sleep } from './sleep.js';

describe('reconnectDelayMs', () => {
  const policy = { initialDelayMs: 100, maxDelayMs: 5000 };
  const cases = [
    { desc: 'first retry, top of the range', attempt: 0, random: 0.999, want: 99 },
    { desc: 'first retry, bottom of the range', attempt: 0, random: 0, want: 0 },
    { desc: 'doubles per attempt', attempt: 3, random: 0.5, want: 400 },
    { desc: 'capped at maxDelayMs', attempt: 10, random: 0.999, want: 4995 },
    { desc: 'huge attempt numbers stay capped', attempt: 10_000, random: 0.5, want: 2500 },
  ];
  for (const tc of cases) {
    it(tc.desc, () => {
      assert.equal(
        reconnectDelayMs(tc.attempt, policy, () => tc.random),
        tc.want,
      );
    });
  }
});

describe('backoffDelayMs bounds', () => {
  const policy = { initialDelayMs: 100, maxDelayMs: 5000 };
  const lowest = () => 0;
  const highest = () => 0.999_999;
  // [jitter, attempt, least delay, greatest delay]
  const cases: Array<[Jitter, number, number, number]> = [
    ['full', 0, 0, 99],
    ['full', 3, 0, 799],
    ['full', 40, 0, 4999],
    ['equal', 0, 50, 99],
    ['equal', 3, 400, 799],
    ['equal', 40, 2500, 4999],
    ['centered', 0, 50, 149],
    ['centered', 3, 400, 1199],
    ['centered', 40, 2500, 7499],
  ];
  for (const [jitter, attempt, least, greatest] of cases) {
    it(`keeps ${jitter} jitter of retry ${attempt} within [${least}, ${greatest}] ms`, () => {
      assert.equal(backoffDelayMs(attempt, policy, jitter, lowest), least);
      assert.equal(backoffDelayMs(attempt, policy, jitter, highest), greatest);
      for (let i = 0; i < 200; i++) {
        const delayMs = backoffDelayMs(attempt, policy, jitter);
        assert.ok(delayMs >= least && delayMs <= greatest && Number.isInteger(delayMs));
      }
    });
  }

  it('never goes under minDelayMs', () => {
    const floored = { ...policy, minDelayMs: 100 };
    assert.equal(backoffDelayMs(0, floored, 'full', lowest), 100);
    assert.equal(
      backoffDelayMs(5, floored, 'full', () => 0.5),
      1600,
    );
  });

  it('stays finite and capped for absurd attempt numbers', () => {
    for (const attempt of [1_000, 1e9, Number.MAX_SAFE_INTEGER]) {
      assert.equal(backoffDelayMs(attempt, policy, 'equal', highest), 4999);
    }
    assert.equal(backoffDelayMs(-1, policy, 'equal', lowest), 50);
  });

  it('doubles from the initial delay up to the cap, jittering the upper half (equal)', () => {
    const low = (failures: number) => equalJitterDelayMs(failures - 1, policy, () => 0);
    const high = (failures: number) => equalJitterDelayMs(failures - 1, policy, () => 1);
    assert.deepEqual([1, 2, 3, 4].map(high), [100, 200, 400, 800]);
    assert.deepEqual([1, 2, 3, 4].map(low), [50, 100, 200, 400]);
    assert.equal(high(60), 5000);
    assert.equal(low(60), 2500);
  });
});

describe('pushbackDelayMs', () => {
  const policy = { initialDelayMs: 200, maxDelayMs: 10_000 };
  it('waits at least the hint, at most a quarter more, and never less than half the first delay', () => {
    assert.equal(
      pushbackDelayMs(4000, policy, () => 0),
      4000,
    );
    assert.equal(
      pushbackDelayMs(4000, policy, () => 0.999_999),
      4999,
    );
    assert.equal(
      pushbackDelayMs(0, policy, () => 0),
      100,
    );
  });
});

describe('sleep', () => {
  it('resolves at once when aborted', async () => {
    const abort = new AbortController();
    const sleeping = sleep(60_000, abort.signal);
    abort.abort();
    await sleeping;
  });

  it('resolves at once when already aborted', async () => {
    await sleep(60_000, AbortSignal.abort());
  });
});
