import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runHammer, type Target, type TargetSummary } from '@vpcd/hammer';
import { roundRobinTarget } from './round-robin-target.js';

/** A target that answers at once and counts what it was asked, as a northd would be counted. */
function countingTarget(name: string, summary: TargetSummary) {
  const invoked: string[] = [];
  let prepared = 0;
  let closed = 0;
  const target: Target = {
    kind: 'test',
    description: name,
    calls: ['getVpc', 'listVpcs'],
    prepare: () => Promise.resolve(void prepared++),
    invoke: (call) => {
      invoked.push(call);
      return call === 'listVpcs' ? Promise.reject(new Error('NotFound')) : Promise.resolve('ok');
    },
    errorCode: (err) => (err instanceof Error ? err.message : 'Unknown'),
    close: () => Promise.resolve((closed++, summary)),
  };
  return { target, invoked, counts: () => ({ prepared, closed }) };
}

describe('roundRobinTarget', () => {
  it('sends call i to target i mod n and prepares and closes each once', async () => {
    const a = countingTarget('a', { setUp: { vpcs: 2 }, cleanedUp: {}, notes: ['left a'] });
    const b = countingTarget('b', { setUp: { vpcs: 1, chassis: 3 }, cleanedUp: {}, notes: [] });
    const report = await runHammer({
      target: roundRobinTarget([a.target, b.target]),
      mix: { getVpc: 1 },
      concurrency: 1,
      durationMs: 50,
    });
    assert.ok(report.totals.count >= 2);
    assert.equal(a.invoked.length + b.invoked.length, report.totals.count);
    assert.ok(Math.abs(a.invoked.length - b.invoked.length) <= 1);
    assert.deepEqual(a.counts(), { prepared: 1, closed: 1 });
    assert.deepEqual(b.counts(), { prepared: 1, closed: 1 });
    assert.deepEqual(report.setUp, { vpcs: 3, chassis: 3 });
    assert.deepEqual(report.notes, ['left a']);
    assert.equal(report.target.description, 'a and b');
  });

  it('reports failures with the codes of the targets', async () => {
    const a = countingTarget('a', { setUp: {}, cleanedUp: {}, notes: [] });
    const report = await runHammer({
      target: roundRobinTarget([a.target]),
      mix: { listVpcs: 1 },
      concurrency: 1,
      durationMs: 20,
    });
    assert.deepEqual(Object.keys(report.totals.errors), ['NotFound']);
  });

  it('offers only the calls every target can make', () => {
    const a = countingTarget('a', { setUp: {}, cleanedUp: {}, notes: [] });
    const narrow: Target = { ...a.target, calls: ['getVpc'] };
    assert.deepEqual(roundRobinTarget([a.target, narrow]).calls, ['getVpc']);
  });

  it('needs a target', () => {
    assert.throws(() => roundRobinTarget([]), /at least one target/);
  });
});
