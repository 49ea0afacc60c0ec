import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { createBroker, type Broker } from './broker.js';
import type { Delivery } from './delivery.js';
import { readSigningKeys } from './bus-env.js';
import { keyId, signatureHeader } from './signing.js';
import {
  adminChannel,
  deleteAll,
  eventually,
  metricValue,
  readyCount,
  silentLogger,
} from './test-support.js';
import { testBrokerUrl, uniqueName } from './testing/index.js';

describe('signed messages', () => {
  const oldKey = randomBytes(32);
  const newKey = randomBytes(32);
  const queue = uniqueName('signed');
  const dead = uniqueName('signed-dead');
  const registry = new Registry();
  const received: Delivery[] = [];
  let url: string;
  let consumer: Broker; // verifies with both keys, as during a rotation
  let signer: Broker; // still signs with the old key

  const rejected = async (reason: string) =>
    (await metricValue(registry, 'messaging_messages_rejected_total', { queue, reason })) ?? 0;
  // Publishes around the brokers, as anyone with the broker's credentials could.
  const publishRaw = async (body: string, headers: Record<string, unknown>, type?: string) => {
    const admin = await adminChannel(url);
    try {
      admin.channel.sendToQueue(queue, Buffer.from(body), { headers, ...(type && { type }) });
      await admin.channel.close();
    } finally {
      await admin.close();
    }
  };

  before(async () => {
    url = await testBrokerUrl();
    consumer = createBroker({
      url,
      logger: silentLogger(),
      registry,
      name: 'verifier',
      signingKeys: [newKey, oldKey],
    });
    signer = createBroker({
      url,
      logger: silentLogger(),
      registry: new Registry(),
      name: 'signer',
      signingKeys: [oldKey],
    });
    await consumer.start({
      queues: [{ name: queue, kind: 'quorum', deliveryLimit: 5, deadLetterQueue: dead }],
    });
    await signer.start({});
    await consumer.consume(
      queue,
      (delivery) => {
        received.push(delivery);
        return Promise.resolve('ack');
      },
      { type: 'test.v1.Thing' },
    );
  });

  after(async () => {
    await signer?.close();
    await consumer?.close();
    await deleteAll(url, { queues: [queue, dead] });
  });

  it('hands a message signed by any known key to the handler', async () => {
    await signer.publish('', queue, Buffer.from('by the old key'), {
      type: 'test.v1.Thing',
      headers: { chassis_id: 'hv1', epoch: 7 },
    });
    await consumer.publish('', queue, Buffer.from('by the new key'), { type: 'test.v1.Thing' });
    await eventually(() => received.length === 2, 'both delivered');
    const byOld = received.find((d) => d.body.toString() === 'by the old key')!;
    assert.equal(byOld.headers.chassis_id, 'hv1');
    assert.equal(byOld.headers.epoch, 7);
    assert.match(String(byOld.headers[signatureHeader]), new RegExp(`^v1\\.${keyId(oldKey)}\\.`));
  });

  it('dead-letters, counts and never hands over what is unsigned, forged or altered', async () => {
    const before = received.length;
    const deadBefore = await readyCount(url, dead);
    const forger = createBroker({
      url,
      logger: silentLogger(),
      registry: new Registry(),
      name: 'forger',
      signingKeys: [randomBytes(32)],
    });
    await forger.start({});
    try {
      await publishRaw('unsigned', { chassis_id: 'hv1', epoch: 1_000_000 }, 'test.v1.Thing');
      await publishRaw('garbage', { [signatureHeader]: 'v1.nothex.x' }, 'test.v1.Thing');
      await forger.publish('', queue, Buffer.from('unknown key'), { type: 'test.v1.Thing' });
      const badMac = `v1.${keyId(oldKey)}.${randomBytes(32).toString('base64url')}`;
      await publishRaw('bad signature', { [signatureHeader]: badMac }, 'test.v1.Thing');
      await signer.publish('', queue, Buffer.from('wrong type'), { type: 'test.v1.Other' });
    } finally {
      await forger.close();
    }
    for (const reason of ['unsigned', 'malformed', 'unknown_key', 'bad_signature', 'wrong_type']) {
      await eventually(async () => (await rejected(reason)) === 1, `one refused as ${reason}`);
    }
    await eventually(async () => (await readyCount(url, dead)) === deadBefore + 5, 'in the DLQ');
    assert.equal(received.length, before, 'no refused message reached the handler');
  });

  it('refuses a genuine message whose body or headers were altered on the way', async () => {
    // Take a genuinely signed message off a queue of our own, then replay it altered.
    const side = uniqueName('signed-side');
    const admin = await adminChannel(url);
    try {
      await admin.channel.assertQueue(side, { exclusive: true });
      await signer.publish('', side, Buffer.from('state'), {
        type: 'test.v1.Thing',
        headers: { chassis_id: 'hv1', epoch: 3, hvflowd_addr: '10.0.0.1:50053' },
      });
      let message: Awaited<ReturnType<typeof admin.channel.get>> = false;
      await eventually(async () => (message = await admin.channel.get(side)) !== false, 'taken');
      const { headers } = (
        message as unknown as { properties: { headers: Record<string, unknown> } }
      ).properties;
      const before = await rejected('bad_signature');
      await publishRaw('state', { ...headers, hvflowd_addr: '203.0.113.9:50053' }, 'test.v1.Thing');
      await publishRaw('other state', headers, 'test.v1.Thing');
      await publishRaw('state', { ...headers, epoch: 4 }, 'test.v1.Thing');
      await eventually(async () => (await rejected('bad_signature')) === before + 3, 'refused');
    } finally {
      await admin.close();
    }
  });
});

describe('sign', () => {
  it('refuses headers the signature cannot cover rather than sending them unsigned', async () => {
    const broker = createBroker({
      url: 'amqp://guest:guest@127.0.0.1:1',
      logger: silentLogger(),
      registry: new Registry(),
      signingKeys: [randomBytes(32)],
      publishTimeoutMs: 100,
    });
    await assert.rejects(
      broker.publish('', 'q', Buffer.alloc(0), { headers: { 'x-tenant': 'a' } }),
      /header x-tenant: x- headers are the broker's/,
    );
    await assert.rejects(
      broker.publish('', 'q', Buffer.alloc(0), { headers: { epoch: Number.NaN } }),
      /a header of a type vpcd does not sign/,
    );
    await broker.close();
  });
});

describe('readSigningKeys', () => {
  const read = (env: Record<string, string>, files: Record<string, string> = {}) => {
    const problems: string[] = [];
    const keys = readSigningKeys(
      {
        string: (name) => env[name],
        report: (name, problem) => problems.push(`${name}: ${problem}`),
      },
      (path) => {
        if (path in files) return files[path]!;
        throw Object.assign(new Error('missing'), { code: 'ENOENT' });
      },
    );
    return { keys: keys.map((k) => k.toString()), problems };
  };
  const a = 'a'.repeat(32);
  const b = 'b'.repeat(40);

  it('reads a list of keys, the first one signing', () => {
    assert.deepEqual(read({ BUS_HMAC_KEY: `${a}, ${b}` }), { keys: [a, b], problems: [] });
  });

  it('reads a key file, one key a line, skipping comments and blank lines', () => {
    const files = { '/k': `# rotated 2026-12\n${b}\n\n${a}\n` };
    assert.deepEqual(read({ BUS_HMAC_KEY_FILE: '/k' }, files), { keys: [b, a], problems: [] });
  });

  it('names the variable, never the key, when a key is missing or short', () => {
    assert.match(read({}).problems.join(), /BUS_HMAC_KEY: required/);
    const short = read({ BUS_HMAC_KEY: `${a},short-secret` }).problems.join();
    assert.match(short, /BUS_HMAC_KEY: key 2 is shorter than 32 bytes/);
    assert.doesNotMatch(short, /short-secret/);
    assert.match(
      read({ BUS_HMAC_KEY_FILE: '/none' }).problems.join(),
      /cannot read \/none: ENOENT/,
    );
    assert.match(read({ BUS_HMAC_KEY: a, BUS_HMAC_KEY_FILE: '/k' }).problems.join(), /not both/);
  });
});
