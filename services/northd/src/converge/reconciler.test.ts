import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger, createRegistry } from '@vpcd/observability';
import { metricValue } from '@vpcd/observability/testing';
import { ManualClock } from './clock.js';
import { convergeMetrics } from './converge-metrics.js';
import type { Outgoing } from './publisher.js';
import { Reconciler, type AckOutcome } from './reconciler.js';
import { FakePublisher, FakeStore, settle } from './testing.js';
import { WorkQueue } from './work-queue.js';

/** The parts of a converge side around one reconciler, with a chassis that answers on demand. */
function harness(
  options: {
    auditIntervalMs?: number;
    ackTimeoutPerPortMs?: number;
    maxResends?: number;
    burstIntervalMs?: number;
  } = {},
) {
  const clock = new ManualClock();
  const store = new FakeStore();
  const publisher = new FakePublisher();
  const owned = new Map<string, number>([['hv1', 4]]);
  const registry = createRegistry({ service: 'test', collectDefault: false });
  const reconciler = new Reconciler({
    store,
    publisher,
    leases: { ownedChassis: () => owned },
    metrics: convergeMetrics(registry),
    logger: createLogger({ name: 'test', level: 'silent' }),
    clock,
    ackTimeoutMs: 1000,
    maxAckTimeoutMs: 8000,
    ackTimeoutPerPortMs: options.ackTimeoutPerPortMs ?? 0,
    maxResends: options.maxResends,
    burstIntervalMs: options.burstIntervalMs,
    auditIntervalMs: options.auditIntervalMs ?? 0,
    contentHash: (state) => state.ports.map((p) => p.interfaceId).join(','),
    random: () => 0.5,
  });
  /** The chassis answers the last message as southd would, after the store recorded it. */
  const answer = (outcome: AckOutcome, chassisId = 'hv1') => {
    const { message } = publisher.last;
    const m = message.kind === 'full' ? message.state : message.delta;
    if (outcome === 'applied') {
      store.retire(chassisId, m.changes);
      store.reported.set(chassisId, {
        epoch: m.epoch,
        generation: m.generation,
        contentHash: store
          .stateOf(chassisId)
          .ports.map((p) => p.interfaceId)
          .join(','),
      });
    }
    reconciler.observeAck(chassisId, m.epoch, m.generation, outcome);
  };
  /** hv1 holds port a at revision 1. */
  const converged = async () => {
    store.createPort('hv1', 'a');
    assert.equal((await reconciler.reconcile('hv1')).action, 'full');
    answer('applied');
  };
  return { clock, store, publisher, owned, reconciler, answer, converged, registry };
}

const full = (o: Outgoing) => {
  assert.equal(o.kind, 'full');
  return o.state;
};
const delta = (o: Outgoing) => {
  assert.equal(o.kind, 'delta');
  return o.delta;
};

describe('Reconciler', () => {
  it('starts a chain with a full state in the lease epoch, covering every pending change', async () => {
    const { store, publisher, reconciler } = harness();
    const a = store.createPort('hv1', 'a');
    const result = await reconciler.reconcile('hv1');
    assert.deepEqual(result, { action: 'full', requeueAfterMs: 1000 });
    const state = full(publisher.last.message);
    assert.deepEqual(
      [state.epoch, state.generation, state.changes, state.ports.map((p) => p.interfaceId)],
      [4, 1, [a], ['a']],
    );
    assert.equal(publisher.last.message.route.traceparent, `tp-${a}`);
  });

  it('sends a change on a converged chain as a delta on the last revision', async () => {
    const { store, publisher, reconciler, converged } = harness();
    await converged();
    const b = store.createPort('hv1', 'b');
    assert.equal((await reconciler.reconcile('hv1')).action, 'delta');
    const d = delta(publisher.last.message);
    assert.deepEqual(
      [d.epoch, d.baseGeneration, d.generation, d.changes, d.ports.map((p) => p.interfaceId)],
      [4, 1, 2, [b], ['b']],
    );
    assert.equal((await reconciler.reconcile('hv1')).action, 'wait');
  });

  it('sends nothing when no change is pending', async () => {
    const { publisher, reconciler, converged } = harness();
    await converged();
    assert.deepEqual(await reconciler.reconcile('hv1'), { action: 'none' });
    assert.equal(publisher.sent.length, 1);
  });

  it('holds a chassis to one message in flight: changes meanwhile go out together after the ack', async () => {
    const { store, publisher, reconciler, converged, answer, clock } = harness();
    await converged();
    const b = store.createPort('hv1', 'b');
    await reconciler.reconcile('hv1');
    const c = store.createPort('hv1', 'c');
    const d2 = store.createPort('hv1', 'd');
    clock.advance(500);
    assert.deepEqual(await reconciler.reconcile('hv1'), { action: 'wait', requeueAfterMs: 500 });
    assert.equal(publisher.sent.length, 2, 'nothing published while in flight');
    answer('applied');
    assert.equal((await reconciler.reconcile('hv1')).action, 'delta');
    const d = delta(publisher.last.message);
    assert.deepEqual([d.baseGeneration, d.generation, d.changes], [2, 3, [c, d2]]);
    assert.ok(!d.changes.includes(b));
  });

  it('holds a chassis in a burst: what changes meanwhile goes out together, an interval after the last', async () => {
    const { store, publisher, reconciler, converged, answer, clock } = harness({
      burstIntervalMs: 200,
    });
    await converged();
    store.createPort('hv1', 'b');
    assert.equal((await reconciler.reconcile('hv1')).action, 'delta');
    clock.advance(30);
    const c = store.createPort('hv1', 'c');
    reconciler.changed('hv1'); // while revision 2 is in flight: one change is no burst yet
    const c2 = store.createPort('hv1', 'c2');
    reconciler.changed('hv1'); // the second: a burst
    answer('applied');
    assert.deepEqual(await reconciler.reconcile('hv1'), { action: 'hold', requeueAfterMs: 170 });
    clock.advance(100);
    const d = store.createPort('hv1', 'd');
    reconciler.changed('hv1');
    assert.deepEqual(await reconciler.reconcile('hv1'), { action: 'hold', requeueAfterMs: 70 });
    assert.equal(publisher.sent.length, 2, 'nothing published while held');
    clock.advance(70);
    assert.equal((await reconciler.reconcile('hv1')).action, 'delta');
    const sent = delta(publisher.last.message);
    assert.deepEqual([sent.baseGeneration, sent.generation, sent.changes], [2, 3, [c, c2, d]]);
    // Nothing came while revision 3 was in flight: the burst is over, the next change goes at once.
    answer('applied');
    store.createPort('hv1', 'e');
    reconciler.changed('hv1');
    assert.equal((await reconciler.reconcile('hv1')).action, 'delta');
  });

  it('sends at once a change that comes while nothing is in flight, however soon', async () => {
    const { store, reconciler, converged, answer } = harness({ burstIntervalMs: 200 });
    await converged();
    store.createPort('hv1', 'b');
    assert.equal((await reconciler.reconcile('hv1')).action, 'delta');
    answer('applied');
    store.createPort('hv1', 'c');
    reconciler.changed('hv1'); // the same instant, but revision 2 is answered
    assert.equal((await reconciler.reconcile('hv1')).action, 'delta');
  });

  it('holds no chassis for one change told of in flight (an ack heard late)', async () => {
    const { store, reconciler, converged, answer, clock } = harness({ burstIntervalMs: 200 });
    await converged();
    store.createPort('hv1', 'b');
    assert.equal((await reconciler.reconcile('hv1')).action, 'delta');
    clock.advance(30);
    // The chassis applied revision 2 and the store has its ack; this owner hears of the ack
    // just after the next change's hint, as when changes come one at a time.
    store.createPort('hv1', 'c');
    reconciler.changed('hv1');
    answer('applied');
    assert.equal((await reconciler.reconcile('hv1')).action, 'delta');
  });

  it('takes a late hint, for a change the message in flight carries, for no burst', async () => {
    const { store, reconciler, converged, answer } = harness({ burstIntervalMs: 200 });
    await converged();
    store.createPort('hv1', 'b');
    // Revision 2 carries b: sent on another cue (an ack, the safety pass) before b's hint came.
    assert.equal((await reconciler.reconcile('hv1')).action, 'delta');
    reconciler.changed('hv1'); // b's hint, while revision 2 is in flight
    answer('applied');
    assert.deepEqual(await reconciler.reconcile('hv1'), { action: 'none' }, 'caught up');
    store.createPort('hv1', 'c');
    reconciler.changed('hv1');
    assert.equal((await reconciler.reconcile('hv1')).action, 'delta');
  });

  it('answers a delta on a wrong base (needs_full) with a full state', async () => {
    const { store, publisher, reconciler, converged, answer } = harness();
    await converged();
    store.createPort('hv1', 'b');
    await reconciler.reconcile('hv1');
    answer('needs_full');
    assert.equal((await reconciler.reconcile('hv1')).action, 'full');
    const state = full(publisher.last.message);
    assert.equal(state.generation, 3, 'a new revision, after the refused one');
    assert.deepEqual(
      state.ports.map((p) => p.interfaceId),
      ['a', 'b'],
    );
  });

  it('resends an unacknowledged message unchanged with backoff, and a full state after 3 resends', async () => {
    const { store, publisher, reconciler, converged, clock } = harness({ maxResends: 3 });
    await converged();
    store.createPort('hv1', 'b');
    await reconciler.reconcile('hv1');
    const first = publisher.last.message;
    const waits: number[] = [];
    for (let resend = 1; resend <= 3; resend++) {
      const before = await reconciler.reconcile('hv1');
      assert.equal(before.action, 'wait');
      clock.advance(before.requeueAfterMs!);
      const result = await reconciler.reconcile('hv1');
      assert.equal(result.action, 'resend');
      assert.equal(publisher.last.message, first, 'the same message');
      assert.equal(publisher.last.attempt, resend);
      waits.push(result.requeueAfterMs!);
    }
    assert.ok(waits[2]! > waits[0]!, `backoff grows: ${waits.join(', ')}`);
    clock.advance(waits[2]!);
    assert.equal((await reconciler.reconcile('hv1')).action, 'full');
    assert.equal(full(publisher.last.message).generation, 3);
  });

  it('resends to the address the chassis registered since, and so does the full state after', async () => {
    const { store, publisher, reconciler, converged, clock } = harness({ maxResends: 1 });
    await converged();
    store.createPort('hv1', 'b');
    const sent = await reconciler.reconcile('hv1');
    assert.equal(sent.action, 'delta');
    const first = publisher.last.message;
    // The agent came back on another address and registered it; the delta went to the old one.
    store.addresses.set('hv1', 'hv1:41000');
    clock.advance(sent.requeueAfterMs!);
    const resent = await reconciler.reconcile('hv1');
    assert.equal(resent.action, 'resend');
    const copy = publisher.last.message;
    assert.equal(copy.route.hvflowdAddr, 'hv1:41000');
    assert.equal(first.route.hvflowdAddr, 'hv1:50053');
    assert.equal(delta(copy), delta(first), 'the same delta, not read again');
    clock.advance(resent.requeueAfterMs!);
    assert.equal((await reconciler.reconcile('hv1')).action, 'full');
    assert.equal(publisher.last.message.route.hvflowdAddr, 'hv1:41000');
  });

  it('goes on above the revisions of a chain it dropped while the lease stayed', async () => {
    const { store, publisher, reconciler, converged, clock } = harness();
    await converged();
    store.createPort('hv1', 'b');
    const sent = await reconciler.reconcile('hv1');
    assert.equal(delta(publisher.last.message).generation, 2);
    // The agent's address went away with revision 2 in flight: the chain is dropped.
    store.gone.add('hv1');
    clock.advance(sent.requeueAfterMs!);
    assert.deepEqual(await reconciler.reconcile('hv1'), { action: 'forget' });
    // Back, it may still apply revision 2 late: a full state there would read as a duplicate.
    store.gone.delete('hv1');
    assert.equal((await reconciler.reconcile('hv1')).action, 'full');
    const state = full(publisher.last.message);
    assert.deepEqual([state.epoch, state.generation], [4, 3]);
  });

  it('waits for the ack of a message in proportion to the ports it carries', async () => {
    const { store, publisher, reconciler, clock } = harness({ ackTimeoutPerPortMs: 10 });
    store.createPort('hv1', 'a');
    const first = await reconciler.reconcile('hv1');
    assert.equal(first.action, 'full');
    assert.equal(first.requeueAfterMs, 1000 + 10, 'one port');
    clock.advance(1009);
    assert.equal((await reconciler.reconcile('hv1')).action, 'wait', 'not due before');
    const { message } = publisher.last;
    reconciler.observeAck('hv1', 4, full(message).generation, 'applied');
    store.retire('hv1', full(message).changes);
    for (let i = 0; i < 30; i++) store.createPort('hv1', `p${i}`);
    const big = await reconciler.reconcile('hv1');
    assert.equal(big.action, 'delta');
    assert.equal(big.requeueAfterMs, 1000 + 30 * 10, 'thirty ports');
    clock.advance(1300);
    const resend = await reconciler.reconcile('hv1');
    assert.equal(resend.action, 'resend');
    assert.ok(
      resend.requeueAfterMs! >= 1300,
      `a resend waits as long at least: ${resend.requeueAfterMs}`,
    );
  });

  it('takes an ack it did not hear of from the status the store recorded (a lost hint)', async () => {
    const { store, publisher, reconciler, converged, clock } = harness();
    await converged();
    store.createPort('hv1', 'b');
    await reconciler.reconcile('hv1');
    const d = delta(publisher.last.message);
    store.retire('hv1', d.changes);
    store.reported.set('hv1', { epoch: 4, generation: 2, contentHash: '' });
    clock.advance(1000);
    assert.deepEqual(await reconciler.reconcile('hv1'), { action: 'none' });
    assert.equal(publisher.sent.length, 2, 'no resend');
  });

  it('starts a new chain with a full state when the lease epoch changes', async () => {
    const { store, publisher, reconciler, converged, owned } = harness();
    await converged();
    owned.set('hv1', 5);
    assert.equal(reconciler.hasChain('hv1', 5), false);
    store.createPort('hv1', 'b');
    assert.equal((await reconciler.reconcile('hv1')).action, 'full');
    const state = full(publisher.last.message);
    // Above the revision acknowledged in the last epoch, for agents that compare across epochs.
    assert.deepEqual([state.epoch, state.generation], [5, 2]);
  });

  it('sends a full state for a pending FULL row', async () => {
    const { store, publisher, reconciler, converged } = harness();
    await converged();
    const seq = store.requestFull('hv1');
    assert.equal((await reconciler.reconcile('hv1')).action, 'full');
    const state = full(publisher.last.message);
    assert.deepEqual([state.generation, state.changes], [2, [seq]]);
  });

  it('forgets a chassis whose lease it lost, and an unknown one', async () => {
    const { store, publisher, reconciler, converged, owned } = harness();
    await converged();
    store.createPort('hv1', 'b');
    owned.delete('hv1');
    assert.deepEqual(await reconciler.reconcile('hv1'), { action: 'forget' });
    assert.deepEqual([...reconciler.remembered()], []);
    assert.equal(publisher.sent.length, 1);
    owned.set('unknown', 1);
    assert.deepEqual(await reconciler.reconcile('unknown'), { action: 'forget' });
  });

  it('records a message too large to send as refused, and recovers with a full state on the next change', async () => {
    const { store, publisher, reconciler, converged } = harness();
    await converged();
    const b = store.createPort('hv1', 'b');
    publisher.refuse = 'too_large: 9 bytes, limit 8';
    assert.equal((await reconciler.reconcile('hv1')).action, 'delta');
    assert.deepEqual(store.refused, [{ chassisId: 'hv1', changes: [b] }]);
    publisher.refuse = undefined;
    assert.deepEqual(await reconciler.reconcile('hv1'), { action: 'none' }, 'not sent again');
    store.createPort('hv1', 'c');
    assert.equal((await reconciler.reconcile('hv1')).action, 'full');
  });

  it('takes an ack that arrives before the broker confirmed the publish', async () => {
    const { store, publisher, reconciler, converged, answer } = harness();
    await converged();
    store.createPort('hv1', 'b');
    let confirm!: () => void;
    publisher.confirmGate = new Promise<void>((resolve) => (confirm = resolve));
    const sending = reconciler.reconcile('hv1');
    await settle();
    answer('applied');
    confirm();
    assert.equal((await sending).action, 'delta');
    publisher.confirmGate = undefined;
    store.createPort('hv1', 'c');
    assert.equal((await reconciler.reconcile('hv1')).action, 'delta', 'not held by a stale wait');
  });

  it('sends a message whose publish failed again, as is, on the next reconcile', async () => {
    const { store, publisher, reconciler, converged } = harness();
    await converged();
    store.createPort('hv1', 'b');
    publisher.failing = true;
    await assert.rejects(reconciler.reconcile('hv1'), /broker unreachable/);
    publisher.failing = false;
    assert.equal((await reconciler.reconcile('hv1')).action, 'resend');
    const d = delta(publisher.last.message);
    assert.deepEqual([d.baseGeneration, d.generation], [1, 2]);
  });

  it('audits a converged chassis: a match sends nothing, a mismatch sends a full state', async () => {
    const { store, publisher, reconciler, converged, clock, registry } = harness({
      auditIntervalMs: 60_000,
    });
    await converged();
    assert.deepEqual(reconciler.auditsDue(), []);
    clock.advance(60_000);
    assert.deepEqual(reconciler.auditsDue(), ['hv1']);
    assert.deepEqual(await reconciler.reconcile('hv1'), { action: 'none' });
    assert.equal(
      await metricValue(registry, 'northd_converge_audits_total', { result: 'match' }),
      1,
    );
    store.reported.set('hv1', { epoch: 4, generation: 1, contentHash: 'something else' });
    clock.advance(60_000);
    assert.equal((await reconciler.reconcile('hv1')).action, 'full');
    assert.equal(
      await metricValue(registry, 'northd_converge_audits_total', { result: 'mismatch' }),
      1,
    );
    assert.equal(full(publisher.last.message).generation, 2);
  });

  it('with the work queue, sends changes arriving within the batching window as one delta', async () => {
    const { store, publisher, reconciler, converged, clock } = harness();
    await converged();
    const queue = new WorkQueue({
      process: (key) => reconciler.reconcile(key),
      registry: createRegistry({ service: 'test', collectDefault: false }),
      logger: createLogger({ name: 'test', level: 'silent' }),
      clock,
      batchWindowMs: 5,
    });
    const seqs: number[] = [];
    for (const id of ['b', 'c', 'd', 'e']) {
      seqs.push(store.createPort('hv1', id));
      queue.add('hv1');
      clock.advance(1);
      await settle();
    }
    clock.advance(1);
    await settle();
    assert.equal(publisher.sent.length, 2, 'one delta after the full state');
    assert.deepEqual(delta(publisher.last.message).changes, seqs);
    await queue.stop();
  });
});
