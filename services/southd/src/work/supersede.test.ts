import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Supersede, type WorkKind } from './supersede.js';

describe('Supersede', () => {
  // Each offer: [kind, epoch, revision].
  const cases: Array<[string, Array<[WorkKind, number, number]>, boolean[]]> = [
    [
      'a full state supersedes an older one',
      [
        ['state', 1, 2],
        ['state', 1, 1],
      ],
      [true, false],
    ],
    [
      'a newer epoch wins whatever the revision',
      [
        ['state', 2, 1],
        ['state', 1, 5],
        ['delta', 1, 6],
      ],
      [true, false, false],
    ],
    [
      'the same version again is still current',
      [
        ['state', 1, 3],
        ['state', 1, 3],
      ],
      [true, true],
    ],
    [
      'a full state supersedes older deltas',
      [
        ['state', 1, 4],
        ['delta', 1, 3],
      ],
      [true, false],
    ],
    [
      'a delta supersedes nothing, and no delta is dropped for a later one',
      [
        ['delta', 1, 5],
        ['delta', 1, 4],
        ['state', 1, 3],
        ['delta', 1, 6],
      ],
      [true, true, true, true],
    ],
  ];
  for (const [desc, offers, want] of cases) {
    it(desc, () => {
      const s = new Supersede();
      assert.deepEqual(
        offers.map(([kind, epoch, generation]) => s.offer('c', { epoch, generation }, kind)),
        want,
      );
    });
  }

  it('tells queued work it was overtaken by a full state, not by a delta', () => {
    const s = new Supersede();
    s.offer('c', { epoch: 1, generation: 1 }, 'delta');
    s.offer('c', { epoch: 1, generation: 2 }, 'delta');
    assert.equal(s.isCurrent('c', { epoch: 1, generation: 1 }), true);
    s.offer('c', { epoch: 1, generation: 3 }, 'state');
    assert.equal(s.isCurrent('c', { epoch: 1, generation: 2 }), false);
    assert.equal(s.isCurrent('other', { epoch: 1, generation: 1 }), true);
  });
});
