import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MixPicker, parseMix } from './mix.js';

describe('parseMix', () => {
  it('reads weights, defaults a bare call to 1 and adds repeats', () => {
    assert.deepEqual(parseMix('createInterface=5, getVpc=3,listVpcs,getVpc=1'), {
      createInterface: 5,
      getVpc: 4,
      listVpcs: 1,
    });
  });

  const bad = ['', 'getVpc=0', 'getVpc=-1', 'getVpc=x', '=3', 'getVpc=1=2'];
  for (const text of bad) {
    it(`refuses "${text}"`, () => assert.throws(() => parseMix(text), /--mix: /));
  }
});

describe('MixPicker', () => {
  it('picks calls in proportion to their weights', () => {
    let i = 0;
    // Evenly spread "random" numbers: the counts then equal the weights' shares exactly.
    const picker = new MixPicker({ a: 3, b: 1 }, () => (i++ % 100) / 100);
    const counts: Record<string, number> = {};
    for (let n = 0; n < 400; n++) {
      const c = picker.pick();
      counts[c] = (counts[c] ?? 0) + 1;
    }
    assert.deepEqual(counts, { a: 300, b: 100 });
  });
});
