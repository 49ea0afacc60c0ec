import { loadPackageDefinition, messageTypes, queues } from '@vpcd/api';
import { startHttpServer, type Stoppable } from '@vpcd/observability';
import { createServer, PemFiles } from '@vpcd/rpc';
import type { SouthdConfig } from './config.js';
import type { SouthdDeps } from './deps.js';
import { deliverHandler } from './work/deliver.js';
import { HvflowdClients } from './work/hvflowd-clients.js';
import { KeyedPool } from './work/keyed-pool.js';
import { Unreachable } from './work/unreachable.js';

export interface Southd {
  readonly grpcPort: number;
  readonly metricsPort: number;
  /** In shutdown order: stop taking work, let running applies finish, then the rest. */
  readonly stoppables: readonly Stoppable[];
  stop(): Promise<void>;
}

/**
 * Starts southd: consumes converge work (manual acks, prefetch twice the workers so the pool
 * never starves) into a bounded, per-chassis-serial worker pool that applies it on hvflowd.
 * Its gRPC port serves health and reflection.
 */
export async function startSouthd(config: SouthdConfig, deps: SouthdDeps): Promise<Southd> {
  const { logger, registry, broker } = deps;
  const { hvflowdServerName } = config.tls;
  // One reader for the server and every hvflowd client: all follow renewals.
  const tlsFiles = PemFiles.fromPaths({
    ...config.tls,
    refreshIntervalMs: config.tlsRefreshIntervalMs,
    logger,
  });
  const clients = new HvflowdClients({
    logger,
    registry,
    tls: tlsFiles && { files: tlsFiles, serverName: hvflowdServerName },
    checkChassisIdentity: hvflowdServerName === undefined,
    allowFleetIdentities: config.allowFleetIdentities,
    bearerToken: config.token,
  });
  if (tlsFiles && hvflowdServerName !== undefined) {
    logger.warn(
      { variable: 'HVFLOWD_SERVER_NAME', name: hvflowdServerName },
      'HVFLOWD_SERVER_NAME: hvflowd certificates are checked for one shared name, not for the ' +
        'identity of the chassis dialled; use per-node certificates (CN hvflowd:<chassis>)',
    );
  }
  const pool = new KeyedPool({ capacity: config.workers, registry, name: 'southd_workers' });
  // One policy for both waits: a delivery's before its requeue, an address' before a probe.
  const retry = {
    initialDelayMs: config.retryDelayMs.initial,
    maxDelayMs: config.retryDelayMs.max,
    minDelayMs: config.retryDelayMs.initial,
  };
  // Hypervisors that do not answer may hold a quarter of the workers (probing them) and a
  // quarter of the prefetch (waiting out backoffs): the rest is for the chassis that answer.
  const unreachable = new Unreachable({
    registry,
    maxProbes: Math.max(1, Math.floor(config.workers / 4)),
    maxWaiting: Math.max(1, Math.floor(config.workers / 2)),
    backoff: retry,
  });
  const rpc = createServer({
    logger,
    registry,
    tracerProvider: deps.tracing?.tracerProvider,
    reflection: config.reflection ? loadPackageDefinition() : undefined,
    tls: tlsFiles?.hasIdentity ? { files: tlsFiles, clientCert: 'none' } : undefined,
  });
  // northd declares the topology: southd's broker user may only read the converge queue and
  // write to the acks exchange, so it waits for the queue rather than declaring it.
  await broker.start({});
  const consumer = await broker.consume(
    queues.convergeQueue,
    deliverHandler({
      broker,
      clients,
      pool,
      unreachable,
      logger,
      registry,
      applyTimeoutMs: config.applyTimeoutMs,
      retry,
    }),
    {
      prefetch: config.workers * 2,
      type: [messageTypes.chassisState, messageTypes.chassisDelta],
      awaitQueue: true,
    },
  );
  const grpcPort = await rpc.listen(config.grpcListen);
  if (config.healthListen !== undefined) await rpc.listenHealth(config.healthListen);
  const http = await startHttpServer({
    listen: config.metricsListen,
    registry,
    logger,
    readiness: () => broker.connected,
  });
  http.setReady(true);
  const stoppables: Stoppable[] = [
    { name: 'consumer', stop: () => consumer.cancel() },
    { name: 'broker', stop: () => broker.close() },
    { name: 'clients', stop: () => Promise.resolve(clients.closeAll()) },
    { name: 'grpc', stop: () => rpc.shutdown() },
    { name: 'tracing', stop: () => deps.tracing?.shutdown() ?? Promise.resolve() },
    { name: 'http', stop: () => http.close() },
  ];
  return {
    grpcPort,
    metricsPort: http.port,
    stoppables,
    async stop() {
      for (const s of stoppables) await s.stop();
    },
  };
}
