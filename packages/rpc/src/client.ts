import type {
  CallOptions,
  ChannelOptions,
  Client,
  ClientUnaryCall,
  Interceptor,
  Metadata,
  ServiceDefinition,
  ServiceError,
} from '@grpc/grpc-js';
import { Metadata as GrpcMetadata, type ChannelCredentials } from '@grpc/grpc-js';
import { trace, type TracerProvider } from '@opentelemetry/api';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { ensureContextManager } from './context-manager.js';
import type { ClientLayer } from './client-layer.js';
import { clientLayersInterceptor } from './client-layers-interceptor.js';
import { clientBearerLayer } from './interceptors/client-bearer.js';
import { clientLoggingLayer } from './interceptors/client-logging.js';
import { clientMetricsLayer } from './interceptors/client-metrics.js';
import { clientTracingLayer } from './interceptors/client-tracing.js';
import { RpcError } from './rpc-error.js';
import { channelCredentials, type ClientTlsOptions } from './tls.js';

export interface ClientOptions {
  /** gRPC target: `host:port`, `dns:///host:port`, `unix:///path`. */
  readonly address: string;
  readonly logger: Logger;
  readonly registry: Registry;
  readonly tracerProvider?: TracerProvider;
  /** Plaintext when absent. */
  readonly tls?: ClientTlsOptions;
  /** Deadline of a call that sets none; default 10 s; 0 means none. */
  readonly defaultDeadlineMs?: number;
  /** Default 16 MiB. */
  readonly maxReceiveMessageBytes?: number;
  /** Ping the server after this long without activity; default 30 s. */
  readonly keepaliveTimeMs?: number;
  readonly channelOptions?: ChannelOptions;
  /** Bearer token sent as `authorization: Bearer <token>` on every call. */
  readonly bearerToken?: string;
}

/** A ts-proto (outputServices=grpc-js) client constructor. */
export interface ClientConstructor<C extends Client> {
  new (
    address: string,
    creds: ChannelCredentials,
    options?: ChannelOptions & { interceptors?: Interceptor[] },
  ): C;
  readonly service: ServiceDefinition;
}

export interface CallSettings {
  readonly metadata?: Metadata;
  /** Overrides the client's default deadline for this call. */
  readonly deadlineMs?: number;
}

type UnaryMethod<Req, Res> = (
  request: Req,
  metadata: Metadata,
  options: Partial<CallOptions>,
  callback: (error: ServiceError | null, response: Res) => void,
) => ClientUnaryCall;

/** The unary methods of a generated client, returning promises that reject with RpcError. */
export type PromiseClient<C> = {
  [
    K in keyof C as C[K] extends UnaryMethod<infer _Req, infer _Res> ? K : never
  ]: C[K] extends UnaryMethod<infer Req, infer Res>
    ? (request: Req, settings?: CallSettings) => Promise<Res>
    : never;
} & {
  /** The grpc-js client, for streaming calls. */
  readonly grpc: C;
  /** Closes the channel; calls in flight fail. */
  close(): void;
};

/**
 * Creates a client with the default layers (deadline, tracing, metrics, logging) whose
 * unary methods return promises.
 */
export function createClient<C extends Client>(
  Ctor: ClientConstructor<C>,
  options: ClientOptions,
): PromiseClient<C> {
  ensureContextManager();
  const tracer = (options.tracerProvider ?? trace.getTracerProvider()).getTracer('@vpcd/rpc');
  const layers: ClientLayer[] = [
    clientTracingLayer(tracer),
    clientMetricsLayer(options.registry, Ctor.service),
    clientLoggingLayer(options.logger, options.address),
  ];
  if (options.bearerToken !== undefined) layers.push(clientBearerLayer(options.bearerToken));
  const client = new Ctor(options.address, channelCredentials(options.tls), {
    'grpc.max_receive_message_length': options.maxReceiveMessageBytes ?? 16 * 1024 * 1024,
    'grpc.keepalive_time_ms': options.keepaliveTimeMs ?? 30_000,
    'grpc.keepalive_timeout_ms': 10_000,
    'grpc.keepalive_permit_without_calls': 1,
    'grpc.enable_channelz': 0,
    // grpc-js backs reconnects off up to 2 minutes; a peer back from a restart must be found
    // within seconds (southd -> a restarted hvflowd), so the cap is 5 s.
    'grpc.initial_reconnect_backoff_ms': 100,
    'grpc.max_reconnect_backoff_ms': 5_000,
    // Verify the server certificate against this name instead of the address' host.
    ...(options.tls?.serverName ? { 'grpc.ssl_target_name_override': options.tls.serverName } : {}),
    ...options.channelOptions,
    interceptors: [clientLayersInterceptor(layers, options.defaultDeadlineMs ?? 10_000)],
  });
  const promised: Record<string, unknown> = {
    grpc: client,
    close: () => client.close(),
  };
  for (const [name, def] of Object.entries(Ctor.service)) {
    if (def.requestStream || def.responseStream) continue;
    const method = (client as unknown as Record<string, UnaryMethod<unknown, unknown>>)[name];
    if (typeof method !== 'function') continue;
    promised[name] = (request: unknown, settings: CallSettings = {}) =>
      new Promise((resolve, reject) => {
        const callOptions: Partial<CallOptions> =
          settings.deadlineMs === undefined ? {} : { deadline: Date.now() + settings.deadlineMs };
        method.call(
          client,
          request,
          settings.metadata ?? new GrpcMetadata(),
          callOptions,
          (err, response) => (err ? reject(RpcError.from(err)) : resolve(response)),
        );
      });
  }
  return promised as PromiseClient<C>;
}
