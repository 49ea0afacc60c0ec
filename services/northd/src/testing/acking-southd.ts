// A stand-in for southd: acknowledges northd's converge work at once, as a chassis that applied it.
import { ChassisDelta, ChassisState, ChassisStateAck, messageTypes, queues } from '@vpcd/api';
import { createBroker, type Delivery } from '@vpcd/messaging';
import { testBusKey } from '@vpcd/messaging/testing';
import { createLogger, createRegistry } from '@vpcd/observability';

export interface AckingSouthd {
  /** Whether converge work is acknowledged (it is at start): off keeps interfaces PENDING. */
  setAcking(acking: boolean): void;
  stop(): Promise<void>;
}

/**
 * Takes converge work off the queue and acknowledges it as southd would after hvflowd applied
 * it; a port named `rejected-*` is reported left out of the flows, as hvflowd reports a bad row.
 */
export async function startAckingSouthd(url: string): Promise<AckingSouthd> {
  const broker = createBroker({
    url,
    logger: createLogger({ name: 'fake-southd', level: 'silent' }),
    registry: createRegistry({ service: 'fake-southd', collectDefault: false }),
    name: 'fake-southd',
    signingKeys: testBusKey.signingKeys,
  });
  const southd = { broker, acking: true };
  await broker.start({});
  // The ports each chassis leaves out, as hvflowd reports them with every ack: those of its
  // whole state, which a delta changes by what it adds and removes.
  const rejected = new Map<string, Map<string, string>>();
  await broker.consume(queues.convergeQueue, async (d: Delivery) => {
    if (!southd.acking) return 'ack';
    const delta = d.type === messageTypes.chassisDelta ? ChassisDelta.decode(d.body) : undefined;
    const work = delta ?? ChassisState.decode(d.body);
    const left = (delta && rejected.get(work.chassisId)) || new Map<string, string>();
    for (const id of delta?.removedPorts ?? []) left.delete(id);
    for (const p of work.ports) {
      if (p.name.startsWith('rejected-')) left.set(p.interfaceId, p.mac);
      else left.delete(p.interfaceId);
    }
    rejected.set(work.chassisId, left);
    const ack = ChassisStateAck.encode({
      chassisId: work.chassisId,
      epoch: work.epoch,
      generation: work.generation,
      stateHash: `hash-${work.generation}`,
      error: '',
      rejectedPorts: [...left].map(([interfaceId, mac]) => ({
        interfaceId,
        reason: 'gateway-mac',
        message: `port "${interfaceId}": mac ${mac} is in the gateways' range`,
        remote: false,
      })),
      refused: '',
      needsFullState: false,
      changes: work.changes,
      contentHash: '',
    }).finish();
    await broker.publish(queues.acksExchange, '', Buffer.from(ack), {
      type: messageTypes.chassisStateAck,
    });
    return 'ack';
  });
  return {
    setAcking: (acking) => {
      southd.acking = acking;
    },
    stop: () => broker.close(),
  };
}
