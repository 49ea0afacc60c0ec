import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GroupBatcher } from './group-batcher.js';

/** A run that records each group and answers once released. */
function gatedRun() {
  const groups: number[][] = [];
  const gates: Array<() => void> = [];
  const run = async (items: readonly number[]) => {
    groups.push([...items]);
    await new Promise<void>((resolve) => gates.push(resolve));
    return items.map((n) => (n < 0 ? new Error(`bad ${n}`) : n * 10));
  };
  const releaseAll = async () => {
    while (gates.length > 0) {
      gates.shift()!();
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  return { groups, run, releaseAll };
}

describe('GroupBatcher', () => {
  it('sends a lone item at once, and what arrives meanwhile together after it', async () => {
    const { groups, run, releaseAll } = gatedRun();
    const batcher = new GroupBatcher(run, { maxBatch: 3, parallel: 1 });
    const answers = [1, 2, 3, 4, 5, 6].map((n) => batcher.submit(n));
    assert.deepEqual(groups, [[1]], 'the first goes alone, at once');
    await releaseAll();
    assert.deepEqual(await Promise.all(answers), [10, 20, 30, 40, 50, 60]);
    assert.deepEqual(groups, [[1], [2, 3, 4], [5, 6]], 'at most maxBatch to a group');
  });

  it('runs up to `parallel` groups at once', async () => {
    const { groups, run, releaseAll } = gatedRun();
    const batcher = new GroupBatcher(run, { maxBatch: 10, parallel: 2 });
    const answers = [1, 2, 3, 4].map((n) => batcher.submit(n));
    assert.deepEqual(groups, [[1], [2]]);
    await releaseAll();
    await Promise.all(answers);
    assert.deepEqual(groups, [[1], [2], [3, 4]]);
  });

  it('fails only the item answered with an Error, and a whole group when its run throws', async () => {
    const { run, releaseAll } = gatedRun();
    const batcher = new GroupBatcher(run, { maxBatch: 10, parallel: 1 });
    const answers = Promise.allSettled([1, -2, 3].map((n) => batcher.submit(n)));
    await releaseAll();
    const settled = await answers;
    assert.deepEqual(
      settled.map((s) => (s.status === 'fulfilled' ? s.value : (s.reason as Error).message)),
      [10, 'bad -2', 30],
    );

    const broken = new GroupBatcher<number, number>(() => Promise.reject(new Error('db down')), {
      maxBatch: 10,
      parallel: 1,
    });
    const failed = await Promise.allSettled([broken.submit(1), broken.submit(2)]);
    assert.ok(failed.every((s) => s.status === 'rejected' && /db down/.test(String(s.reason))));
    // It goes on with the next items.
    const fixed = new GroupBatcher<number, number>((items) => Promise.resolve([...items]), {
      maxBatch: 10,
      parallel: 1,
    });
    assert.equal(await fixed.submit(7), 7);
  });
});
