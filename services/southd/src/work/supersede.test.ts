import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Supersede } from './supersede.js';

describe('Supersede', () => {
  const cases: Array<[string, Array<[number, number]>, boolean[]]> = [
    [
      'a newer generation supersedes an older one',
      [
        [2, 1],
        [1, 1],
      ],
      [true, false],
    ],
    [
      'a newer epoch at the same generation wins',
      [
        [2, 1],
        [2, 2],
        [2, 1],
      ],
      [true, true, false],
    ],
    [
      'the same version again is still current',
      [
        [3, 1],
        [3, 1],
      ],
      [true, true],
    ],
    [
      'a higher generation wins whatever the epoch',
      [
        [3, 5],
        [4, 1],
      ],
      [true, true],
    ],
  ];
  for (const [desc, versions, want] of cases) {
    it(desc, () => {
      const s = new Supersede();
      assert.deepEqual(
        versions.map(([generation, epoch]) => s.offer('c', { generation, epoch })),
        want,
      );
    });
  }

  it('tells a queued state it was overtaken', () => {
    const s = new Supersede();
    s.offer('c', { generation: 1, epoch: 1 });
    s.offer('c', { generation: 2, epoch: 1 });
    assert.equal(s.isCurrent('c', { generation: 1, epoch: 1 }), false);
    assert.equal(s.isCurrent('other', { generation: 1, epoch: 1 }), true);
  });
});
