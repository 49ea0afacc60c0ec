import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { createBroker } from './broker.js';
import { isMessagingError } from './messaging-error.js';
import {
  adminChannel,
  captureLogger,
  deleteAll,
  eventually,
  silentLogger,
} from './test-support.js';
import { testBrokerUrl, uniqueName } from './testing/index.js';

describe('close', () => {
  const queue = uniqueName('shutdown');
  let url: string;

  before(async () => {
    url = await testBrokerUrl();
  });

  after(async () => {
    await deleteAll(url, { queues: [queue] });
  });

  async function publishConfirmed(body: string): Promise<void> {
    const admin = await adminChannel(url);
    try {
      const channel = await admin.model.createConfirmChannel();
      channel.sendToQueue(queue, Buffer.from(body), { persistent: true });
      await channel.waitForConfirms();
    } finally {
      await admin.close();
    }
  }

  async function queueState(): Promise<{ consumerCount: number; messageCount: number }> {
    const admin = await adminChannel(url);
    try {
      return await admin.channel.checkQueue(queue);
    } finally {
      await admin.close();
    }
  }

  it('cancels the consumer first, then waits for the running handler and its ack', async () => {
    const { logger, lines } = captureLogger();
    const broker = createBroker({ url, logger, registry: new Registry() });
    await broker.start({ queues: [{ name: queue, kind: 'quorum' }] });
    let release: () => void = () => undefined;
    const handled: string[] = [];
    let finished = false;
    await broker.consume(queue, async (delivery) => {
      handled.push(delivery.body.toString());
      await new Promise<void>((resolve) => (release = resolve));
      finished = true;
      return 'ack';
    });
    await broker.publish('', queue, Buffer.from('slow'));
    await eventually(() => handled.length === 1, 'the handler running');

    let closed = false;
    const closing = broker.close().then(() => (closed = true));
    await eventually(
      () => lines.some((line) => line.msg === 'consumer cancelled; waiting for running handlers'),
      'basic.cancel acknowledged',
    );
    // Sent after the cancel: a consumer that were still subscribed (it has room) would get it.
    await publishConfirmed('after the cancel');
    assert.equal(closed, false, 'close() waits for the running handler');
    assert.equal(broker.connected, true, 'the connection stays open for the ack');

    release();
    await closing;
    assert.equal(finished, true);
    assert.equal(broker.connected, false);
    assert.deepEqual(handled, ['slow']);
    assert.equal(
      (await queueState()).messageCount,
      1,
      'the first acked, the second never delivered',
    );
  });

  it('rejects publish and consume after close, as closed', async () => {
    const broker = createBroker({ url, logger: silentLogger(), registry: new Registry() });
    await broker.start({});
    await broker.close();
    const closedError = (err: unknown): boolean => isMessagingError(err) && err.kind === 'closed';
    await assert.rejects(broker.publish('', queue, Buffer.from('late')), closedError);
    await assert.rejects(
      broker.consume(queue, () => Promise.resolve('ack')),
      closedError,
    );
    await broker.close();
  });
});
