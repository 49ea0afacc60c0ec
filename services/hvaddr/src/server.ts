import { ChassisServiceClient } from '@vpcd/api';
import { startHttpServer, type Stoppable } from '@vpcd/observability';
import { createClient, PemFiles } from '@vpcd/rpc';
import { BindingTable } from './bindings/binding-table.js';
import { BindingsRefresher } from './bindings/refresher.js';
import type { HvaddrConfig } from './config.js';
import type { HvaddrDeps } from './deps.js';
import { createDatagramHandler } from './dhcp/handle-datagram.js';
import { EwmaLimiter } from './limit/ewma-limiter.js';
import { registerLimiterCollector } from './limit/limiter-collector.js';
import { createHvaddrMetrics } from './metrics.js';
import { ConnectionStats, registerConnectionCollector } from './net/connection-stats.js';
import type { ClientIdentity } from './dhcp/identify-client.js';
import { openDhcpSockets, type DhcpSockets } from './net/dhcp-sockets.js';
import { openSteeredSocket } from './net/steered-socket.js';
import { PortMap } from './ports/port-map.js';
import { WorkerPool } from './net/worker-pool.js';

export interface Hvaddr {
  /** The UDP port DHCP is served on (the real one when DHCP_LISTEN asked for port 0). */
  readonly dhcpPort: number;
  readonly metricsPort: number;
  readonly bindings: BindingTable;
  readonly limiter: EwmaLimiter;
  /** In shutdown order: stop receiving, finish replies in flight, close, then the rest. */
  readonly stoppables: readonly Stoppable[];
  stop(): Promise<void>;
}

/**
 * Starts hvaddr: DHCP on `dhcpListen`, bindings read from northd at once and every
 * `bindingsRefreshMs`, metrics and health on `metricsListen` (ready once bindings were read).
 */
export async function startHvaddr(config: HvaddrConfig, deps: HvaddrDeps): Promise<Hvaddr> {
  const { logger, registry } = deps;
  const tlsFiles = PemFiles.fromPaths({
    ...config.tls,
    refreshIntervalMs: config.tlsRefreshIntervalMs,
    logger,
  });
  const northd = createClient(ChassisServiceClient, {
    address: config.northdAddr,
    logger,
    registry,
    tracerProvider: deps.tracing?.tracerProvider,
    tls: tlsFiles && { files: tlsFiles },
    bearerToken: config.token,
  });
  const table = new BindingTable(registry);
  const limiter = new EwmaLimiter({
    ratePerS: config.rateLimitPerS,
    windowMs: config.rateLimitWindowMs,
    maxClients: config.maxClients,
  });
  registerLimiterCollector(registry, limiter);
  const stats = new ConnectionStats();
  registerConnectionCollector(registry, stats);
  const pool = new WorkerPool(config.workers, registry);
  const metrics = createHvaddrMetrics(registry);
  let handle: (datagram: Buffer, mark: number) => Promise<void> = () => Promise.resolve();
  const onMessage = (datagram: Buffer, mark: number) => {
    stats.received(datagram.length);
    const accepted = pool.tryRun(() =>
      handle(datagram, mark).catch((err: unknown) => logger.error({ err }, 'handling a datagram')),
    );
    if (!accepted) metrics.dropped('overloaded');
  };
  let identity: ClientIdentity = { kind: 'chaddr' };
  let ports: PortMap | undefined;
  let sockets: DhcpSockets;
  if (config.clientIdentity === 'port') {
    ports = new PortMap({ ...config.ovsdb, logger, registry });
    identity = { kind: 'port', ports };
    await ports.refresh();
    sockets = await openSteeredSocket({
      // loadConfig requires DHCP_INTERFACE with port identity.
      interfaceAddress: config.dhcpInterface!.address,
      port: config.dhcpListen.port,
      logger,
      onMessage,
    });
  } else {
    logger.warn(
      'DHCP_CLIENT_IDENTITY=chaddr: any host reaching the socket may claim any MAC (not for hypervisors)',
    );
    sockets = await openDhcpSockets({
      host: config.dhcpListen.host,
      port: config.dhcpListen.port,
      interfaceAddress: config.dhcpInterface?.address,
      logger,
      onMessage,
    });
  }
  handle = createDatagramHandler({
    identity,
    table,
    limiter,
    metrics,
    logger,
    serverPort: sockets.port,
    settings: {
      leaseTimeS: config.leaseTimeS,
      mtuBytes: config.mtuBytes,
      dnsServers: config.dnsServers,
    },
    send: async (datagram, to) => {
      await sockets.send(datagram, to);
      stats.sent(datagram.length);
    },
  });
  // Quiet clients are as good as new; forgetting them keeps the rate histogram to active ones.
  const sweep = setInterval(
    () => limiter.sweep(Date.now(), config.rateLimitPerS / 100),
    config.rateLimitWindowMs * 10,
  );
  sweep.unref();
  const refresher = new BindingsRefresher({
    client: northd,
    chassisId: config.chassisId,
    table,
    refreshMs: config.bindingsRefreshMs,
    onRefresh: () => ports?.refresh(),
    logger,
    registry,
  });
  void refresher.start();
  const http = await startHttpServer({
    listen: config.metricsListen,
    registry,
    logger,
    readiness: () => table.loaded && (ports?.loaded ?? true),
  });
  http.setReady(true);
  logger.info(
    {
      dhcpPort: sockets.port,
      dhcpHost: config.dhcpListen.host,
      dhcpInterface: config.dhcpInterface,
      chassisId: config.chassisId,
    },
    'serving DHCP',
  );
  const stoppables: Stoppable[] = [
    {
      name: 'dhcp-receive',
      stop: () => {
        sockets.stopReceiving();
        return pool.drain();
      },
    },
    { name: 'dhcp-sockets', stop: () => sockets.close() },
    { name: 'bindings-refresher', stop: () => refresher.stop() },
    {
      name: 'northd-client',
      stop: () => {
        clearInterval(sweep);
        northd.close();
        return Promise.resolve();
      },
    },
    { name: 'tracing', stop: () => deps.tracing?.shutdown() ?? Promise.resolve() },
    { name: 'http', stop: () => http.close() },
  ];
  return {
    dhcpPort: sockets.port,
    metricsPort: http.port,
    bindings: table,
    limiter,
    stoppables,
    async stop() {
      for (const s of stoppables) await s.stop();
    },
  };
}
