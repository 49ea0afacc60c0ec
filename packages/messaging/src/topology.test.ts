import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { quorumQueueArguments, validateTopology, type Topology } from './topology.js';

describe('quorumQueueArguments', () => {
  it('asks for at-least-once dead-lettering through the default exchange', () => {
    assert.deepEqual(
      quorumQueueArguments({
        name: 'work',
        kind: 'quorum',
        deliveryLimit: 5,
        deadLetterQueue: 'dlq',
      }),
      {
        'x-queue-type': 'quorum',
        'x-delivery-limit': 5,
        'x-dead-letter-exchange': '',
        'x-dead-letter-routing-key': 'dlq',
        'x-dead-letter-strategy': 'at-least-once',
        'x-overflow': 'reject-publish',
      },
    );
  });

  it('is a plain quorum queue without limit or dead-letter queue', () => {
    assert.deepEqual(quorumQueueArguments({ name: 'work', kind: 'quorum' }), {
      'x-queue-type': 'quorum',
    });
  });
});

describe('validateTopology', () => {
  const cases: Array<{ desc: string; topology: Topology; problem: RegExp }> = [
    {
      desc: 'rejects an empty queue name',
      topology: { queues: [{ name: '', kind: 'transient' }] },
      problem: /empty name/,
    },
    {
      desc: 'rejects a negative delivery limit',
      topology: { queues: [{ name: 'q', kind: 'quorum', deliveryLimit: -1 }] },
      problem: /deliveryLimit/,
    },
    {
      desc: 'rejects a queue dead-lettering to itself',
      topology: { queues: [{ name: 'q', kind: 'quorum', deadLetterQueue: 'q' }] },
      problem: /deadLetterQueue/,
    },
    {
      desc: 'rejects a reserved exchange name',
      topology: { exchanges: [{ name: 'amq.direct', type: 'direct' }] },
      problem: /reserved/,
    },
  ];
  for (const tc of cases) {
    it(tc.desc, () => {
      assert.throws(() => validateTopology(tc.topology), tc.problem);
    });
  }

  it('returns a copy the caller cannot change afterwards', () => {
    const topology: Topology = { queues: [{ name: 'q', kind: 'quorum' }] };
    const checked = validateTopology(topology);
    topology.queues?.push({ name: 'other', kind: 'transient' });
    assert.equal(checked.queues?.length, 1);
  });
});
