import type { TracerProvider } from '@opentelemetry/api';
import { createLogger, type Logger } from './logger.js';
import { createRegistry, type Registry } from './registry.js';
import type { LogLevel } from './service-config.js';
import { startTracing, type Tracing } from './tracing.js';
import type { TracingConfig } from './tracing-config.js';

/** The process-wide parts every service is built from; a service's deps add its own. */
export interface ServiceDeps {
  readonly logger: Logger;
  readonly registry: Registry;
  /** Undefined where nothing is traced (tests that build their own deps). */
  readonly tracing:
    { readonly tracerProvider: TracerProvider; shutdown(): Promise<void> } | undefined;
}

/**
 * The logger (`name` in every line, at `config.logLevel`), a registry labelled `service=name`,
 * and tracing started with `config.tracing`: the configuration loadConfig validated, never the
 * environment read again.
 */
export function createServiceDeps(
  name: string,
  config: { readonly logLevel: LogLevel; readonly tracing: TracingConfig },
): ServiceDeps & { readonly tracing: Tracing } {
  const logger = createLogger({ name, level: config.logLevel });
  const registry = createRegistry({ service: name });
  const tracing = startTracing({ config: config.tracing, logger });
  return { logger, registry, tracing };
}
