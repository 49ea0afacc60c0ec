import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRegistry } from '@vpcd/observability';
import { hasCode, retryPushbackMs, Status } from '@vpcd/rpc';
import { metricValue } from '@vpcd/observability/testing';
import { ResyncThrottle, type Admission } from './resync-throttle.js';

function throttle(o: { ratePerS: number; burst: number; maxInFlight: number; random?: number }) {
  let now = 0;
  const registry = createRegistry({ service: 'northd', collectDefault: false });
  const t = new ResyncThrottle({
    ...o,
    maxPushbackMs: 30_000,
    registry,
    nowMs: () => now,
    random: () => o.random ?? 0.5,
  });
  return { t, registry, advance: (ms: number) => void (now += ms) };
}

const refused = (a: Admission) => {
  assert.equal(a.admitted, false);
  return a;
};

describe('ResyncThrottle', () => {
  it('admits the burst, then refuses for the rate and paces the refused one slot apart', async () => {
    const { t, registry } = throttle({ ratePerS: 10, burst: 2, maxInFlight: 100, random: 0 });
    assert.ok(t.admit().admitted);
    assert.ok(t.admit().admitted);
    const waits = [t.admit(), t.admit(), t.admit()].map((a) => refused(a).retryAfterMs);
    // The next token comes in 100 ms; each refused caller is given the next free slot after it.
    assert.deepEqual(waits, [100, 200, 300]);
    assert.equal(refused(t.admit()).reason, 'rate');
    assert.equal(
      await metricValue(registry, 'northd_resync_throttled_total', { reason: 'rate' }),
      4,
    );
    assert.equal(await metricValue(registry, 'northd_resync_backlog_seconds'), 0.5);
  });

  it('jitters each retry time within its slot', () => {
    const { t } = throttle({ ratePerS: 10, burst: 1, maxInFlight: 100, random: 0.99 });
    t.admit();
    assert.ok(Math.abs(refused(t.admit()).retryAfterMs - 199) < 1e-9);
  });

  it('bounds the calls in flight and frees a slot on release', async () => {
    const { t, registry } = throttle({ ratePerS: 1000, burst: 1000, maxInFlight: 2 });
    const a = t.admit();
    const b = t.admit();
    assert.ok(a.admitted && b.admitted);
    assert.equal(refused(t.admit()).reason, 'in_flight');
    assert.equal(await metricValue(registry, 'northd_resync_in_flight'), 2);
    assert.equal(await metricValue(registry, 'northd_resync_capacity'), 2);
    a.release();
    a.release(); // twice is once
    assert.equal(await metricValue(registry, 'northd_resync_in_flight'), 1);
    assert.ok(t.admit().admitted);
    assert.equal(
      await metricValue(registry, 'northd_resync_throttled_total', { reason: 'in_flight' }),
      1,
    );
  });

  it('lengthens the slots to the rate at which slow calls free theirs', () => {
    const { t, advance } = throttle({ ratePerS: 1000, burst: 1000, maxInFlight: 2, random: 0 });
    // Calls that run 400 ms each, two at a time: a slot frees every 200 ms, not every 1 ms.
    for (let i = 0; i < 60; i++) {
      const a = t.admit();
      assert.ok(a.admitted);
      advance(400);
      a.release();
    }
    const a = t.admit();
    const b = t.admit();
    assert.ok(a.admitted && b.admitted);
    const waits = [t.admit(), t.admit()].map((x) => refused(x).retryAfterMs);
    assert.ok(waits[0]! < 1 && waits[1]! > 190 && waits[1]! <= 200, `waits ${waits.join(', ')}`);
  });

  it('never tells a caller to wait past the cap, and spreads those over its second half', () => {
    const { t } = throttle({ ratePerS: 1, burst: 1, maxInFlight: 100, random: 0 });
    t.admit();
    const waits = Array.from({ length: 40 }, () => refused(t.admit()).retryAfterMs);
    assert.ok(waits.every((ms) => ms <= 30_000));
    assert.deepEqual(waits.slice(0, 3), [1000, 2000, 3000]);
    assert.equal(waits.at(-1), 15_000);
  });

  it('forgets the schedule once its slots have passed', () => {
    const { t, advance } = throttle({ ratePerS: 10, burst: 1, maxInFlight: 100, random: 0 });
    t.admit();
    refused(t.admit());
    refused(t.admit());
    advance(10_000);
    assert.ok(t.admit().admitted);
    assert.equal(refused(t.admit()).retryAfterMs, 100);
  });

  it('run refuses with RESOURCE_EXHAUSTED and a grpc-retry-pushback-ms trailer, running nothing', async () => {
    const { t } = throttle({ ratePerS: 10, burst: 1, maxInFlight: 100, random: 0 });
    assert.equal(await t.run('hv-a', () => Promise.resolve('ran')), 'ran');
    let ran = false;
    const err: unknown = await t
      .run('hv-b', () => Promise.resolve((ran = true)))
      .catch((e: unknown) => e);
    assert.ok(hasCode(err, Status.RESOURCE_EXHAUSTED));
    assert.equal(retryPushbackMs(err), 100);
    assert.match((err as Error).message, /resync throttled.*retry in 100 ms/);
    assert.equal(ran, false);
  });

  it('run frees its slot when the task fails', async () => {
    const { t, registry } = throttle({ ratePerS: 1000, burst: 1000, maxInFlight: 1 });
    await assert.rejects(
      t.run('hv-a', () => Promise.reject(new Error('db down'))),
      /db down/,
    );
    assert.equal(await metricValue(registry, 'northd_resync_in_flight'), 0);
    assert.equal(await t.run('hv-a', () => Promise.resolve(1)), 1);
  });

  it('holds a caller that ignores its retry time to it, so it cannot take the tokens of others', async () => {
    const { t, registry, advance } = throttle({
      ratePerS: 10,
      burst: 1,
      maxInFlight: 100,
      random: 0,
    });
    assert.ok(t.admit('polite-0').admitted);
    // Both are refused for the rate and given slots: the greedy one the first.
    const greedyWait = refused(t.admit('greedy')).retryAfterMs;
    const politeWait = refused(t.admit('polite-1')).retryAfterMs;
    assert.deepEqual([greedyWait, politeWait], [100, 200]);
    // The greedy caller polls every millisecond; before half its wait it is refused without
    // touching the bucket, told the same time again.
    for (let ms = 1; ms < greedyWait / 2; ms++) {
      advance(1);
      const again = refused(t.admit('greedy'));
      assert.equal(again.reason, 'caller');
    }
    assert.equal(
      await metricValue(registry, 'northd_resync_throttled_total', { reason: 'caller' }),
      Math.ceil(greedyWait / 2) - 1,
    );
    // By its slot it is admitted, and the polite caller still finds its token at its own slot.
    advance(greedyWait - Math.ceil(greedyWait / 2) + 1);
    const greedy = t.admit('greedy');
    assert.ok(greedy.admitted);
    advance(politeWait - greedyWait);
    assert.ok(t.admit('polite-1').admitted);
  });

  it('refuses a second call of a caller while its first still runs', () => {
    const { t } = throttle({ ratePerS: 1000, burst: 1000, maxInFlight: 100 });
    const first = t.admit('hvflowd:hv1/hv1');
    assert.ok(first.admitted);
    assert.equal(refused(t.admit('hvflowd:hv1/hv1')).reason, 'caller');
    assert.ok(
      t.admit('hvaddr:hv1/hv1').admitted,
      'another identity of the chassis is another caller',
    );
    first.release();
    assert.ok(t.admit('hvflowd:hv1/hv1').admitted);
  });

  it('remembers at most maxCallers refused callers, forgetting the longest refused first', () => {
    let now = 0;
    const t = new ResyncThrottle({
      ratePerS: 1,
      burst: 1,
      maxInFlight: 100,
      maxPushbackMs: 30_000,
      maxCallers: 2,
      registry: createRegistry({ service: 'northd', collectDefault: false }),
      nowMs: () => now,
      random: () => 0,
    });
    assert.ok(t.admit('a').admitted);
    for (const caller of ['b', 'c', 'd']) refused(t.admit(caller));
    now += 1;
    // b was forgotten: it meets the bucket (empty) and is refused for the rate, not as a caller.
    assert.equal(refused(t.admit('b')).reason, 'rate');
    assert.equal(refused(t.admit('d')).reason, 'caller');
  });
});
