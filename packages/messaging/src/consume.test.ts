import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { createBroker, type Broker } from './broker.js';
import type { Delivery, HandlerResult } from './delivery.js';
import { isMessagingError } from './messaging-error.js';
import { deleteAll, eventually, metricValue, readyCount, silentLogger } from './test-support.js';
import { testBrokerUrl, uniqueName } from './testing/index.js';

describe('consume', () => {
  const registry = new Registry();
  const work = uniqueName('work');
  const poison = uniqueName('poison');
  const dead = uniqueName('dead');
  const deliveryLimit = 2;
  let url: string;
  let broker: Broker;

  before(async () => {
    url = await testBrokerUrl();
    broker = createBroker({ url, logger: silentLogger(), registry, name: 'consume' });
    await broker.start({
      queues: [
        { name: work, kind: 'quorum' },
        { name: poison, kind: 'quorum', deliveryLimit, deadLetterQueue: dead },
      ],
    });
  });

  after(async () => {
    await broker.close();
    await deleteAll(url, { queues: [work, poison, dead] });
  });

  it('runs at most prefetch handlers at once', async () => {
    const prefetch = 3;
    let running = 0;
    let highest = 0;
    let done = 0;
    const releases: Array<() => void> = [];
    const consumer = await broker.consume(
      work,
      async () => {
        running += 1;
        highest = Math.max(highest, running);
        await new Promise<void>((resolve) => releases.push(resolve));
        running -= 1;
        done += 1;
        return 'ack';
      },
      { prefetch },
    );
    await Promise.all(
      Array.from({ length: 10 }, (_, n) => broker.publish('', work, Buffer.from(String(n)))),
    );
    await eventually(() => running === prefetch, 'prefetch handlers running');
    assert.equal(
      await metricValue(registry, 'messaging_consume_in_flight', { queue: work }),
      prefetch,
    );
    assert.equal(
      await metricValue(registry, 'messaging_consume_capacity', { queue: work }),
      prefetch,
    );
    await eventually(() => {
      for (const release of releases.splice(0)) release();
      return done === 10;
    }, 'every message handled');
    await consumer.cancel();
    assert.equal(highest, prefetch);
    assert.equal(await metricValue(registry, 'messaging_consume_capacity', { queue: work }), 0);
  });

  it('redelivers a requeued message flagged redelivered, with x-delivery-count', async () => {
    const seen: Delivery[] = [];
    const consumer = await broker.consume(work, (delivery) => {
      seen.push(delivery);
      return Promise.resolve(seen.length === 1 ? 'requeue' : 'ack');
    });
    await broker.publish('', work, Buffer.from('again'), { messageId: 'again' });
    await eventually(() => seen.length === 2, 'the redelivery');
    await consumer.cancel();

    assert.deepEqual(
      seen.map((d) => [d.messageId, d.redelivered, d.deliveryCount]),
      [
        ['again', false, 0],
        ['again', true, 1],
      ],
    );
    assert.ok(
      ((await metricValue(registry, 'messaging_redelivered_total', { queue: work })) ?? 0) >= 1,
    );
  });

  const poisonCases: Array<{
    desc: string;
    answer: () => Promise<HandlerResult>;
    deliveries: number;
    result: string;
  }> = [
    {
      desc: 'a message always requeued goes to the dead-letter queue after the delivery limit',
      answer: () => Promise.resolve('requeue'),
      deliveries: deliveryLimit + 1,
      result: 'requeue',
    },
    {
      desc: 'a message whose handler always throws goes to the dead-letter queue after the limit',
      answer: () => Promise.reject(new Error('cannot apply')),
      deliveries: deliveryLimit + 1,
      result: 'error',
    },
    {
      desc: 'a rejected message goes to the dead-letter queue at once',
      answer: () => Promise.resolve('reject'),
      deliveries: 1,
      result: 'reject',
    },
  ];
  for (const tc of poisonCases) {
    it(tc.desc, async () => {
      const before =
        (await metricValue(registry, 'messaging_consumed_total', {
          queue: poison,
          result: tc.result,
        })) ?? 0;
      const deadBefore = await readyCount(url, dead);
      const counts: number[] = [];
      const consumer = await broker.consume(poison, (delivery) => {
        counts.push(delivery.deliveryCount);
        return tc.answer();
      });
      await broker.publish('', poison, Buffer.from('poison'));
      await eventually(
        async () => (await readyCount(url, dead)) === deadBefore + 1,
        'the message in the dead-letter queue',
      );
      await consumer.cancel();

      assert.deepEqual(
        counts,
        Array.from({ length: tc.deliveries }, (_, n) => n),
      );
      assert.equal(
        await metricValue(registry, 'messaging_consumed_total', {
          queue: poison,
          result: tc.result,
        }),
        before + tc.deliveries,
      );
      assert.equal(await readyCount(url, poison), 0);
    });
  }

  it('hands over every type a list names, and dead-letters any other type', async () => {
    const seen: Array<[string | undefined, string]> = [];
    const deadBefore = await readyCount(url, dead);
    const consumer = await broker.consume(
      poison,
      (delivery) => {
        seen.push([delivery.type, delivery.body.toString()]);
        return Promise.resolve('ack');
      },
      { type: ['test.v1.State', 'test.v1.Delta'] },
    );
    await broker.publish('', poison, Buffer.from('s'), { type: 'test.v1.State' });
    await broker.publish('', poison, Buffer.from('x'), { type: 'test.v1.Other' });
    await broker.publish('', poison, Buffer.from('u'));
    await broker.publish('', poison, Buffer.from('d'), { type: 'test.v1.Delta' });
    await eventually(
      async () => seen.length === 2 && (await readyCount(url, dead)) === deadBefore + 2,
      'two handled, two dead-lettered',
    );
    await consumer.cancel();
    assert.deepEqual(seen, [
      ['test.v1.State', 's'],
      ['test.v1.Delta', 'd'],
    ]);
    assert.equal(
      await metricValue(registry, 'messaging_messages_rejected_total', {
        queue: poison,
        reason: 'wrong_type',
      }),
      2,
    );
  });

  it('rejects consuming from a queue that does not exist, as refused', async () => {
    await assert.rejects(
      broker.consume(uniqueName('missing'), () => Promise.resolve('ack')),
      (err: unknown) => isMessagingError(err) && err.kind === 'refused' && err.replyCode === 404,
    );
    assert.ok(broker.connected);
  });
});
