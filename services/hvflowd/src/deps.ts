import type { TracerProvider } from '@opentelemetry/api';
import {
  createLogger,
  createRegistry,
  startTracing,
  type Logger,
  type Registry,
} from '@vpcd/observability';
import type { HvflowdConfig } from './config.js';
import { defaultExec, type ExecFunc } from './datapath/ovs-exec.js';

/** The process-wide parts hvflowd is built from; tests build their own. */
export interface HvflowdDeps {
  readonly logger: Logger;
  readonly registry: Registry;
  readonly tracing:
    { readonly tracerProvider: TracerProvider; shutdown(): Promise<void> } | undefined;
  /** Runs the ovs-* commands of the ovs driver (its test seam). */
  readonly exec: ExecFunc;
}

export function createDeps(config: HvflowdConfig): HvflowdDeps {
  const logger = createLogger({ name: 'hvflowd', level: config.logLevel });
  const registry = createRegistry({ service: 'hvflowd' });
  const tracing = startTracing({ serviceName: 'hvflowd', logger });
  return { logger, registry, tracing, exec: defaultExec() };
}
