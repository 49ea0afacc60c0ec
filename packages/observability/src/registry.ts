import { collectDefaultMetrics, Registry } from 'prom-client';
import { registerEventLoopUtilization } from './event-loop-utilization.js';

export type { Registry };

export interface RegistryOptions {
  /** The service's name; the value of the `service` label when `defaultLabels` is given. */
  service: string;
  /** Register prom-client's process metrics and the event-loop utilization gauge. Default true. */
  collectDefault?: boolean;
  /** Prefix for the default process metrics' names. Default none, as dashboards expect. */
  prefix?: string;
  /**
   * Labels stamped on every series, `service` included. Default none: Prometheus' target labels
   * (job, instance) already say where a series came from; set this for push or federation.
   */
  defaultLabels?: Readonly<Record<string, string>>;
}

/**
 * Creates a registry that owns every metric of one program. Nothing in vpcd registers on
 * prom-client's global registry: metrics are created by functions given this registry.
 */
export function createRegistry(options: RegistryOptions): Registry {
  const registry = new Registry();
  if (options.defaultLabels !== undefined) {
    registry.setDefaultLabels({ service: options.service, ...options.defaultLabels });
  }
  if (options.collectDefault ?? true) {
    const prefix = options.prefix ?? '';
    collectDefaultMetrics({ register: registry, prefix, eventLoopMonitoringPrecision: 10 });
    registerEventLoopUtilization(registry, prefix);
  }
  return registry;
}
