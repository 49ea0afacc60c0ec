import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyDiff, diff, renderFlowMods } from './diff.js';
import { hasFlowsCode } from './flows-error.js';
import type { Flow } from './flow.js';

const flow = (
  table: number,
  priority: number,
  match: string,
  actions: string,
  cookie = 1n,
): Flow => ({
  table,
  priority,
  match,
  actions,
  cookie,
});

const DROP0 = flow(0, 0, '', 'drop', 10n);
const TO_1 = flow(
  10,
  100,
  'ip,reg0=0x64,dl_dst=02:00:00:00:00:01,nw_dst=10.0.0.5',
  'output:1',
  20n,
);
const TO_2 = flow(
  10,
  100,
  'ip,reg0=0x64,dl_dst=02:00:00:00:00:02,nw_dst=10.0.0.6',
  'output:2',
  30n,
);

describe('diff', () => {
  it('is empty between equal sets in any order', () => {
    assert.deepEqual(diff([DROP0, TO_1, TO_2], [TO_2, DROP0, TO_1]), { remove: [], add: [] });
  });

  it('removes what is gone and adds what is new, sorted', () => {
    assert.deepEqual(diff([TO_2, DROP0], [TO_1, DROP0]), { remove: [TO_2], add: [TO_1] });
  });

  const CHANGED: ReadonlyArray<readonly [string, Flow]> = [
    ['actions', { ...TO_1, actions: 'output:3' }],
    ['cookie', { ...TO_1, cookie: 99n }],
  ];
  for (const [what, changed] of CHANGED) {
    it(`replaces a flow whose ${what} changed: remove the old, add the new`, () => {
      assert.deepEqual(diff([DROP0, TO_1], [DROP0, changed]), { remove: [TO_1], add: [changed] });
    });
  }

  it('treats another priority as another flow', () => {
    const lower = { ...TO_1, priority: 90 };
    assert.deepEqual(diff([TO_1], [lower]), { remove: [TO_1], add: [lower] });
  });

  it('rejects a set that holds one identity twice', () => {
    assert.throws(
      () => diff([TO_1, { ...TO_1, actions: 'drop' }], []),
      (err: unknown) => hasFlowsCode(err, 'diff-conflict'),
    );
  });
});

describe('applyDiff', () => {
  it('turns the current set into the desired one', () => {
    const current = [DROP0, TO_1];
    const desired = [DROP0, { ...TO_1, actions: 'output:3' }, TO_2];
    assert.deepEqual(applyDiff(current, diff(current, desired)), desired);
  });

  it('refuses to remove a flow that is not there as it is', () => {
    assert.throws(
      () => applyDiff([TO_1], { remove: [{ ...TO_1, cookie: 7n }], add: [] }),
      (err: unknown) => hasFlowsCode(err, 'diff-conflict'),
    );
  });

  it('refuses to add a flow whose identity stays in the set', () => {
    assert.throws(
      () => applyDiff([TO_1], { remove: [], add: [{ ...TO_1, actions: 'drop' }] }),
      (err: unknown) => hasFlowsCode(err, 'diff-conflict'),
    );
  });
});

describe('renderFlowMods', () => {
  it('deletes strictly by identity first, then adds', () => {
    const change = diff([DROP0, TO_1], [{ ...TO_1, actions: 'output:3' }]);
    assert.deepEqual(renderFlowMods(change), [
      'delete_strict table=0,priority=0',
      'delete_strict table=10,priority=100,ip,reg0=0x64,dl_dst=02:00:00:00:00:01,nw_dst=10.0.0.5',
      'add table=10,priority=100,cookie=0x14,ip,reg0=0x64,dl_dst=02:00:00:00:00:01,nw_dst=10.0.0.5,actions=output:3',
    ]);
  });
});
