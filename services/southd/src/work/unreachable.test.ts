import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { Unreachable, type Attempt } from './unreachable.js';

function setUp(o: { maxProbes?: number; maxWaiting?: number } = {}) {
  const clock = { now: 1_000 };
  const registry = new Registry();
  const unreachable = new Unreachable({
    registry,
    maxProbes: o.maxProbes ?? 1,
    maxWaiting: o.maxWaiting ?? 2,
    backoff: { initialDelayMs: 100, maxDelayMs: 400, minDelayMs: 100 },
    now: () => clock.now,
    random: () => 0.999, // the top of each backoff's range
  });
  const gauge = async (name: string) =>
    Number(new RegExp(`^${name} (\\d+)`, 'm').exec(await registry.metrics())?.[1]);
  return { clock, unreachable, gauge };
}

const called = (a: Attempt): Extract<Attempt, { call: true }> => {
  assert.ok(a.call, a.call ? '' : a.reason);
  return a;
};

describe('Unreachable', () => {
  it('leaves an address alone for its backoff after a failure, then probes it', async () => {
    const { clock, unreachable, gauge } = setUp();
    called(unreachable.attempt('a:1')).done(false);
    assert.equal(await gauge('southd_unreachable_addresses'), 1);
    const refused = unreachable.attempt('a:1');
    assert.equal(refused.call, false);
    assert.match(refused.call ? '' : refused.reason, /a:1 did not answer lately/);
    // Another address is not concerned.
    called(unreachable.attempt('b:1')).done(true);
    clock.now += 100;
    const probe = called(unreachable.attempt('a:1'));
    assert.equal(await gauge('southd_probes_in_flight'), 1);
    probe.done(false);
    // The second failure in a row doubles the wait.
    clock.now += 100;
    assert.equal(unreachable.attempt('a:1').call, false);
    clock.now += 100;
    called(unreachable.attempt('a:1')).done(true);
    assert.equal(await gauge('southd_unreachable_addresses'), 0);
    assert.equal(await gauge('southd_probes_in_flight'), 0);
    called(unreachable.attempt('a:1'));
  });

  it('probes at most maxProbes failed addresses at once', () => {
    const { clock, unreachable } = setUp({ maxProbes: 1 });
    called(unreachable.attempt('a:1')).done(false);
    called(unreachable.attempt('b:1')).done(false);
    clock.now += 1_000;
    const first = called(unreachable.attempt('a:1'));
    const second = unreachable.attempt('b:1');
    assert.equal(second.call, false);
    assert.match(second.call ? '' : second.reason, /1 calls already probe/);
    first.done(true);
    first.done(true); // counted once
    called(unreachable.attempt('b:1'));
    assert.equal(unreachable.attempt('a:1').call, true, 'a:1 answered: no probe needed');
  });

  it('lets at most maxWaiting deliveries wait, and takes a slot back once', async () => {
    const { unreachable, gauge } = setUp({ maxWaiting: 2 });
    const one = unreachable.waitSlot();
    const two = unreachable.waitSlot();
    assert.ok(one && two);
    assert.equal(unreachable.waitSlot(), undefined);
    assert.equal(await gauge('southd_retries_waiting'), 2);
    one();
    one();
    assert.equal(await gauge('southd_retries_waiting'), 1);
    assert.ok(unreachable.waitSlot());
    assert.equal(unreachable.waitSlot(), undefined);
  });
});
