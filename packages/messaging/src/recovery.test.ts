import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { createBroker, type Broker } from './broker.js';
import { isMessagingError } from './messaging-error.js';
import { adminChannel, captureLogger, deleteAll, eventually, metricValue } from './test-support.js';
import { testBrokerUrl, uniqueName } from './testing/index.js';

// Failures that close one channel but not the connection.
describe('a channel closed by the broker', () => {
  const registry = new Registry();
  const { logger, lines } = captureLogger();
  const queue = uniqueName('recovery');
  let url: string;
  let broker: Broker;

  before(async () => {
    url = await testBrokerUrl();
    broker = createBroker({
      url,
      logger,
      registry,
      name: 'recovery',
      reconnect: { initialDelayMs: 10, maxDelayMs: 100 },
    });
    await broker.start({ queues: [{ name: queue, kind: 'quorum' }] });
  });

  after(async () => {
    await broker.close();
    await deleteAll(url, { queues: [queue] });
  });

  it('refuses a publish to a missing exchange and keeps publishing on a new channel', async () => {
    const missing = uniqueName('missing');
    await assert.rejects(
      broker.publish(missing, '', Buffer.from('nowhere')),
      (err: unknown) => isMessagingError(err) && err.kind === 'refused' && err.replyCode === 404,
    );
    await broker.publish('', queue, Buffer.from('still fine'));
    assert.equal(await metricValue(registry, 'messaging_reconnects_total'), 0);
    assert.equal(broker.connected, true);
  });

  it('consumes again after the broker cancelled the consumer', async () => {
    const received: string[] = [];
    const consumer = await broker.consume(queue, (delivery) => {
      received.push(delivery.body.toString());
      return Promise.resolve('ack');
    });
    await eventually(() => received.length >= 1, 'the message left by the test before');

    const admin = await adminChannel(url);
    try {
      // Deleting the queue cancels its consumers; declaring it again lets the consumer return.
      // (Declared at once, RabbitMQ 3.10 may never tell the consumer of the old queue.)
      await admin.channel.deleteQueue(queue);
      await eventually(
        () => lines.some((line) => line.msg === 'the broker cancelled the consumer'),
        'basic.cancel from the broker',
      );
      await admin.channel.assertQueue(queue, {
        durable: true,
        arguments: { 'x-queue-type': 'quorum' },
      });
    } finally {
      await admin.close();
    }
    await broker.publish('', queue, Buffer.from('after the cancel'));
    await eventually(
      () => received.includes('after the cancel'),
      'delivery to the resumed consumer',
    );
    await consumer.cancel();
  });
});
