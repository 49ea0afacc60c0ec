export { runHammer } from './run/run-hammer.js';
export type { HammerOptions } from './run/run-hammer.js';
export type { Progress } from './run/progress.js';
export { createGrpcTarget } from './grpc/grpc-target.js';
export type { GrpcTargetOptions } from './grpc/grpc-target.js';
export type { SetupOptions } from './grpc/fixture.js';
export { createDhcpTarget, dhcpCallNames } from './dhcp/dhcp-target.js';
export type { DhcpTargetOptions } from './dhcp/dhcp-target.js';
export { DhcpCallError } from './dhcp/dhcp-call-error.js';
export type { DhcpCallErrorCode } from './dhcp/dhcp-call-error.js';
export type { CallOutcome, Target, TargetSummary } from './target.js';
export { parseMix } from './mix.js';
export type { Mix } from './mix.js';
export { renderHtml } from './report/html.js';
export { writeReport } from './report/write-report.js';
export type {
  CallReport,
  LatencySummaryMs,
  PercentilePoint,
  Report,
  TimelinePoint,
} from './report/report.js';
export { HammerError, isHammerError } from './hammer-error.js';
export type { HammerErrorKind } from './hammer-error.js';
export { runCli } from './cli/run-cli.js';
