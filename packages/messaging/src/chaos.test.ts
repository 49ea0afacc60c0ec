import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { Registry } from 'prom-client';
import { createBroker, type Broker } from './broker.js';
import { isRetryable } from './messaging-error.js';
import { eventually, metricValue, readyCount, silentLogger } from './test-support.js';
import { privateRabbitmq, type PrivateRabbitmq } from './testing/index.js';

// One private node for the file: these tests stop and restart it.
describe('a broker restart', () => {
  let node: PrivateRabbitmq;

  before(async () => {
    node = await privateRabbitmq();
  });

  after(async () => {
    await node.close();
  });

  function brokerOn(registry: Registry, publishTimeoutMs: number): Broker {
    return createBroker({
      url: node.url,
      logger: silentLogger(),
      registry,
      name: 'chaos',
      publishTimeoutMs,
      reconnect: { initialDelayMs: 50, maxDelayMs: 500 },
    });
  }

  it('loses no confirmed message and applies each exactly once', async (t) => {
    const total = 300;
    const workers = 4;
    const queue = 'converge';
    const dead = 'converge-dead';
    const registry = new Registry();
    const broker = brokerOn(registry, 1500);
    await broker.start({
      queues: [{ name: queue, kind: 'quorum', deliveryLimit: 5, deadLetterQueue: dead }],
    });

    const applied = new Set<string>();
    let duplicates = 0;
    let deliveries = 0;
    await broker.consume(
      queue,
      async (delivery) => {
        deliveries += 1;
        const id = delivery.messageId ?? '';
        await delay(1);
        // The idempotent consumer: a message already applied is acknowledged, not applied again.
        if (applied.has(id)) duplicates += 1;
        else applied.add(id);
        return 'ack';
      },
      { prefetch: 8 },
    );

    // Messages [0, total/3) go before the restart, [total/3, 2*total/3) while the node shuts
    // down, the rest once it is down (they wait, time out and are republished) or back up.
    let restarted!: Promise<void>;
    let stopped!: Promise<void>;
    const confirmed = new Set<string>();
    let rejections = 0;
    let next = 0;
    const publishAll = async (): Promise<void> => {
      for (let n = next++; n < total; n = next++) {
        if (n === Math.floor(total / 3)) {
          stopped = node.stop();
          restarted = stopped.then(() => node.start());
        }
        if (n >= Math.floor((2 * total) / 3)) await stopped;
        const id = `m-${n}`;
        for (;;) {
          try {
            await broker.publish('', queue, Buffer.from(String(n)), { messageId: id });
            confirmed.add(id);
            break;
          } catch (err) {
            assert.ok(isRetryable(err), String(err));
            rejections += 1;
          }
        }
      }
    };
    await Promise.all(Array.from({ length: workers }, publishAll));
    await restarted;

    await eventually(() => applied.size === total, 'every message applied', 60_000);
    await broker.close();
    t.diagnostic(`republished ${rejections}, duplicate deliveries ${duplicates}`);
    assert.equal(confirmed.size, total);
    for (const id of confirmed) assert.ok(applied.has(id), `${id} confirmed but not delivered`);
    assert.equal(
      deliveries,
      total + duplicates,
      'each delivery applied once or seen as a duplicate',
    );
    assert.ok(rejections > 0, 'some publishes failed during the restart and were republished');

    const count = async (name: string): Promise<number> =>
      (await metricValue(registry, name, { client: 'chaos' })) ?? 0;
    assert.ok((await count('messaging_reconnects_total')) >= 1);
    assert.equal(await count('messaging_confirmed_total'), total);
    assert.equal(await count('messaging_nacked_total'), rejections);
    assert.equal(await count('messaging_published_total'), total + rejections);
    assert.equal(await readyCount(node.url, dead), 0, 'nothing dead-lettered');
    assert.equal(await readyCount(node.url, queue), 0, 'nothing left behind');
  });

  it('sends a publish made while the node is down once it is back', async () => {
    const registry = new Registry();
    const broker = brokerOn(registry, 60_000);
    const queue = 'while-down';
    await broker.start({ queues: [{ name: queue, kind: 'quorum' }] });
    await node.stop();
    await eventually(() => !broker.connected, 'the connection lost');

    const publishing = broker.publish('', queue, Buffer.from('patient'));
    await node.start();
    await publishing;
    await eventually(() => broker.connected, 'reconnected');
    assert.equal(await readyCount(node.url, queue), 1);
    await broker.close();
  });

  it('runs rabbitmqctl against the private node, with its own cookie', async () => {
    await node.rabbitmqctl(['add_vhost', 'ctl-check']);
    const output = await node.rabbitmqctl(['-q', 'list_vhosts', 'name', '--no-table-headers']);
    assert.deepEqual(output.trim().split('\n').sort(), ['/', 'ctl-check']);
  });
});
