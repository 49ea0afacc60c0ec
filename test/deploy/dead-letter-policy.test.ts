/**
 * The dead-letter queues' bound (deploy/overlays/with-operators/rabbitmq-policies.yaml), applied
 * as it is to a real broker: past its length the oldest dead letters go, and the work queues'
 * dead-lettering never stalls.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { convergeTopology, messageTypes, queues } from '@vpcd/api';
import { createBroker, type Broker } from '@vpcd/messaging';
import {
  testBusKey,
  testVhostUrl,
  type BrokerPolicy,
  type TestVhost,
} from '@vpcd/messaging/testing';
import { createLogger, createRegistry } from '@vpcd/observability';
import { parseAllDocuments } from 'yaml';

const policiesManifest = fileURLToPath(
  new URL('../../../deploy/overlays/with-operators/rabbitmq-policies.yaml', import.meta.url),
);

function deployedPolicy(name: string): BrokerPolicy {
  for (const doc of parseAllDocuments(readFileSync(policiesManifest, 'utf8'))) {
    const o = doc.toJS() as { kind: string; spec: BrokerPolicy };
    if (o.kind === 'Policy' && o.spec.name === name) return o.spec;
  }
  throw new Error(`${policiesManifest} has no Policy ${name}`);
}

describe('the dead-letter queue policy on a real broker', () => {
  let vhost: TestVhost;
  let broker: Broker;
  const policy = deployedPolicy('vpcd-dead-letter-limits');
  const maxLength = Number(policy.definition['max-length']);

  before(async () => {
    vhost = await testVhostUrl();
    assert.ok(vhost.setPolicy && vhost.queueLength, 'the suite must manage the test broker');
    await vhost.setPolicy(policy);
    broker = createBroker({
      url: vhost.url,
      logger: createLogger({ name: 'dlq-policy', level: 'silent' }),
      registry: createRegistry({ service: 'dlq-policy', collectDefault: false }),
      signingKeys: testBusKey.signingKeys,
    });
    await broker.start(convergeTopology);
  });
  after(async () => {
    await broker?.close();
    await vhost?.drop();
  });

  it('matches both dead-letter queues and no work queue', () => {
    const pattern = new RegExp(policy.pattern);
    assert.deepEqual(
      [queues.convergeDeadLetterQueue, queues.acksDeadLetterQueue].map((q) => pattern.test(q)),
      [true, true],
    );
    assert.deepEqual(
      [queues.convergeQueue, queues.acksQueue].map((q) => pattern.test(q)),
      [false, false],
    );
    assert.equal(policy.definition.overflow, 'drop-head', 'never stall dead-lettering');
  });

  it('keeps the newest dead letters up to its length', async () => {
    const extra = 25;
    const total = maxLength + extra;
    for (let from = 0; from < total; from += 500) {
      const batch = Array.from({ length: Math.min(500, total - from) }, (_, i) =>
        broker.publish('', queues.convergeDeadLetterQueue, Buffer.from(String(from + i)), {
          type: messageTypes.chassisState,
        }),
      );
      await Promise.all(batch);
    }
    let length = 0;
    for (let i = 0; i < 100; i++) {
      length = await vhost.queueLength!(queues.convergeDeadLetterQueue);
      if (length === maxLength) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(length, maxLength);
    const first = await new Promise<string>((resolve, reject) => {
      broker
        .consume(
          queues.convergeDeadLetterQueue,
          (d) => {
            resolve(d.body.toString());
            return Promise.resolve('requeue');
          },
          { prefetch: 1, type: messageTypes.chassisState },
        )
        .catch(reject);
    });
    assert.equal(first, String(extra), 'the oldest went first');
  });
});
