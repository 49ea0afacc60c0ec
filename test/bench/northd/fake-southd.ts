import {
  ChassisDelta,
  ChassisState,
  ChassisStateAck,
  convergeTopology,
  messageTypes,
  queues,
} from '@vpcd/api';
import { createBroker, type Broker } from '@vpcd/messaging';
import { testBusKey } from '@vpcd/messaging/testing';
import { createLogger, createRegistry } from '@vpcd/observability';

/** When one converge message reached the fake southd, and when its ack was confirmed. */
export interface Receipt {
  readonly generation: number;
  /** performance.now() of the delivery. */
  readonly receivedAtMs: number;
  /** performance.now() once the broker confirmed the ack; NaN until then. */
  readonly ackedAtMs: number;
}

/** Plays southd and every hvflowd at once: each converge message is acknowledged as applied. */
export interface FakeSouthd {
  /** Converge messages acknowledged so far. */
  readonly acked: number;
  /** The first receipt of a generation at least `generation` among a chassis' latest ones. */
  receiptOf(chassisId: string, generation: number): Receipt | undefined;
  stop(): Promise<void>;
}

/** Receipts kept per chassis, newest last. */
const receiptsKept = 8;

/**
 * Consumes the converge queue and publishes, for each state or delta, the ack a chassis that applied it
 * would send (its epoch and generation, no error) on the acks exchange, with publisher confirms,
 * before acking the delivery. Nothing is applied anywhere: the figures are northd's, RabbitMQ's
 * and MySQL's.
 */
export async function startFakeSouthd(amqpUrl: string, prefetch = 128): Promise<FakeSouthd> {
  const broker: Broker = createBroker({
    url: amqpUrl,
    logger: createLogger({ name: 'fake-southd', level: 'silent' }),
    registry: createRegistry({ service: 'fake-southd', collectDefault: false }),
    name: 'fake-southd',
    signingKeys: testBusKey.signingKeys,
  });
  await broker.start({ exchanges: convergeTopology.exchanges, queues: convergeTopology.queues });
  let acked = 0;
  const receipts = new Map<string, Receipt[]>();
  await broker.consume(
    queues.convergeQueue,
    async (delivery) => {
      const receivedAtMs = performance.now();
      // A delta and a full state carry the same fields an ack echoes, by their AMQP type.
      const state =
        delivery.type === messageTypes.chassisDelta
          ? ChassisDelta.decode(delivery.body)
          : ChassisState.decode(delivery.body);
      const receipt = { generation: state.generation, receivedAtMs, ackedAtMs: NaN };
      const kept = receipts.get(state.chassisId) ?? [];
      kept.push(receipt);
      receipts.set(state.chassisId, kept.slice(-receiptsKept));
      const ack = ChassisStateAck.encode({
        chassisId: state.chassisId,
        epoch: state.epoch,
        generation: state.generation,
        stateHash: `bench-${state.generation}`,
        error: '',
        rejectedPorts: [],
        refused: '',
        needsFullState: false,
        changes: state.changes,
        contentHash: '',
      }).finish();
      await broker.publish(queues.acksExchange, '', Buffer.from(ack), {
        type: messageTypes.chassisStateAck,
      });
      receipt.ackedAtMs = performance.now();
      acked++;
      return 'ack';
    },
    { prefetch },
  );
  return {
    get acked() {
      return acked;
    },
    receiptOf: (chassisId, generation) =>
      receipts.get(chassisId)?.find((r) => r.generation >= generation),
    stop: () => broker.close(),
  };
}
