import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChassisState, convergeHeaders, messageTypes } from '@vpcd/api';
import { BrokerPublisher, type Outgoing } from './publisher.js';

interface Published {
  readonly key: string;
  readonly body: Buffer;
  readonly messageId: string | undefined;
  readonly type: string | undefined;
  readonly hvflowdAddr: unknown;
}

function recordingBroker() {
  const published: Published[] = [];
  return {
    published,
    publish(
      _exchange: string,
      key: string,
      body: Buffer,
      options?: { messageId?: string; type?: string; headers?: Record<string, unknown> },
    ): Promise<void> {
      published.push({
        key,
        body,
        messageId: options?.messageId,
        type: options?.type,
        hvflowdAddr: options?.headers?.[convergeHeaders.hvflowdAddr],
      });
      return Promise.resolve();
    },
  };
}

const fullState = (): Outgoing => ({
  kind: 'full',
  state: ChassisState.create({
    chassisId: 'hv1',
    epoch: 3,
    generation: 7,
    ports: Array.from({ length: 50 }, (_, i) => ({
      interfaceId: `if-${i}`,
      vpcId: 'v1',
      name: `p${i}`,
      ip: '10.0.0.9',
      mac: '02:00:00:00:00:01',
    })),
  }),
  route: { hvflowdAddr: '127.0.0.1:1', traceparent: null },
});

describe('BrokerPublisher', () => {
  it('sends a resend with the bytes of the first send, not encoded again', async () => {
    const broker = recordingBroker();
    const publisher = new BrokerPublisher(broker, 'northd-0');
    const message = fullState();
    assert.deepEqual(await publisher.publish(message, 0), { sent: true });
    assert.deepEqual(await publisher.publish(message, 1), { sent: true });
    const [first, resend] = broker.published;
    assert.equal(resend!.body, first!.body, 'the same buffer');
    assert.deepEqual(ChassisState.decode(first!.body), (message as { state: ChassisState }).state);
    assert.deepEqual(
      broker.published.map((p) => [p.key, p.messageId, p.type]),
      [
        ['hv1', 'hv1/3/7/0', messageTypes.chassisState],
        ['hv1', 'hv1/3/7/1', messageTypes.chassisState],
      ],
    );
  });

  it('sends a resend on a new route with the same bytes, to the new address', async () => {
    const broker = recordingBroker();
    const publisher = new BrokerPublisher(broker, 'northd-0');
    const message = fullState();
    await publisher.publish(message, 0);
    await publisher.publish({ ...message, route: { ...message.route, hvflowdAddr: 'h:2' } }, 1);
    const [first, resend] = broker.published;
    assert.equal(resend!.body, first!.body, 'the same buffer');
    assert.deepEqual([first!.hvflowdAddr, resend!.hvflowdAddr], ['127.0.0.1:1', 'h:2']);
  });

  it('encodes each new message afresh', async () => {
    const broker = recordingBroker();
    const publisher = new BrokerPublisher(broker, 'northd-0');
    await publisher.publish(fullState(), 0);
    await publisher.publish(fullState(), 0);
    const [a, b] = broker.published;
    assert.notEqual(a!.body, b!.body);
    assert.deepEqual(a!.body, b!.body);
  });
});
