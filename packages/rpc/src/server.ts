import { Server, type ServiceDefinition, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { trace } from '@opentelemetry/api';
import { sleep } from '@vpcd/backoff';
import { HealthImplementation, service as healthDefinition } from 'grpc-health-check';
import { ensureContextManager } from './context-manager.js';
import { guardDeserialize } from './decode-failure.js';
import { destroySessions, http2Servers, useStreamTable } from './private-state.js';
import { HealthServer } from './health-server.js';
import {
  toGrpcImplementation,
  type AsyncServiceImplementation,
  type UnaryServiceDefinition,
} from './handler.js';
import { serverDeadlineLayer } from './interceptors/server-deadline.js';
import { serverDecodeLayer } from './interceptors/server-decode.js';
import { serverLoggingLayer } from './interceptors/server-logging.js';
import { serverMetricsLayer } from './interceptors/server-metrics.js';
import { serverTracingLayer } from './interceptors/server-tracing.js';
import { describeService, type MethodInfo } from './method.js';
import { stopPretenuring } from './pretenuring.js';
import {
  compileServerOptions,
  grpcServerChannelOptions,
  type CompiledServerOptions,
  type ServerOptions,
} from './server-options.js';
import { addReflection } from './reflection.js';
import { serverLayersInterceptor } from './server-layers-interceptor.js';
import { rejectInvalidClientCert, serverCredentials } from './tls.js';
import { routeUnknownMethods } from './unimplemented.js';

/**
 * A gRPC server with the default layers (metrics, tracing, deadline propagation, logging),
 * grpc.health.v1.Health, optional reflection, and graceful shutdown.
 * Add every service before listen().
 *
 * So that a call's objects die young, it keeps each connection's open streams in a StreamTable
 * and turns off V8's allocation-site pretenuring for the process (see stopPretenuring).
 */
export class RpcServer {
  readonly health = new HealthImplementation({ '': 'SERVING' });
  private readonly grpc: Server;
  private readonly methods = new Map<string, MethodInfo>();
  private readonly registerMetrics: (info: MethodInfo) => void;
  private readonly services: string[] = [];
  private reflectionAdded = false;
  private healthServer: HealthServer | undefined;
  private shutdownPromise: Promise<void> | undefined;
  private forced = false;
  private onForced: () => void = () => undefined;

  constructor(private readonly options: CompiledServerOptions) {
    ensureContextManager();
    stopPretenuring();
    const tracer = (options.tracerProvider ?? trace.getTracerProvider()).getTracer('@vpcd/rpc');
    const metrics = serverMetricsLayer(options.registry);
    this.registerMetrics = (info) => metrics.register(info);
    this.grpc = new Server({
      ...grpcServerChannelOptions(options),
      // In order: the service's own layers (auth) run in the span's context, and their
      // outcomes are counted, traced and logged.
      interceptors: [
        serverLayersInterceptor(
          [
            metrics.layer,
            serverTracingLayer(tracer),
            serverDeadlineLayer,
            serverLoggingLayer(options.logger),
            serverDecodeLayer,
            ...options.layers,
          ],
          this.methods,
          options.logger,
        ),
      ],
    });
    routeUnknownMethods(this.grpc);
    this.health.addToServer(this.grpc);
    this.recordMethods(healthDefinition);
  }

  /** Serves a service implemented with async functions (see AsyncServiceImplementation). */
  add<D extends UnaryServiceDefinition>(
    definition: D,
    implementation: AsyncServiceImplementation<D>,
  ): void {
    this.addGrpcService(
      definition,
      toGrpcImplementation(definition, implementation, this.options.logger),
    );
  }

  /** Serves a service implemented with grpc-js's own handler signatures (streams included). */
  addGrpcService(
    definition: ServiceDefinition,
    implementation: UntypedServiceImplementation,
  ): void {
    const guarded = Object.fromEntries(
      Object.entries(definition).map(([name, method]) => [
        name,
        { ...method, requestDeserialize: guardDeserialize(method.requestDeserialize) },
      ]),
    ) as ServiceDefinition;
    this.grpc.addService(guarded, implementation);
    const infos = this.recordMethods(definition);
    const service = infos[0]?.service;
    if (service) {
      this.services.push(service);
      this.health.setStatus(service, 'SERVING');
    }
  }

  /**
   * Listens on `address` (`host:port`; port 0 picks a free one) and resolves the bound port.
   * May be called for several addresses.
   */
  async listen(address: string): Promise<number> {
    if (this.options.reflection && !this.reflectionAdded) {
      addReflection(this.grpc, this.options.reflection, this.services);
      this.reflectionAdded = true;
    }
    const creds = serverCredentials(this.options.tls);
    if (!this.options.tls) {
      this.options.logger.warn({ address }, 'gRPC listening in plaintext: local development only');
    }
    const port = await new Promise<number>((resolve, reject) => {
      this.grpc.bindAsync(address, creds, (err, bound) => (err ? reject(err) : resolve(bound)));
    });
    for (const http2Server of http2Servers(this.grpc)) {
      if (!http2Server.listeners('session').includes(useStreamTable)) {
        http2Server.on('session', useStreamTable);
      }
    }
    if (this.options.tls?.clientCert === 'optional') {
      for (const http2Server of http2Servers(this.grpc)) {
        if (http2Server.listeners('secureConnection').includes(rejectInvalidClientCert)) continue;
        http2Server.prependListener('secureConnection', rejectInvalidClientCert);
      }
    }
    this.options.logger.info({ address, port }, 'gRPC server listening');
    return port;
  }

  /**
   * Also serves grpc.health.v1.Health, and only it, in plaintext on `address` (`host:port`;
   * port 0 picks a free one), with this server's status: for probes that cannot speak TLS
   * (kubelet's). Closed when this server stops. Call it after listen(), so the port does not
   * answer SERVING before the API accepts calls. Resolves the bound port.
   */
  listenHealth(address: string): Promise<number> {
    this.healthServer ??= new HealthServer(this.health, this.options.logger);
    return this.healthServer.listen(address);
  }

  /**
   * Reports NOT_SERVING, keeps serving for notServingDelayMs, stops accepting calls, waits for
   * the calls in flight, and cancels those still running at shutdownTimeoutMs. Safe to call
   * more than once; every caller gets the same promise.
   */
  shutdown(): Promise<void> {
    this.shutdownPromise ??= this.drain();
    return this.shutdownPromise;
  }

  /** Cancels every call and closes every connection at once. */
  forceShutdown(): void {
    this.forced = true;
    destroySessions(this.grpc);
    this.grpc.forceShutdown();
    this.healthServer?.close();
    this.onForced();
  }

  private async drain(): Promise<void> {
    const { logger, notServingDelayMs, shutdownTimeoutMs } = this.options;
    if (this.forced) return;
    const deadlineMs = Date.now() + shutdownTimeoutMs;
    for (const service of ['', ...this.services]) this.health.setStatus(service, 'NOT_SERVING');
    logger.info({ notServingDelayMs, shutdownTimeoutMs }, 'gRPC server draining');
    if (notServingDelayMs > 0) await sleep(Math.min(notServingDelayMs, shutdownTimeoutMs));
    if (this.forced) return;
    let timer: NodeJS.Timeout | undefined;
    const outcome = await new Promise<'drained' | 'timeout' | 'forced'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), Math.max(0, deadlineMs - Date.now()));
      this.onForced = () => resolve('forced');
      this.grpc.tryShutdown(() => resolve('drained'));
    });
    clearTimeout(timer);
    if (outcome === 'timeout') {
      logger.warn('gRPC server drain timed out: cancelling the calls still running');
      this.forceShutdown();
    }
    // The health port answers NOT_SERVING for the whole drain, and closes with the server.
    this.healthServer?.close();
    logger.info('gRPC server stopped');
  }

  private recordMethods(definition: ServiceDefinition): MethodInfo[] {
    const infos = describeService(definition);
    for (const info of infos) {
      this.methods.set(info.path, info);
      this.registerMetrics(info);
    }
    return infos;
  }
}

/** Validates the options and builds a server; see RpcServer. */
export function createServer(options: ServerOptions): RpcServer {
  return new RpcServer(compileServerOptions(options));
}
