import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { choosePinning, parseCpuList } from './cpu-pinning.js';

describe('parseCpuList', () => {
  it('reads taskset lists with ranges, in ascending order', () => {
    assert.deepEqual(parseCpuList('0,1\n'), [0, 1]);
    assert.deepEqual(parseCpuList(' 8,2-4'), [2, 3, 4, 8]);
  });

  it('refuses what is not a CPU list', () => {
    assert.throws(() => parseCpuList('mask: 3'), /not a CPU list/);
    assert.throws(() => parseCpuList(''), /not a CPU list/);
  });
});

describe('choosePinning', () => {
  it('gives the client and the servers a CPU each', () => {
    assert.deepEqual(choosePinning([2, 3, 4]), { clientCpu: 2, serverCpu: 3 });
  });

  it('pins nothing with one CPU', () => {
    assert.equal(choosePinning([5]), undefined);
    assert.equal(choosePinning([]), undefined);
  });
});
