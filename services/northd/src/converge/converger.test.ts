import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger, createRegistry } from '@vpcd/observability';
import { metricValue } from '@vpcd/observability/testing';
import { ManualClock } from './clock.js';
import { convergeMetrics } from './converge-metrics.js';
import { Converger } from './converger.js';
import type { AckNote } from './hints.js';
import { FakePublisher, FakeStore, settle } from './testing.js';

/** A converger owning hv1 (epoch 2) but not hv9, on fakes, with the hints it sends recorded. */
function harness() {
  const clock = new ManualClock();
  const store = new FakeStore();
  const publisher = new FakePublisher();
  const owned = new Map<string, number>([['hv1', 2]]);
  const hints: { chassis: readonly string[] | undefined; acks: readonly AckNote[] }[] = [];
  const registry = createRegistry({ service: 'test', collectDefault: false });
  const converger = new Converger({
    store,
    publisher,
    leases: { ownedChassis: () => owned },
    hint: (chassis, acks) => hints.push({ chassis, acks }),
    metrics: convergeMetrics(registry),
    registry,
    logger: createLogger({ name: 'test', level: 'silent' }),
    clock,
    batchWindowMs: 5,
    safetyIntervalMs: 2000,
    auditIntervalMs: 0,
  });
  const advance = async (ms: number) => {
    clock.advance(ms);
    await settle();
  };
  /** The note southd's ack of the last message makes, after the store recorded it. */
  const applied = (): AckNote => {
    const { message } = publisher.last;
    const m = message.kind === 'full' ? message.state : message.delta;
    store.retire(m.chassisId, m.changes);
    return { chassisId: m.chassisId, epoch: m.epoch, generation: m.generation, outcome: 'applied' };
  };
  return { clock, store, publisher, owned, hints, converger, advance, applied, registry };
}

describe('Converger', () => {
  it('sends a chassis it gains a full state, and the next change as a delta once acked', async () => {
    const { store, publisher, converger, advance, applied } = harness();
    store.createPort('hv1', 'a');
    converger.leasesChanged();
    await advance(5);
    assert.equal(publisher.last.message.kind, 'full');
    converger.acked(applied());
    const b = store.createPort('hv1', 'b');
    converger.changed(['hv1']);
    await advance(5);
    assert.equal(publisher.sent.length, 2);
    const last = publisher.sent[1]!.message;
    assert.ok(last.kind === 'delta');
    assert.deepEqual(last.delta.changes, [b]);
    await converger.stop();
  });

  it('hints the chassis an API write touched that another northd owns, and queues its own', async () => {
    const { store, publisher, hints, converger, advance } = harness();
    store.createPort('hv1', 'a');
    converger.changed(['hv1', 'hv9']);
    await advance(5);
    assert.deepEqual(hints, [{ chassis: ['hv9'], acks: [] }]);
    assert.equal(publisher.sent.length, 1);
    await converger.stop();
  });

  it('passes an ack of a chassis owned elsewhere on in a hint, and takes one from a hint', async () => {
    const { store, publisher, hints, converger, advance, applied } = harness();
    const note: AckNote = { chassisId: 'hv9', epoch: 7, generation: 3, outcome: 'applied' };
    converger.acked(note);
    assert.deepEqual(hints, [{ chassis: ['hv9'], acks: [note] }]);

    store.createPort('hv1', 'a');
    converger.leasesChanged();
    await advance(5);
    const ack = applied();
    store.createPort('hv1', 'b');
    converger.hinted({ chassis: [], acks: [ack] });
    await advance(5);
    assert.equal(publisher.sent.length, 2, 'the ack in the hint let the delta go');
    await converger.stop();
  });

  it('finds pending changes without any hint in its safety pass', async () => {
    const { store, publisher, converger, advance, registry, applied } = harness();
    converger.start();
    await advance(5);
    assert.equal(publisher.sent.length, 1, 'the first pass starts the chain of each owned chassis');
    converger.acked(applied());
    await advance(5);
    store.createPort('hv1', 'a');
    await advance(2000);
    await advance(5);
    assert.equal(publisher.sent.length, 2);
    assert.equal(publisher.last.message.kind, 'delta');
    assert.equal(await metricValue(registry, 'northd_attempted_converge_chassis'), 1);
    await converger.stop();
  });

  it('forgets a chassis whose lease it lost', async () => {
    const { store, publisher, owned, converger, advance } = harness();
    store.createPort('hv1', 'a');
    converger.leasesChanged();
    await advance(5);
    owned.delete('hv1');
    converger.leasesChanged();
    await advance(5);
    store.createPort('hv1', 'b');
    converger.changed(['hv1']);
    await advance(5000);
    assert.equal(publisher.sent.length, 1);
    await converger.stop();
  });
});
