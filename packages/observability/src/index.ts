export { createLogger } from './logger.js';
export type { Logger, LoggerOptions } from './logger.js';
export { LogDestination } from './log-destination.js';
export { createRegistry } from './registry.js';
export type { Registry, RegistryOptions } from './registry.js';
export { createSaturationGauges } from './saturation-gauges.js';
export type { SaturationGaugeOptions, SaturationGauges } from './saturation-gauges.js';
export { startHttpServer } from './http-server.js';
export type { HealthCheck, HttpServer, HttpServerOptions } from './http-server.js';
export { parseListenAddress } from './listen-address.js';
export type { ListenAddress } from './listen-address.js';
export { startTracing } from './tracing.js';
export type { Tracing, TracingOptions } from './tracing.js';
export { loadTracingConfig } from './tracing-config.js';
export type { DiagLevelName, OtlpProtocol, SamplerName, TracingConfig } from './tracing-config.js';
export { EnvError } from './env-error.js';
export { EnvReader } from './env-reader.js';
export type { EnvIssue } from './env-error.js';
export { runUntilSignal, stopAll } from './run-until-signal.js';
export type { RunOptions, Stoppable } from './run-until-signal.js';
export { readHealthListen, readListen, readTracing } from './service-env.js';
export { readGrpcServiceConfig, readServiceConfig, tlsIdentity } from './service-config.js';
export type {
  GrpcServiceConfig,
  LogLevel,
  ServiceConfig,
  ServiceDefaults,
  TlsFiles,
} from './service-config.js';
export { createServiceDeps } from './service-deps.js';
export type { ServiceDeps } from './service-deps.js';
