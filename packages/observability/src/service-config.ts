import type { LevelWithSilent } from 'pino';
import type { EnvReader } from './env-reader.js';
import { readHealthListen, readListen, readTracing } from './service-env.js';
import type { TracingConfig } from './tracing-config.js';

/** LOG_LEVEL: pino's levels, so the value goes to the logger without a cast. */
export type LogLevel = LevelWithSilent;

const LOG_LEVELS: readonly LogLevel[] = [
  'trace',
  'debug',
  'info',
  'warn',
  'error',
  'fatal',
  'silent',
];

/** TLS_CERT, TLS_KEY and TLS_CA as given; the certificate and key are both set or both unset. */
export interface TlsFiles {
  readonly certFile: string | undefined;
  readonly keyFile: string | undefined;
  readonly caFile: string | undefined;
}

/** What every vpcd service reads from the same variables, with the same defaults. */
export interface ServiceConfig {
  /** METRICS_LISTEN: /metrics, /healthz and /readyz. */
  readonly metricsListen: string;
  /** LOG_LEVEL; default info. */
  readonly logLevel: LogLevel;
  readonly tls: TlsFiles;
  /** TLS_REFRESH_INTERVAL_MS: how often the TLS files are read again, for renewals; default 60 s. */
  readonly tlsRefreshIntervalMs: number;
  /** The OTEL_* variables, compiled; deps start tracing with exactly this. */
  readonly tracing: TracingConfig;
}

/** A service that serves gRPC: the base, its gRPC port, the health port and reflection. */
export interface GrpcServiceConfig extends ServiceConfig {
  /** GRPC_LISTEN. */
  readonly grpcListen: string;
  /** HEALTH_LISTEN: plaintext, grpc.health.v1 only; off when undefined. */
  readonly healthListen: string | undefined;
  /** GRPC_REFLECTION: serve gRPC server reflection (grpcurl, grpc_cli); default false. */
  readonly reflection: boolean;
}

export interface ServiceDefaults {
  /** The default service.name of the traces; OTEL_SERVICE_NAME overrides it. */
  readonly service: string;
  /** METRICS_LISTEN when unset. */
  readonly metricsListen: string;
}

/**
 * Reads the variables every service shares from `env`, recording problems in `r` with the
 * service's own so that one EnvError names them all. The caller calls `r.throwIfInvalid()`.
 */
export function readServiceConfig(
  r: EnvReader,
  env: NodeJS.ProcessEnv,
  defaults: ServiceDefaults,
): ServiceConfig {
  const tls = readTlsFiles(r);
  const tracing = readTracing(r, env, defaults.service);
  return {
    metricsListen: readListen(r, 'METRICS_LISTEN', defaults.metricsListen),
    logLevel: r.choice('LOG_LEVEL', LOG_LEVELS, 'info'),
    tls,
    tlsRefreshIntervalMs: r.integer('TLS_REFRESH_INTERVAL_MS', 100) ?? 60_000,
    // Undefined only when the reader holds its problems: throwIfInvalid() throws before use.
    tracing: tracing!,
  };
}

/**
 * readServiceConfig, and GRPC_LISTEN (default `defaults.grpcListen`), HEALTH_LISTEN (a port of
 * its own) and GRPC_REFLECTION.
 */
export function readGrpcServiceConfig(
  r: EnvReader,
  env: NodeJS.ProcessEnv,
  defaults: ServiceDefaults & { readonly grpcListen: string },
): GrpcServiceConfig {
  const base = readServiceConfig(r, env, defaults);
  const grpcListen = readListen(r, 'GRPC_LISTEN', defaults.grpcListen);
  return {
    ...base,
    grpcListen,
    healthListen: readHealthListen(r, {
      GRPC_LISTEN: grpcListen,
      METRICS_LISTEN: base.metricsListen,
    }),
    reflection: r.boolean('GRPC_REFLECTION'),
  };
}

/**
 * The files of a TLS identity when TLS_CERT and TLS_KEY are both set, for services whose TLS is
 * on or off as a whole; undefined otherwise.
 */
export function tlsIdentity(
  tls: TlsFiles,
): { certFile: string; keyFile: string; caFile: string | undefined } | undefined {
  const { certFile, keyFile, caFile } = tls;
  return certFile && keyFile ? { certFile, keyFile, caFile } : undefined;
}

function readTlsFiles(r: EnvReader): TlsFiles {
  const certFile = r.string('TLS_CERT');
  const keyFile = r.string('TLS_KEY');
  if ((certFile === undefined) !== (keyFile === undefined)) {
    r.report(certFile ? 'TLS_KEY' : 'TLS_CERT', 'TLS_CERT and TLS_KEY go together');
  }
  return { certFile, keyFile, caFile: r.string('TLS_CA') };
}
