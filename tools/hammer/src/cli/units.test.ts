import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDurationMs, parseRatePerSecond } from './units.js';

describe('units', () => {
  const durations: Array<[string, number | undefined]> = [
    ['30s', 30_000],
    ['250ms', 250],
    ['1m30s', 90_000],
    ['5', 5000],
    ['0s', undefined],
    ['fast', undefined],
  ];
  for (const [text, want] of durations) {
    it(`reads the duration "${text}" as ${String(want)} ms`, () =>
      assert.equal(parseDurationMs(text), want));
  }

  const rates: Array<[string, number | undefined]> = [
    ['200', 200],
    ['200/s', 200],
    ['600/m', 10],
    ['0.5/s', 0.5],
    ['0', undefined],
    ['10/h', undefined],
    ['x/s', undefined],
  ];
  for (const [text, want] of rates) {
    it(`reads the rate "${text}" as ${String(want)}/s`, () =>
      assert.equal(parseRatePerSecond(text), want));
  }
});
