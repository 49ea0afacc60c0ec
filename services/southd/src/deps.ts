import { createBroker, type Broker } from '@vpcd/messaging';
import { createServiceDeps, type ServiceDeps } from '@vpcd/observability';
import type { SouthdConfig } from './config.js';

/** The process-wide parts southd is built from; tests build their own. */
export interface SouthdDeps extends ServiceDeps {
  readonly broker: Broker;
}

export function createDeps(config: SouthdConfig): SouthdDeps {
  const { logger, registry, tracing } = createServiceDeps('southd', config);
  const broker = createBroker({
    url: config.amqpUrl,
    logger,
    registry,
    name: 'southd',
    signingKeys: config.bus.signingKeys,
    tls: config.bus.tls,
  });
  return { logger, registry, tracing, broker };
}
