import { createServiceDeps, type ServiceDeps } from '@vpcd/observability';
import type { HvaddrConfig } from './config.js';

/** The process-wide parts hvaddr is built from; tests build their own. */
export type HvaddrDeps = ServiceDeps;

export function createDeps(config: HvaddrConfig): HvaddrDeps {
  return createServiceDeps('hvaddr', config);
}
