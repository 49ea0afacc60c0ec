import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { createBroker } from './broker.js';
import { isMessagingError, type MessagingErrorKind } from './messaging-error.js';
import { deleteAll, metricValue, silentLogger } from './test-support.js';
import { testBrokerUrl, uniqueName } from './testing/index.js';

function kind(want: MessagingErrorKind): (err: unknown) => boolean {
  return (err) => isMessagingError(err) && err.kind === want;
}

/** A URL on which nothing listens. */
async function deadUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return `amqp://guest:guest@127.0.0.1:${port}`;
}

describe('start and publish without a broker', () => {
  it('keeps retrying to connect until close(), then start rejects as closed', async () => {
    const registry = new Registry();
    const broker = createBroker({
      url: await deadUrl(),
      logger: silentLogger(),
      registry,
      reconnect: { initialDelayMs: 10, maxDelayMs: 50 },
    });
    const starting = broker.start({});
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(broker.connected, false);
    assert.equal(await metricValue(registry, 'messaging_connected'), 0);
    await broker.close();
    await assert.rejects(starting, kind('closed'));
  });

  it('rejects a publish as unavailable when no connection comes within the timeout', async () => {
    const registry = new Registry();
    const broker = createBroker({
      url: await deadUrl(),
      logger: silentLogger(),
      registry,
      publishTimeoutMs: 100,
    });
    await assert.rejects(broker.publish('x', 'y', Buffer.from('lost')), kind('unavailable'));
    assert.equal(await metricValue(registry, 'messaging_nacked_total', { exchange: 'x' }), 1);
    assert.equal(await metricValue(registry, 'messaging_publish_in_flight'), 0);
    await broker.close();
  });

  it('names every bad option in one error', () => {
    assert.throws(
      () =>
        createBroker({
          url: 'http://broker',
          logger: silentLogger(),
          registry: new Registry(),
          publishTimeoutMs: 0,
          reconnect: { initialDelayMs: 500, maxDelayMs: 100 },
        }),
      (err: unknown) =>
        err instanceof TypeError &&
        /url/.test(err.message) &&
        /publishTimeoutMs/.test(err.message) &&
        /initialDelayMs must not exceed/.test(err.message),
    );
  });
});

describe('start on a broker that refuses the topology', () => {
  const queue = uniqueName('refused');
  let url: string;

  before(async () => {
    url = await testBrokerUrl();
  });

  after(async () => {
    await deleteAll(url, { queues: [queue] });
  });

  it('rejects as refused when a queue exists with other arguments', async () => {
    const first = createBroker({ url, logger: silentLogger(), registry: new Registry() });
    await first.start({ queues: [{ name: queue, kind: 'quorum', deliveryLimit: 5 }] });
    await first.close();

    const second = createBroker({ url, logger: silentLogger(), registry: new Registry() });
    await assert.rejects(
      second.start({ queues: [{ name: queue, kind: 'quorum', deliveryLimit: 6 }] }),
      (err: unknown) => kind('refused')(err) && (err as { replyCode?: number }).replyCode === 406,
    );
    await second.close();
  });

  it('rejects a topology with an empty queue name before connecting', async () => {
    const broker = createBroker({ url, logger: silentLogger(), registry: new Registry() });
    await assert.rejects(broker.start({ queues: [{ name: '', kind: 'transient' }] }), TypeError);
    await broker.close();
  });
});
