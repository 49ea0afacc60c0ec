import {
  EnvReader,
  readGrpcServiceConfig,
  type GrpcServiceConfig,
  type TlsFiles,
} from '@vpcd/observability';
import { readBusConfig, type BusConfig } from '@vpcd/messaging';

/** The shared service settings (listen addresses, LOG_LEVEL, TLS, tracing) and southd's own. */
export interface SouthdConfig extends GrpcServiceConfig {
  readonly amqpUrl: string;
  /** Applies running at once. */
  readonly workers: number;
  readonly applyTimeoutMs: number;
  readonly retryDelayMs: { initial: number; max: number };
  /** Bearer token for hvflowd, when it asks for one. */
  readonly token: string | undefined;
  readonly tls: TlsFiles & {
    /**
     * HVFLOWD_SERVER_NAME: one name every hvflowd's certificate carries (a certificate shared by
     * every hypervisor), checked instead of the chassis identity. Undefined (the default): the
     * certificate of the hvflowd dialled for chassis X must name X (CN hvflowd:X, or
     * hvflowd-fleet:<prefix> for a simulated chassis <prefix>-NNNN where allowFleetIdentities).
     */
    readonly hvflowdServerName: string | undefined;
  };
  /**
   * ALLOW_FLEET_IDENTITIES: accept an hvflowd certificate of a simulated fleet
   * (hvflowd-fleet:<prefix>, acting for every chassis <prefix>-NNNN); default false. Only
   * benchmarks and tests run a fleet.
   */
  readonly allowFleetIdentities: boolean;
  /** The broker: bus signing keys and amqps TLS files; see readBusConfig. */
  readonly bus: BusConfig;
}

/** Reads and checks the whole configuration; throws one EnvError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv): SouthdConfig {
  const r = new EnvReader(env);
  const base = readGrpcServiceConfig(r, env, {
    service: 'southd',
    grpcListen: '0.0.0.0:50052',
    metricsListen: '0.0.0.0:9102',
  });
  const amqpUrl = r.string('AMQP_URL') ?? '';
  if (amqpUrl === '') r.report('AMQP_URL', 'required: amqp://user:password@host:5672');
  else if (!(URL.canParse(amqpUrl) && ['amqp:', 'amqps:'].includes(new URL(amqpUrl).protocol))) {
    r.report('AMQP_URL', 'not an amqp:// or amqps:// URL');
  }
  const config: SouthdConfig = {
    ...base,
    amqpUrl,
    workers: r.integer('SOUTHD_WORKERS', 1) ?? 32,
    applyTimeoutMs: r.integer('APPLY_TIMEOUT_MS', 100) ?? 10_000,
    retryDelayMs: {
      initial: r.integer('RETRY_INITIAL_DELAY_MS', 1) ?? 200,
      max: r.integer('RETRY_MAX_DELAY_MS', 1) ?? 5_000,
    },
    token: r.string('VPCD_TOKEN'),
    tls: { ...base.tls, hvflowdServerName: r.string('HVFLOWD_SERVER_NAME') },
    allowFleetIdentities: r.boolean('ALLOW_FLEET_IDENTITIES'),
    bus: readBusConfig(r),
  };
  r.throwIfInvalid();
  return Object.freeze(config);
}
