import {
  EnvReader,
  readHealthListen,
  readListen,
  readTracing,
  type TracingConfig,
} from '@vpcd/observability';
import { readBusConfig, type BusConfig } from '@vpcd/messaging';

export interface SouthdConfig {
  readonly grpcListen: string;
  readonly metricsListen: string;
  /** HEALTH_LISTEN: plaintext, grpc.health.v1 only; off when undefined. */
  readonly healthListen: string | undefined;
  readonly amqpUrl: string;
  /** Applies running at once. */
  readonly workers: number;
  readonly applyTimeoutMs: number;
  readonly retryDelayMs: { initial: number; max: number };
  /** Bearer token for hvflowd, when it asks for one. */
  readonly token: string | undefined;
  /** GRPC_REFLECTION: serve gRPC server reflection (grpcurl, grpc_cli); default false. */
  readonly reflection: boolean;
  readonly logLevel: string;
  readonly tls: {
    certFile: string | undefined;
    keyFile: string | undefined;
    caFile: string | undefined;
    /**
     * HVFLOWD_SERVER_NAME: one name every hvflowd's certificate carries (a certificate shared by
     * every hypervisor), checked instead of the chassis identity. Undefined (the default): the
     * certificate of the hvflowd dialled for chassis X must name X (CN hvflowd:X, or
     * hvflowd-fleet:<prefix> for a simulated chassis <prefix>-NNNN).
     */
    hvflowdServerName: string | undefined;
  };
  /** TLS_REFRESH_INTERVAL_MS: how often the TLS files are read again, for renewals; default 60 s. */
  readonly tlsRefreshIntervalMs: number;
  readonly tracing: TracingConfig;
  /** The broker: bus signing keys and amqps TLS files; see readBusConfig. */
  readonly bus: BusConfig;
}

/** Reads and checks the whole configuration; throws one EnvError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv): SouthdConfig {
  const r = new EnvReader(env);
  const listen = (name: string, fallback: string) => readListen(r, name, fallback);
  const amqpUrl = r.string('AMQP_URL') ?? '';
  if (amqpUrl === '') r.report('AMQP_URL', 'required: amqp://user:password@host:5672');
  else if (!(URL.canParse(amqpUrl) && ['amqp:', 'amqps:'].includes(new URL(amqpUrl).protocol))) {
    r.report('AMQP_URL', 'not an amqp:// or amqps:// URL');
  }
  const certFile = r.string('TLS_CERT');
  const keyFile = r.string('TLS_KEY');
  if ((certFile === undefined) !== (keyFile === undefined)) {
    r.report(certFile ? 'TLS_KEY' : 'TLS_CERT', 'TLS_CERT and TLS_KEY go together');
  }
  const tracing = readTracing(r, env, 'southd');
  const grpcListen = listen('GRPC_LISTEN', '0.0.0.0:50052');
  const metricsListen = listen('METRICS_LISTEN', '0.0.0.0:9102');
  const config: SouthdConfig = {
    grpcListen,
    metricsListen,
    healthListen: readHealthListen(r, { GRPC_LISTEN: grpcListen, METRICS_LISTEN: metricsListen }),
    amqpUrl,
    workers: r.integer('SOUTHD_WORKERS', 1) ?? 32,
    applyTimeoutMs: r.integer('APPLY_TIMEOUT_MS', 100) ?? 10_000,
    retryDelayMs: {
      initial: r.integer('RETRY_INITIAL_DELAY_MS', 1) ?? 200,
      max: r.integer('RETRY_MAX_DELAY_MS', 1) ?? 5_000,
    },
    token: r.string('VPCD_TOKEN'),
    reflection: r.boolean('GRPC_REFLECTION'),
    logLevel: r.choice(
      'LOG_LEVEL',
      ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'],
      'info',
    ),
    tls: {
      certFile,
      keyFile,
      caFile: r.string('TLS_CA'),
      hvflowdServerName: r.string('HVFLOWD_SERVER_NAME'),
    },
    tlsRefreshIntervalMs: r.integer('TLS_REFRESH_INTERVAL_MS', 100) ?? 60_000,
    tracing: tracing!,
    bus: readBusConfig(r),
  };
  r.throwIfInvalid();
  return Object.freeze(config);
}
