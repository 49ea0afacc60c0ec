import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mayActFor } from './hvflowd-identity.js';

describe('mayActFor', () => {
  const cases: Array<[string, string, boolean]> = [
    ['hvflowd:hv1', 'hv1', true],
    ['hvflowd:hv2', 'hv1', false],
    ['hvflowd:hv1', 'hv10', false],
    ['hvaddr:hv1', 'hv1', false],
    ['southd', 'hv1', false],
    ['hvflowd-fleet:sim', 'sim-0042', true],
    ['hvflowd-fleet:sim', 'sim-12345', true],
    ['hvflowd-fleet:sim', 'sim-', false],
    ['hvflowd-fleet:sim', 'sim-00x1', false],
    ['hvflowd-fleet:sim', 'simx-0001', false],
    ['hvflowd-fleet:sim', 'hv1', false],
    ['hvflowd-fleet:', '-0001', false],
    ['hvflowd:', '', false],
  ];
  for (const [cn, chassis, want] of cases) {
    it(`${want ? 'lets' : 'does not let'} "${cn}" act for "${chassis}"`, () =>
      assert.equal(mayActFor(cn, chassis), want));
  }
});
