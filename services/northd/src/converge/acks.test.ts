import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChassisStateAck } from '@vpcd/api';
import type { Delivery } from '@vpcd/messaging';
import { createLogger, createRegistry } from '@vpcd/observability';
import { metricValue } from '@vpcd/observability/testing';
import { ackHandler, type AckStore } from './acks.js';
import { convergeMetrics } from './converge-metrics.js';
import type { AckNote } from './hints.js';

const delivery = (ack: Partial<ChassisStateAck>): Delivery => ({
  body: Buffer.from(
    ChassisStateAck.encode(
      ChassisStateAck.fromPartial({ chassisId: 'hv1', epoch: 3, generation: 7, ...ack }),
    ).finish(),
  ),
  headers: {},
  redelivered: false,
  deliveryCount: 0,
  routingKey: '',
});

/** The handler on a store that records its calls; `recorded` is what recordAck answers. */
function harness(recorded = true) {
  const calls: string[] = [];
  const notes: AckNote[] = [];
  const registry = createRegistry({ service: 'test', collectDefault: false });
  const store: AckStore = {
    recordAck: (ack) => {
      calls.push(`ack ${ack.generation} [${ack.changes.join(',')}]`);
      return Promise.resolve({ recorded, lagSeconds: recorded ? 0.25 : undefined });
    },
    recordRefused: (work, reason) => {
      calls.push(`refused [${work.changes.join(',')}] ${reason}`);
      return Promise.resolve();
    },
    recordNeedsFull: (chassisId) => {
      calls.push(`needs_full ${chassisId}`);
      return Promise.resolve();
    },
  };
  const handle = ackHandler(
    store,
    convergeMetrics(registry),
    createLogger({ name: 'test', level: 'silent' }),
    (note) => notes.push(note),
  );
  return { handle, calls, notes, registry };
}

describe('ackHandler', () => {
  it('records an applied ack, observes its lag and tells the owner', async () => {
    const { handle, calls, notes, registry } = harness();
    assert.equal(await handle(delivery({ changes: [11, 12] })), 'ack');
    assert.deepEqual(calls, ['ack 7 [11,12]']);
    assert.deepEqual(notes, [{ chassisId: 'hv1', epoch: 3, generation: 7, outcome: 'applied' }]);
    assert.equal(await metricValue(registry, 'northd_chassis_converge_lag_seconds_count'), 1);
    assert.equal(
      await metricValue(registry, 'northd_converge_acks_total', { result: 'applied' }),
      1,
    );
  });

  it('counts rejected interfaces by reason, any reason the agent made up as other', async () => {
    const { handle, registry } = harness();
    const port = (interfaceId: string, reason: string, remote = false) => ({
      interfaceId,
      reason,
      message: '',
      remote,
    });
    await handle(
      delivery({
        rejectedPorts: [
          port('if-1', 'port-unbound'),
          port('if-2', 'x'.repeat(300)),
          port('if-3', 'gateway-mac', true),
        ],
      }),
    );
    const count = (reason: string) =>
      metricValue(registry, 'northd_rejected_interfaces_total', { reason });
    assert.deepEqual(
      [await count('port-unbound'), await count('other'), await count('gateway-mac')],
      [1, 1, undefined],
    );
  });

  it('counts an ack the store did not take as stale', async () => {
    const { handle, registry } = harness(false);
    await handle(delivery({}));
    assert.equal(await metricValue(registry, 'northd_converge_acks_total', { result: 'stale' }), 1);
  });

  it('asks for a full state on needs_full, without touching the status', async () => {
    const { handle, calls, notes } = harness();
    await handle(delivery({ needsFullState: true, changes: [11] }));
    assert.deepEqual(calls, ['needs_full hv1']);
    assert.equal(notes[0]!.outcome, 'needs_full');
  });

  it('records a refusal for the rows the message covered', async () => {
    const { handle, calls, notes } = harness();
    await handle(delivery({ refused: 'invalid', error: 'bad port', changes: [11, 12] }));
    assert.deepEqual(calls, ['refused [11,12] invalid: bad port']);
    assert.equal(notes[0]!.outcome, 'refused');
  });

  it('records nothing for an error (the owner resends), and dead-letters garbage', async () => {
    const { handle, calls, notes } = harness();
    assert.equal(await handle(delivery({ error: 'ovs down' })), 'ack');
    assert.deepEqual([calls, notes], [[], []]);
    assert.equal(
      await handle({ ...delivery({}), body: Buffer.from([0xff, 0xff, 0xff]) }),
      'reject',
    );
  });
});
