import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger, createRegistry } from '@vpcd/observability';
import { metricValue } from '@vpcd/observability/testing';
import { ManualClock } from './clock.js';
import { TerminalError, WorkQueue, type WorkResult } from './work-queue.js';

/** Lets the promise callbacks of a processing that already finished run. */
const settle = async () => {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
};

/** A queue on a manual clock whose processor records each call and answers from `answer`. */
function harness(
  answer: (key: string, call: number) => Promise<WorkResult | undefined> = () =>
    Promise.resolve(undefined),
  options: { concurrency?: number; batchWindowMs?: number } = {},
) {
  const clock = new ManualClock();
  const registry = createRegistry({ service: 'test', collectDefault: false });
  const calls: { key: string; atMs: number }[] = [];
  const queue = new WorkQueue({
    process: (key) => {
      calls.push({ key, atMs: clock.nowMs() });
      return answer(key, calls.filter((c) => c.key === key).length);
    },
    registry,
    logger: createLogger({ name: 'test', level: 'silent' }),
    clock,
    batchWindowMs: options.batchWindowMs ?? 5,
    concurrency: options.concurrency,
    initialRetryDelayMs: 100,
    maxRetryDelayMs: 1000,
    random: () => 0.999,
  });
  const advance = async (ms: number) => {
    clock.advance(ms);
    await settle();
  };
  return { clock, registry, calls, queue, advance };
}

describe('WorkQueue', () => {
  it('processes a key no sooner than the batching window after its first add, once for all adds', async () => {
    const { calls, queue, advance, clock } = harness();
    const start = clock.nowMs();
    queue.add('hv1');
    await advance(2);
    queue.add('hv1');
    queue.add('hv1');
    await advance(2);
    assert.equal(calls.length, 0, 'not before the window');
    await advance(1);
    assert.deepEqual(calls, [{ key: 'hv1', atMs: start + 5 }]);
    await advance(100);
    assert.equal(calls.length, 1, 'the coalesced adds made one processing');
  });

  it('never processes one key twice at once: an add during processing runs once after it', async () => {
    let release!: () => void;
    const blocked = new Promise<void>((resolve) => (release = resolve));
    let active = 0;
    let most = 0;
    const { calls, queue, advance } = harness(async (_key, call) => {
      active++;
      most = Math.max(most, active);
      if (call === 1) await blocked;
      active--;
      return undefined;
    });
    queue.add('hv1');
    await advance(5);
    assert.equal(calls.length, 1);
    queue.add('hv1');
    queue.add('hv1');
    await advance(50);
    assert.equal(calls.length, 1, 'held while the first processing runs');
    release();
    await settle();
    await advance(0);
    assert.equal(calls.length, 2, 'the adds during processing made one more');
    assert.equal(most, 1);
  });

  it('retries a failing key with growing backoff and forgets its failures on success', async () => {
    const { calls, queue, advance, registry } = harness((_key, call) =>
      call <= 3 ? Promise.reject(new Error('database down')) : Promise.resolve(undefined),
    );
    queue.add('hv1');
    await advance(5);
    assert.equal(calls.length, 1);
    assert.equal(queue.numRequeues('hv1'), 1);
    await advance(99);
    assert.equal(calls.length, 1, 'first retry waits the initial delay');
    await advance(1);
    assert.equal(calls.length, 2);
    await advance(198);
    assert.equal(calls.length, 2, 'second retry waits up to twice as long (jitter)');
    await advance(1);
    assert.equal(calls.length, 3);
    await advance(400);
    assert.equal(calls.length, 4);
    assert.equal(queue.numRequeues('hv1'), 0, 'success forgets');
    assert.equal(await metricValue(registry, 'northd_converge_queue_retries_total'), 3);
  });

  it('does not retry a terminal error', async () => {
    const { calls, queue, advance } = harness(() => Promise.reject(new TerminalError('no such')));
    queue.add('hv1');
    await advance(5_000);
    assert.equal(calls.length, 1);
    assert.equal(queue.numRequeues('hv1'), 0);
  });

  it('processes a key again after requeueAfterMs, and an earlier add wins over it', async () => {
    const { calls, queue, advance, clock } = harness((key, call) =>
      Promise.resolve(key === 'hv1' && call === 1 ? { requeueAfterMs: 1000 } : undefined),
    );
    const start = clock.nowMs();
    queue.add('hv1');
    await advance(5);
    await advance(999);
    assert.equal(calls.length, 1);
    await advance(1);
    assert.deepEqual(
      calls.map((c) => c.atMs - start),
      [5, 1005],
    );
    queue.addAfter('hv2', 1000);
    await advance(10);
    queue.add('hv2');
    await advance(5);
    assert.equal(calls.filter((c) => c.key === 'hv2').length, 1, 'the earlier time counts');
    await advance(2000);
    assert.equal(calls.filter((c) => c.key === 'hv2').length, 1, 'and the later one is gone');
  });

  it('processes at most `concurrency` keys at once, the rest in the order they fell due', async () => {
    const releases: (() => void)[] = [];
    const { calls, queue, advance } = harness(
      () => new Promise<undefined>((resolve) => releases.push(() => resolve(undefined))),
      { concurrency: 2 },
    );
    for (const key of ['a', 'b', 'c', 'd']) queue.add(key);
    await advance(5);
    assert.deepEqual(
      calls.map((c) => c.key),
      ['a', 'b'],
    );
    assert.equal(queue.length, 2);
    releases.shift()!();
    await settle();
    assert.deepEqual(
      calls.map((c) => c.key),
      ['a', 'b', 'c'],
    );
    for (const release of releases.splice(0)) release();
    await settle();
    for (const release of releases.splice(0)) release();
    await settle();
    assert.deepEqual(
      calls.map((c) => c.key),
      ['a', 'b', 'c', 'd'],
    );
    await queue.idle();
  });

  it('counts adds and reports its depth', async () => {
    const { queue, advance, registry } = harness();
    queue.add('a');
    queue.add('a');
    queue.add('b');
    assert.equal(await metricValue(registry, 'northd_converge_queue_depth'), 2);
    assert.equal(await metricValue(registry, 'northd_converge_queue_adds_total'), 3);
    await advance(5);
    assert.equal(await metricValue(registry, 'northd_converge_queue_depth'), 0);
  });

  it('takes no work after stop, and takes new work after start', async () => {
    const { calls, queue, advance } = harness();
    queue.add('a');
    await queue.stop();
    queue.add('b');
    await advance(100);
    assert.equal(calls.length, 0);
    queue.start();
    queue.add('c');
    await advance(5);
    assert.deepEqual(
      calls.map((c) => c.key),
      ['c'],
    );
  });
});
