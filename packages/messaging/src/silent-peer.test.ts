import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { createBroker } from './broker.js';
import { isMessagingError, isRetryable } from './messaging-error.js';
import { compileOptions } from './options.js';
import {
  eventually,
  metricValue,
  silentLogger,
  startSilentRelay,
  type SilentRelay,
} from './test-support.js';
import { testBrokerUrl, uniqueName } from './testing/index.js';

// A peer that vanishes without FIN or RST: only heartbeats and timeouts can tell. Each test has a
// timeout of its own: without them these calls never settle.
describe('a silent peer', { timeout: 30_000 }, () => {
  let url: string;
  let relay: SilentRelay | undefined;
  before(async () => {
    url = await testBrokerUrl();
  });
  after(async () => {
    await relay?.close();
  });

  it('is declared dead by heartbeats: a publish fails retryable, and the broker reconnects', async () => {
    relay = await startSilentRelay(url);
    const registry = new Registry();
    const broker = createBroker({
      url: relay.url,
      logger: silentLogger(),
      registry,
      name: 'silent-peer',
      heartbeatSeconds: 1,
      publishTimeoutMs: 20_000,
      reconnect: { initialDelayMs: 50, maxDelayMs: 200 },
    });
    const queue = uniqueName('silent-peer');
    try {
      await broker.start({ queues: [{ name: queue, kind: 'transient' }] });
      await broker.publish('', queue, Buffer.from('before'));
      relay.silence();
      await assert.rejects(
        broker.publish('', queue, Buffer.from('into the void')),
        (err: unknown) => isMessagingError(err) && err.kind === 'unavailable' && isRetryable(err),
      );
      await eventually(() => relay!.abandoned === 1, 'the client closes the silent connection');
      await eventually(() => broker.connected, 'connected again through the relay');
      assert.equal(await metricValue(registry, 'messaging_reconnects_total'), 1);
      await broker.publish('', queue, Buffer.from('after'));
    } finally {
      await broker.close();
    }
  });

  it('gives up a connection attempt the server never answers, and tries again', async () => {
    const held: Socket[] = [];
    const mute = createServer((socket) => held.push(socket));
    mute.listen(0, '127.0.0.1');
    await once(mute, 'listening');
    const port = (mute.address() as { port: number }).port;
    const broker = createBroker({
      url: `amqp://guest:guest@127.0.0.1:${port}`,
      logger: silentLogger(),
      registry: new Registry(),
      connectTimeoutMs: 200,
      reconnect: { initialDelayMs: 10, maxDelayMs: 50 },
    });
    const starting = broker.start({});
    await eventually(() => held.length >= 2, 'a second attempt after the first timed out');
    await broker.close();
    await assert.rejects(
      starting,
      (err: unknown) => isMessagingError(err) && err.kind === 'closed',
    );
    for (const socket of held) socket.destroy();
    mute.close();
  });

  it('refuses a heartbeat of 0 (off) or of a fraction of a second', () => {
    for (const heartbeatSeconds of [0, 0.5]) {
      assert.throws(
        () =>
          compileOptions({
            url,
            logger: silentLogger(),
            registry: new Registry(),
            heartbeatSeconds,
          }),
        /heartbeatSeconds must be a positive integer/,
      );
    }
  });
});
