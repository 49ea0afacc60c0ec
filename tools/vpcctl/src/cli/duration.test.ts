import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatDuration, parseDurationMs } from './duration.js';

describe('parseDurationMs', () => {
  const cases: Array<[string, number | undefined]> = [
    ['30s', 30_000],
    ['500ms', 500],
    ['2m', 120_000],
    ['1m30s', 90_000],
    ['1h', 3_600_000],
    ['1.5s', 1500],
    ['10', 10_000],
    ['0s', undefined],
    ['', undefined],
    ['soon', undefined],
    ['10x', undefined],
    ['s', undefined],
    ['-1s', undefined],
  ];
  for (const [text, want] of cases) {
    it(`reads "${text}" as ${String(want)}`, () => assert.equal(parseDurationMs(text), want));
  }
});

describe('formatDuration', () => {
  it('is short at every scale', () => {
    assert.deepEqual([350, 1234, 12_345, 125_000].map(formatDuration), [
      '350ms',
      '1.2s',
      '12s',
      '2m05s',
    ]);
  });
});
