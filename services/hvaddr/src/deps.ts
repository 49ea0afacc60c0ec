import type { TracerProvider } from '@opentelemetry/api';
import {
  createLogger,
  createRegistry,
  startTracing,
  type Logger,
  type Registry,
} from '@vpcd/observability';
import type { HvaddrConfig } from './config.js';

export interface HvaddrDeps {
  readonly logger: Logger;
  readonly registry: Registry;
  readonly tracing:
    { readonly tracerProvider: TracerProvider; shutdown(): Promise<void> } | undefined;
}

export function createDeps(config: HvaddrConfig): HvaddrDeps {
  const logger = createLogger({ name: 'hvaddr', level: config.logLevel as 'info' });
  const registry = createRegistry({ service: 'hvaddr' });
  const tracing = startTracing({ serviceName: 'hvaddr', logger });
  return { logger, registry, tracing };
}
