import { createServiceDeps, type ServiceDeps } from '@vpcd/observability';
import type { HvflowdConfig } from './config.js';
import { defaultExec, type ExecFunc } from './datapath/ovs-exec.js';

/** The process-wide parts hvflowd is built from; tests build their own. */
export interface HvflowdDeps extends ServiceDeps {
  /** Runs the ovs-* commands of the ovs driver (its test seam). */
  readonly exec: ExecFunc;
}

export function createDeps(config: HvflowdConfig): HvflowdDeps {
  const { logger, registry, tracing } = createServiceDeps('hvflowd', config);
  return { logger, registry, tracing, exec: defaultExec() };
}
