import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { reconnectDelayMs, sleep } from './backoff.js';

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
