import {
  ChassisServiceClient,
  HvflowdServiceService,
  loadPackageDefinition,
  maxStateMessageBytes,
} from '@vpcd/api';
import {
  parseListenAddress,
  startHttpServer,
  type HttpServer,
  type Stoppable,
} from '@vpcd/observability';
import { createClient, createServer, PemFiles, type RpcServer } from '@vpcd/rpc';
import type { BackoffPolicy } from './agent/backoff.js';
import { southdOnlyLayer } from './auth/southd-only.js';
import { ChassisAgent } from './agent/chassis-agent.js';
import { concurrencyLimit } from './agent/concurrency-limit.js';
import { ChassisRuntime } from './chassis/chassis-runtime.js';
import { hostedChassis } from './chassis/hosted-chassis.js';
import { createHvflowdMetrics } from './chassis/hvflowd-metrics.js';
import type { HvflowdConfig } from './config.js';
import { OvsDatapath } from './datapath/ovs-datapath.js';
import { registerOvsMetrics } from './datapath/ovs-metrics.js';
import type { HvflowdDeps } from './deps.js';
import { hvflowdHandlers } from './handlers/hvflowd.js';

/** Logged at start when HVFLOWD_INSECURE_DEV leaves hvflowd open. */
export const INSECURE_DEV_WARNING =
  'HVFLOWD_INSECURE_DEV: hvflowd verifies no client certificate; anyone who reaches ' +
  'GRPC_LISTEN can program its chassis (local development only)';

/** How many simulated chassis register and sync with northd at once. */
export const FLEET_SYNC_CONCURRENCY = 16;

export interface StartOptions {
  /** Retry delays towards northd; default 200 ms doubling to 10 s. */
  readonly backoff?: BackoffPolicy;
}

/** A running hvflowd: its HvflowdService, its chassis, their agents and the ops endpoint. */
export interface Hvflowd {
  readonly grpcPort: number;
  readonly metricsPort: number;
  /** host:port registered with northd as hvflowd_addr. */
  readonly address: string;
  readonly chassis: ReadonlyMap<string, ChassisRuntime>;
  /** Resolves once every chassis applied its initial sync (then /readyz answers 200). */
  readonly synced: Promise<void>;
  readonly rpc: RpcServer;
  /** In shutdown order: API (drain), agents, northd client, tracing, HTTP last. */
  readonly stoppables: readonly Stoppable[];
  stop(): Promise<void>;
}

export async function startHvflowd(
  config: HvflowdConfig,
  deps: HvflowdDeps,
  options: StartOptions = {},
): Promise<Hvflowd> {
  const { logger, registry } = deps;
  const metrics = createHvflowdMetrics(registry);
  const hosted = hostedChassis(config, deps.exec);
  metrics.applyQueue.setCapacity(hosted.length);
  const chassis = new Map(
    hosted.map((h) => [
      h.chassisId,
      new ChassisRuntime({
        chassisId: h.chassisId,
        datapath: h.datapath,
        metrics,
        logger,
        tracerProvider: deps.tracing?.tracerProvider,
      }),
    ]),
  );
  for (const { datapath } of hosted) {
    if (datapath instanceof OvsDatapath) registerOvsMetrics(registry, datapath, { logger });
  }

  // One reader for the server and the northd client: both follow renewals.
  const tlsFiles = PemFiles.fromPaths({
    ...config.tls,
    refreshIntervalMs: config.tlsRefreshIntervalMs,
    logger,
  });
  // southd is the only caller: it must present a certificate the CA signed, naming southd.
  // Without a client CA (HVFLOWD_INSECURE_DEV only) nobody is authenticated.
  const verifiesClients = tlsFiles?.hasCa === true;
  if (!verifiesClients) {
    logger.warn(
      { variable: 'HVFLOWD_INSECURE_DEV', listen: config.grpcListen, tls: tlsFiles !== undefined },
      INSECURE_DEV_WARNING,
    );
  }
  const rpc = createServer({
    logger,
    registry,
    tracerProvider: deps.tracing?.tracerProvider,
    reflection: config.reflection ? loadPackageDefinition() : undefined,
    tls: tlsFiles && { files: tlsFiles, clientCert: verifiesClients ? 'require' : 'none' },
    layers: verifiesClients ? [southdOnlyLayer()] : [],
    // The largest state northd lets exist, with its envelope (see @vpcd/api limits).
    maxReceiveMessageBytes: maxStateMessageBytes,
  });
  rpc.add(HvflowdServiceService, hvflowdHandlers({ mode: config.chassis.kind, chassis }));
  const grpcPort = await rpc.listen(config.grpcListen);
  if (config.healthListen !== undefined) await rpc.listenHealth(config.healthListen);
  const address =
    config.hvflowdAddr ?? advertisedAddress(config.grpcListen, grpcPort, config.hostname);

  const northd = createClient(ChassisServiceClient, {
    address: config.northdAddr,
    logger,
    registry,
    tracerProvider: deps.tracing?.tracerProvider,
    tls: tlsFiles && { files: tlsFiles },
    bearerToken: config.token,
    // SyncInitialChassis answers with the full state.
    maxReceiveMessageBytes: maxStateMessageBytes,
  });
  const limit = concurrencyLimit(
    config.chassis.kind === 'fleet' ? FLEET_SYNC_CONCURRENCY : 1,
    metrics.syncPool,
  );
  const agents = hosted.map(
    (h, i) =>
      new ChassisAgent({
        runtime: chassis.get(h.chassisId)!,
        northd,
        registration: { hostname: config.hostname, underlayIp: h.underlayIp, hvflowdAddr: address },
        heartbeatIntervalMs: config.heartbeatIntervalMs,
        // Spread a fleet's heartbeats evenly over the interval.
        heartbeatOffsetMs: Math.floor((i * config.heartbeatIntervalMs) / hosted.length),
        backoff: options.backoff,
        limit,
        metrics,
        logger,
      }),
  );
  const http: HttpServer = await startHttpServer({
    listen: config.metricsListen,
    registry,
    logger,
    readiness: () => agents.every((agent) => agent.ready),
  });
  http.setReady(true);
  for (const agent of agents) agent.start();

  const stoppables: Stoppable[] = [
    { name: 'grpc', stop: () => rpc.shutdown() },
    { name: 'agents', stop: async () => void (await Promise.all(agents.map((a) => a.stop()))) },
    { name: 'northd-client', stop: () => Promise.resolve(northd.close()) },
    { name: 'tracing', stop: () => deps.tracing?.shutdown() ?? Promise.resolve() },
    { name: 'http', stop: () => http.close() },
  ];
  return {
    grpcPort,
    metricsPort: http.port,
    address,
    chassis,
    synced: Promise.all(agents.map((agent) => agent.synced)).then(() => undefined),
    rpc,
    stoppables,
    async stop() {
      for (const s of stoppables) await s.stop();
    },
  };
}

/**
 * What northd should dial: the GRPC_LISTEN host with the bound port, or this host's name when
 * listening on every interface.
 */
export function advertisedAddress(listen: string, port: number, hostname: string): string {
  const { host } = parseListenAddress(listen);
  const anyHost = host === undefined || host === '0.0.0.0' || host === '::';
  return `${anyHost ? hostname : host}:${port}`;
}
