import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { StreamTable } from './stream-table.js';

/** Ids whose home slot is the same in a table of 64: a long probe run. */
const colliding = [1, 129, 257, 385, 513];

function entries<V>(table: StreamTable<V>): Array<[number, V]> {
  return [...table].sort(([a], [b]) => a - b);
}

describe('StreamTable', () => {
  it('gets, replaces and deletes by stream id, and counts what it holds', () => {
    const table = new StreamTable<string>();
    table.set(1, 'a').set(3, 'b');
    table.set(3, 'c');
    assert.equal(table.size, 2);
    assert.equal(table.get(3), 'c');
    assert.equal(table.has(5), false);
    assert.equal(table.delete(1), true);
    assert.equal(table.delete(1), false);
    assert.equal(table.get(1), undefined);
    assert.deepEqual(entries(table), [[3, 'c']]);
  });

  const deletions = [
    { desc: 'the first of a probe run', deleted: 1 },
    { desc: 'one in the middle of a probe run', deleted: 257 },
    { desc: 'the last of a probe run', deleted: 513 },
  ];
  for (const { desc, deleted } of deletions) {
    it(`finds every other id after deleting ${desc}`, () => {
      const table = new StreamTable<number>();
      for (const id of colliding) table.set(id, id * 10);
      table.set(3, 30); // the home of 3 is where the run of 1 spills over
      table.delete(deleted);
      for (const id of [...colliding, 3]) {
        assert.equal(table.get(id), id === deleted ? undefined : id * 10, `id ${id}`);
      }
      assert.equal(table.size, colliding.length);
    });
  }

  it('keeps every entry when it grows, and after many come and go', () => {
    const table = new StreamTable<number>();
    const open = new Set<number>();
    for (let id = 1; id < 20_000; id += 2) {
      table.set(id, id);
      open.add(id);
      // Up to 300 open at once, closed out of order.
      if (open.size > 300) {
        const victim = [...open][(id * 7919) % open.size]!;
        assert.equal(table.delete(victim), true);
        open.delete(victim);
      }
    }
    assert.equal(table.size, open.size);
    for (const id of open) assert.equal(table.get(id), id);
    assert.deepEqual(
      entries(table).map(([id]) => id),
      [...open].sort((a, b) => a - b),
    );
  });

  it('visits in forEach what is still there, when the callback deletes', () => {
    const table = new StreamTable<number>();
    for (const id of [...colliding, 3, 5, 7]) table.set(id, id);
    const seen: number[] = [];
    table.forEach((value, id) => {
      seen.push(id);
      table.delete(id);
      if (id === 1) table.delete(385);
    });
    assert.equal(table.size, 0);
    assert.deepEqual(
      seen.sort((a, b) => a - b),
      [1, 3, 5, 7, 129, 257, 513],
    );
  });

  for (const id of [0, -1, 1.5, Number.NaN]) {
    it(`refuses ${id} as a stream id`, () => {
      assert.throws(() => new StreamTable().set(id, 'x'), TypeError);
    });
  }
});

// gc() for this test process: young collections on demand, so what a structure keeps alive
// through one is measured exactly.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as (options?: { type: 'minor' | 'major' }) => void;

function youngUsedBytes(): number {
  return getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_used_size ?? 0;
}

/**
 * Opens 200 streams of about 8 KiB each in `registry`, at most 24 at a time (a StreamTable does
 * not grow), closes them all, and returns what the next young collection finds still alive:
 * what the registry keeps of streams it no longer holds. The registry is in the old generation
 * first, as a session's is.
 */
function youngSurvivorsBytes(registry: {
  set(id: number, value: unknown): unknown;
  delete(id: number): boolean;
}): number {
  registry.set(1, 'first');
  registry.delete(1);
  gc();
  gc();
  const open: number[] = [];
  for (let n = 0; n < 200; n++) {
    const id = 2 * n + 3;
    registry.set(id, { id, parts: new Array<number>(1000).fill(0.5) });
    open.push(id);
    if (open.length > 24) registry.delete(open.shift()!);
  }
  for (const id of open) registry.delete(id);
  gc({ type: 'minor' });
  return youngUsedBytes();
}

describe('StreamTable and young collections', () => {
  // 200 streams of 8 KiB: an old Map keeps 0.5 to 1.2 MB of them (its rebuilds' old tables).
  it('keeps nothing of a closed stream through a young collection', () => {
    assert.ok(youngSurvivorsBytes(new StreamTable()) < 50_000);
  });

  it('is needed: an old Map keeps closed streams alive through one', () => {
    // When this fails, V8 no longer keeps entries in a Map's old tables: StreamTable can go.
    assert.ok(youngSurvivorsBytes(new Map()) > 200_000);
  });
});
