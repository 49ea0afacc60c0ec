export { compileChassis, compileFlows, type ChassisCompilation } from './compile.js';
export { CompiledChassis, type ChangedState } from './compiled-chassis.js';
export {
  checkPort,
  vpcProblems,
  isGatewayRangeMac,
  GATEWAY_MAC_RANGE,
  PORT_REJECT_REASONS,
  type PortFields,
  type PortProblem,
  type PortRejectReason,
  type VpcFields,
} from './port-validator.js';
export { screenChassisState, type RejectedPort, type ScreenedState } from './screen-state.js';
export { HeldState, type StateChange } from './held-state.js';
export { StateScreen } from './state-screen.js';
export type { CompileOptions } from './chassis-plan.js';
export { flowKey, renderFlow, compareFlows, sortFlows, sameFlow, type Flow } from './flow.js';
export { cookieFor } from './cookie.js';
export { diff, applyDiff, renderFlowMods, type FlowDiff } from './diff.js';
export { flowDigest, DigestSum, stateHash } from './state-hash.js';
export { contentHash } from './content-hash.js';
export { applyDelta, deltaBetween } from './chassis-delta.js';
export { parseFlowLine, parseFlowDump } from './flow-line.js';
export {
  createTracer,
  trace,
  type Tracer,
  type TraceAction,
  type TraceResult,
  type TraceStep,
} from './tracer.js';
export type { TracePacket } from './trace-packet.js';
export {
  gatewayMac,
  VNI_MAX,
  TABLE_CLASSIFY,
  TABLE_FORWARD,
  TABLE_DHCP,
  DHCP_STEER_GROUP,
  DHCP_UNICAST_GROUP,
} from './pipeline.js';
export { FlowsError, isFlowsError, hasFlowsCode, type FlowsErrorCode } from './flows-error.js';
