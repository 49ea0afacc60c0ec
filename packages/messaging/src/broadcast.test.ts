import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { createBroker, type Broker } from './broker.js';
import { adminChannel, deleteAll, eventually, silentLogger } from './test-support.js';
import { testBrokerUrl, uniqueName } from './testing/index.js';

describe('broadcast over a fanout exchange', () => {
  const hints = uniqueName('hints');
  const instances = ['north-a', 'north-b'].map((name) => ({
    name,
    queue: uniqueName(`hints-${name}`),
    received: [] as string[],
  }));
  let url: string;
  let brokers: Broker[] = [];

  before(async () => {
    url = await testBrokerUrl();
    brokers = await Promise.all(
      instances.map(async (instance) => {
        const broker = createBroker({
          url,
          logger: silentLogger(),
          registry: new Registry(),
          name: instance.name,
        });
        await broker.start({
          exchanges: [{ name: hints, type: 'fanout' }],
          queues: [{ name: instance.queue, kind: 'transient', bindings: [{ exchange: hints }] }],
        });
        await broker.consume(instance.queue, (delivery) => {
          instance.received.push(delivery.body.toString());
          return Promise.resolve('ack');
        });
        return broker;
      }),
    );
  });

  after(async () => {
    await Promise.all(brokers.map((broker) => broker.close()));
    await deleteAll(url, { exchanges: [hints] });
  });

  it('reaches a consumer of each instance, on its own connection', async () => {
    const [first] = brokers;
    await first?.publish(hints, '', Buffer.from('chassis ch-1 changed'), { persistent: false });
    await eventually(
      () => instances.every((instance) => instance.received.length === 1),
      'the hint at both instances',
    );
    for (const instance of instances) {
      assert.deepEqual(instance.received, ['chassis ch-1 changed']);
    }
  });

  it('deletes an instance queue with its connection', async () => {
    const [, second] = brokers;
    await second?.close();
    const admin = await adminChannel(url);
    try {
      await assert.rejects(admin.channel.checkQueue(instances[1]?.queue ?? ''), /404/);
    } finally {
      await admin.close();
    }
  });
});
