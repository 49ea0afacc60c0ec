import type { ChannelOptions } from '@grpc/grpc-js';
import type { TracerProvider } from '@opentelemetry/api';
import type { PackageDefinition } from '@grpc/proto-loader';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { ServerTlsOptions } from './tls.js';
import type { ServerLayer } from './server-layer.js';

export interface KeepaliveOptions {
  /** Ping a client after this long without activity; default 30 s. */
  readonly timeMs: number;
  /** Close the connection when a ping is not answered within this; default 10 s. */
  readonly timeoutMs: number;
  /** Close connections idle this long; default 15 min. */
  readonly maxConnectionIdleMs: number;
  /**
   * Ask clients to reconnect after this long (grpc-js adds jitter), so load spreads over new
   * replicas; default 10 min.
   */
  readonly maxConnectionAgeMs: number;
  /** Time given to calls in flight on a connection past its age; default 30 s. */
  readonly maxConnectionAgeGraceMs: number;
}

export interface ServerOptions {
  readonly logger: Logger;
  /** Where the grpc_server_* metrics go; the caller owns it (nothing registers globally). */
  readonly registry: Registry;
  /** Default: the global tracer provider (a no-op until the OpenTelemetry SDK is started). */
  readonly tracerProvider?: TracerProvider;
  /** Plaintext when absent (local development only; logged as a warning at listen). */
  readonly tls?: ServerTlsOptions;
  /** Larger request messages are refused with RESOURCE_EXHAUSTED; default 4 MiB. */
  readonly maxReceiveMessageBytes?: number;
  /** Default 16 MiB. */
  readonly maxSendMessageBytes?: number;
  /** Concurrent calls per connection; default 1000. */
  readonly maxConcurrentStreams?: number;
  readonly keepalive?: Partial<KeepaliveOptions>;
  /**
   * After shutdown() reports NOT_SERVING, keep accepting calls this long so load balancers see
   * it before the listener closes; default 0.
   */
  readonly notServingDelayMs?: number;
  /** Calls still running this long after shutdown() began are cancelled; default 10 s. */
  readonly shutdownTimeoutMs?: number;
  /**
   * Descriptors for server reflection (buf curl, grpcurl): it serves their files and lists the
   * services this server serves, plus health. Reflection is off without them.
   */
  readonly reflection?: PackageDefinition;
  /**
   * Layers of the service's own (authentication, say), run after the default ones, so their
   * outcomes are counted, traced and logged.
   */
  readonly layers?: readonly ServerLayer[];
  /** Further grpc-js channel options; they win over the ones derived above. */
  readonly channelOptions?: ChannelOptions;
}

export type CompiledServerOptions = Readonly<
  Required<Omit<ServerOptions, 'tls' | 'reflection' | 'tracerProvider' | 'keepalive'>> & {
    tls: ServerTlsOptions | undefined;
    reflection: PackageDefinition | undefined;
    tracerProvider: TracerProvider | undefined;
    keepalive: KeepaliveOptions;
  }
>;

const defaultKeepalive: KeepaliveOptions = {
  timeMs: 30_000,
  timeoutMs: 10_000,
  maxConnectionIdleMs: 15 * 60_000,
  maxConnectionAgeMs: 10 * 60_000,
  maxConnectionAgeGraceMs: 30_000,
};

function positive(name: string, value: number, problems: string[]): void {
  if (!Number.isFinite(value) || value < 0) problems.push(`${name} must be a number >= 0`);
}

/** Applies the defaults and checks every setting, naming every bad one in one error. */
export function compileServerOptions(options: ServerOptions): CompiledServerOptions {
  const compiled = {
    maxReceiveMessageBytes: 4 * 1024 * 1024,
    maxSendMessageBytes: 16 * 1024 * 1024,
    maxConcurrentStreams: 1000,
    notServingDelayMs: 0,
    shutdownTimeoutMs: 10_000,
    channelOptions: {},
    layers: [],
    ...options,
    tls: options.tls,
    reflection: options.reflection,
    tracerProvider: options.tracerProvider,
    keepalive: { ...defaultKeepalive, ...options.keepalive },
  };
  const problems: string[] = [];
  for (const key of [
    'maxReceiveMessageBytes',
    'maxSendMessageBytes',
    'maxConcurrentStreams',
    'notServingDelayMs',
    'shutdownTimeoutMs',
  ] as const) {
    positive(key, compiled[key], problems);
  }
  for (const [key, value] of Object.entries(compiled.keepalive)) {
    positive(`keepalive.${key}`, value, problems);
  }
  if (problems.length > 0) throw new Error(`invalid server options: ${problems.join('; ')}`);
  return Object.freeze(compiled);
}

export function grpcServerChannelOptions(o: CompiledServerOptions): ChannelOptions {
  return {
    'grpc.max_receive_message_length': o.maxReceiveMessageBytes,
    'grpc.max_send_message_length': o.maxSendMessageBytes,
    'grpc.max_concurrent_streams': o.maxConcurrentStreams,
    'grpc.keepalive_time_ms': o.keepalive.timeMs,
    'grpc.keepalive_timeout_ms': o.keepalive.timeoutMs,
    'grpc.max_connection_idle_ms': o.keepalive.maxConnectionIdleMs,
    'grpc.max_connection_age_ms': o.keepalive.maxConnectionAgeMs,
    'grpc.max_connection_age_grace_ms': o.keepalive.maxConnectionAgeGraceMs,
    // channelz bookkeeping costs on every call and nothing here reads it.
    'grpc.enable_channelz': 0,
    ...o.channelOptions,
  };
}
