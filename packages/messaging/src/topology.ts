import type { ChannelModel, Options } from 'amqplib';

export interface Binding {
  exchange: string;
  /** Default '' (what fanout exchanges ignore anyway). */
  routingKey?: string;
}

/**
 * A durable, replicated queue for work that must not be lost. Messages returned more than
 * `deliveryLimit` times are dead-lettered (at-least-once) to `deadLetterQueue` when given, else
 * dropped; without `deliveryLimit` a poison message circulates for ever.
 */
export interface QuorumQueue {
  name: string;
  kind: 'quorum';
  deliveryLimit?: number;
  deadLetterQueue?: string;
  bindings?: Binding[];
}

/**
 * A classic, exclusive, auto-delete, non-durable queue that lives as long as its connection: for
 * broadcasts to each live instance (a per-process queue bound to a fanout exchange). The caller
 * picks a unique name ('' is not allowed: a server-named queue would change name on reconnect).
 */
export interface TransientQueue {
  name: string;
  kind: 'transient';
  bindings?: Binding[];
}

/** Exchanges and queues, declared on connect and again on every reconnect. */
export interface Topology {
  exchanges?: Array<{ name: string; type: 'direct' | 'fanout' | 'topic'; durable?: boolean }>;
  queues?: Array<QuorumQueue | TransientQueue>;
}

/** Checks a topology once, before anything is declared; throws a TypeError naming every problem. */
export function validateTopology(topology: Topology): Topology {
  const problems: string[] = [];
  for (const exchange of topology.exchanges ?? []) {
    if (exchange.name === '' || exchange.name.startsWith('amq.')) {
      problems.push(`exchange '${exchange.name}': the name is reserved`);
    }
  }
  for (const queue of topology.queues ?? []) {
    if (queue.name === '') problems.push('a queue has an empty name: pick a unique name');
    if (queue.kind === 'quorum') {
      const limit = queue.deliveryLimit;
      if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) {
        problems.push(`queue '${queue.name}': deliveryLimit must be a non-negative integer`);
      }
      if (queue.deadLetterQueue === '' || queue.deadLetterQueue === queue.name) {
        problems.push(`queue '${queue.name}': deadLetterQueue must name another queue`);
      }
    }
  }
  if (problems.length > 0) throw new TypeError(`invalid topology: ${problems.join('; ')}`);
  return structuredClone(topology);
}

/**
 * The arguments of a quorum queue. At-least-once dead-lettering (RabbitMQ 3.10+, feature flag
 * `stream_queue`) keeps a dead-lettered message in the source queue until the dead-letter queue
 * confirms it, and requires `x-overflow: reject-publish`; the dead-letter queue is reached
 * through the default exchange, so no dead-letter exchange needs declaring.
 */
export function quorumQueueArguments(queue: QuorumQueue): Record<string, unknown> {
  const args: Record<string, unknown> = { 'x-queue-type': 'quorum' };
  if (queue.deliveryLimit !== undefined) args['x-delivery-limit'] = queue.deliveryLimit;
  if (queue.deadLetterQueue !== undefined) {
    args['x-dead-letter-exchange'] = '';
    args['x-dead-letter-routing-key'] = queue.deadLetterQueue;
    args['x-dead-letter-strategy'] = 'at-least-once';
    args['x-overflow'] = 'reject-publish';
  }
  return args;
}

/**
 * Declares `topology` on a channel of its own (a refused declaration closes its channel): the
 * exchanges, then each dead-letter queue (a quorum queue too), each queue and its bindings.
 */
export async function declareTopology(model: ChannelModel, topology: Topology): Promise<void> {
  const channel = await model.createChannel();
  // A refused declaration rejects its call; the channel's error event repeats it.
  channel.on('error', () => undefined);
  try {
    for (const exchange of topology.exchanges ?? []) {
      await channel.assertExchange(exchange.name, exchange.type, {
        durable: exchange.durable ?? true,
      });
    }
    for (const queue of topology.queues ?? []) {
      let options: Options.AssertQueue;
      if (queue.kind === 'quorum') {
        if (queue.deadLetterQueue !== undefined) {
          await channel.assertQueue(queue.deadLetterQueue, {
            durable: true,
            arguments: { 'x-queue-type': 'quorum' },
          });
        }
        options = { durable: true, arguments: quorumQueueArguments(queue) };
      } else {
        options = { durable: false, exclusive: true, autoDelete: true };
      }
      await channel.assertQueue(queue.name, options);
      for (const binding of queue.bindings ?? []) {
        await channel.bindQueue(queue.name, binding.exchange, binding.routingKey ?? '');
      }
    }
  } finally {
    await channel.close().catch(() => undefined);
  }
}
