import type { TracerProvider } from '@opentelemetry/api';
import { createBroker, type Broker } from '@vpcd/messaging';
import {
  createLogger,
  createRegistry,
  startTracing,
  type Logger,
  type Registry,
} from '@vpcd/observability';
import type { SouthdConfig } from './config.js';

export interface SouthdDeps {
  readonly logger: Logger;
  readonly registry: Registry;
  readonly tracing:
    { readonly tracerProvider: TracerProvider; shutdown(): Promise<void> } | undefined;
  readonly broker: Broker;
}

export function createDeps(config: SouthdConfig): SouthdDeps {
  const logger = createLogger({ name: 'southd', level: config.logLevel as 'info' });
  const registry = createRegistry({ service: 'southd' });
  const tracing = startTracing({ serviceName: 'southd', logger });
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
