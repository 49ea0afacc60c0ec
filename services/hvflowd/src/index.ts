export {
  startHvflowd,
  advertisedAddress,
  FLEET_SYNC_CONCURRENCY,
  INSECURE_DEV_WARNING,
} from './server.js';
export type { Hvflowd, StartOptions } from './server.js';
export {
  loadConfig,
  fleetChassisId,
  fleetUnderlayIp,
  MAX_FLEET_SIZE,
  DEFAULT_GRPC_PORT,
} from './config.js';
export type { ChassisMode, HvflowdConfig } from './config.js';
export { createDeps } from './deps.js';
export type { HvflowdDeps } from './deps.js';
export { CHASSIS_ID_METADATA, hvflowdHandlers } from './handlers/hvflowd.js';
export { southdOnlyLayer, SOUTHD_IDENTITY } from './auth/southd-only.js';
export type { ChassisDirectory } from './handlers/hvflowd.js';
export { ChassisRuntime } from './chassis/chassis-runtime.js';
export type {
  ApplyOutcome,
  ChassisRuntimeOptions,
  ChassisSnapshot,
} from './chassis/chassis-runtime.js';
export { ApplyError, isApplyError, hasApplyCode } from './chassis/apply-error.js';
export type { ApplyErrorCode } from './chassis/apply-error.js';
export { createHvflowdMetrics } from './chassis/hvflowd-metrics.js';
export type { HvflowdMetrics } from './chassis/hvflowd-metrics.js';
export type { Datapath, DatapathKind } from './datapath/datapath.js';
export { OvsDatapath, TUNNEL_PORT_NAME, DHCP_PORT_NAME } from './datapath/ovs-datapath.js';
export type { OvsDatapathOptions } from './datapath/ovs-datapath.js';
export type { InterfaceStats, OvsStats } from './datapath/ovs-stats.js';
export { MemoryDatapath } from './datapath/memory-datapath.js';
export { OvsError, isOvsError, isPortNotExist, isBridgeNotExist } from './datapath/ovs-error.js';
export type { OvsErrorCode } from './datapath/ovs-error.js';
export { defaultExec } from './datapath/ovs-exec.js';
export type { ExecFunc, ExecOptions, ExecResult } from './datapath/ovs-exec.js';
export { registerOvsMetrics } from './datapath/ovs-metrics.js';
export { ChassisAgent } from './agent/chassis-agent.js';
export type { ChassisAgentOptions, Registration } from './agent/chassis-agent.js';
export { defaultBackoff } from './agent/backoff.js';
export type { BackoffPolicy } from '@vpcd/backoff';
