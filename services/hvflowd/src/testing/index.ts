export { startOvsSandbox, ovsSandboxUnavailable } from './ovs-sandbox.js';
export type { OvsSandbox } from './ovs-sandbox.js';
export { ofprotoTrace, parseOfprotoTrace, traceFlowSpec } from './ofproto-trace.js';
export type { OfprotoOutput, OfprotoStep, OfprotoTrace } from './ofproto-trace.js';
export { monitorFlows } from './flow-monitor.js';
export type { FlowEvent, FlowMonitor } from './flow-monitor.js';
