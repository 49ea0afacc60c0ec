import {
  ChassisServiceService,
  convergeTopology,
  InterfaceServiceService,
  loadPackageDefinition,
  messageTypes,
  ProjectServiceService,
  queues,
  VpcServiceService,
} from '@vpcd/api';
import { contentHash } from '@vpcd/flows';
import type { Consumer } from '@vpcd/messaging';
import { startHttpServer, type HttpServer, type Stoppable } from '@vpcd/observability';
import { createServer, PemFiles, serverAuthLayer, type RpcServer } from '@vpcd/rpc';
import { isPublicPath } from './auth/policy.js';
import { createTokenAuth } from './auth/token-auth.js';
import type { NorthdConfig } from './config.js';
import { ackHandler } from './converge/acks.js';
import { convergeMetrics } from './converge/converge-metrics.js';
import { Converger } from './converge/converger.js';
import { ChangeHints, decodeHint } from './converge/hints.js';
import { BrokerPublisher } from './converge/publisher.js';
import type { NorthdDeps } from './deps.js';
import { chassisHandlers } from './handlers/chassis.js';
import type { HandlerDeps } from './handlers/deps.js';
import { idempotentWriter } from './handlers/idempotent.js';
import { interfaceHandlers } from './handlers/interfaces.js';
import { projectHandlers } from './handlers/projects.js';
import { vpcHandlers } from './handlers/vpcs.js';
import { LeaseManager } from './leases/lease-manager.js';
import { ResyncThrottle } from './resync/resync-throttle.js';
import {
  chassisStatus,
  recordNeedsFull,
  recordRefused,
  type AckRecord,
  type AppliedAck,
} from './store/chassis-status.js';
import { GroupBatcher } from './store/group-batcher.js';
import { SqlConvergeStore } from './store/converge-store.js';
import { HeartbeatBatcher } from './store/heartbeat-batcher.js';
import { startJanitor } from './store/janitor.js';
import { QuotaStore } from './store/quotas.js';
import { IpPool } from './store/ip-pool.js';
import { VniPool } from './store/vni-pool.js';

/** A running northd: its API, leases, converger and ops endpoint. */
export interface Northd {
  readonly grpcPort: number;
  readonly metricsPort: number;
  readonly rpc: RpcServer;
  readonly leases: LeaseManager;
  readonly converge: Converger;
  /** In shutdown order: API first (drain), then the loops, the broker, the database, HTTP last. */
  readonly stoppables: readonly Stoppable[];
  stop(): Promise<void>;
}

export async function startNorthd(config: NorthdConfig, deps: NorthdDeps): Promise<Northd> {
  const { logger, registry, db, broker } = deps;
  const leases = new LeaseManager({
    db: db.control,
    logger,
    registry,
    northdId: config.northdId,
    leaseTtlMs: config.leaseTtlMs,
    onChange: () => converge.leasesChanged(),
  });
  const metrics = convergeMetrics(registry);
  const hints = new ChangeHints(broker, config.northdId, metrics, logger);
  const hintQueue = hints.queue();
  const converge: Converger = new Converger({
    store: new SqlConvergeStore(db.converge),
    publisher: new BrokerPublisher(broker, config.northdId),
    leases,
    hint: (chassisIds, acks) => hints.send(chassisIds, acks),
    metrics,
    registry,
    logger,
    batchWindowMs: config.convergeBatchWindowMs,
    burstIntervalMs: config.convergeBurstIntervalMs,
    safetyIntervalMs: config.convergeIntervalMs,
    auditIntervalMs: config.convergeAuditIntervalMs,
    contentHash,
  });
  const auth = createTokenAuth({
    config: config.auth,
    adminToken: config.adminToken,
    db: db.reads,
    broker,
    northdId: config.northdId,
    registry,
    logger,
  });
  const handlerDeps: HandlerDeps = {
    db: db.reads,
    idempotent: idempotentWriter(db.writes),
    chassis: {
      db: db.chassis,
      idempotent: idempotentWriter(db.chassis),
      heartbeats: new HeartbeatBatcher(db.chassis),
      resync: new ResyncThrottle({ ...config.resync, registry }),
    },
    privateRanges: config.privateRanges,
    vnis: new VniPool(config.vniMax, registry),
    ips: new IpPool(registry),
    quotas: new QuotaStore(config.quotaDefaults),
    allowFleetIdentities: config.auth.allowFleetIdentities,
    chassisMaxStatePorts: config.chassisMaxStatePorts,
    changed: (chassisIds) => converge.changed(chassisIds),
    tokenRevoked: (tokenId) => auth.revocations.announce(tokenId),
  };

  const tlsFiles = PemFiles.fromPaths({
    ...config.tls,
    refreshIntervalMs: config.tlsRefreshIntervalMs,
    logger,
  });
  const rpc = createServer({
    logger,
    registry,
    tracerProvider: deps.tracing?.tracerProvider,
    reflection: config.reflection ? loadPackageDefinition() : undefined,
    tls: tlsFiles && { files: tlsFiles, clientCert: tlsFiles.hasCa ? 'optional' : 'none' },
    layers: [serverAuthLayer(auth.authenticate, isPublicPath)],
  });
  rpc.add(VpcServiceService, vpcHandlers(handlerDeps));
  rpc.add(InterfaceServiceService, interfaceHandlers(handlerDeps));
  rpc.add(ChassisServiceService, chassisHandlers(handlerDeps));
  rpc.add(ProjectServiceService, projectHandlers(handlerDeps));

  await broker.start({
    exchanges: [...convergeTopology.exchanges, auth.revocations.exchange],
    queues: [...convergeTopology.queues, hintQueue, auth.revocations.queue()],
  });
  // Acks come in bursts (a fleet converging after a failover): recorded a group per
  // transaction, two at a time, rather than each waiting for a connection of its own.
  const acks = new GroupBatcher<AppliedAck, AckRecord>(
    (batch) => chassisStatus.recordAcksApart(db.chassis, batch),
    { maxBatch: 64, parallel: 2 },
  );
  const consumers: Consumer[] = [
    await broker.consume(
      queues.acksQueue,
      ackHandler(
        {
          recordAck: (ack) => acks.submit(ack),
          recordRefused: (work, reason) => recordRefused(db.chassis, work, reason),
          recordNeedsFull: (chassisId) => recordNeedsFull(db.chassis, chassisId),
        },
        metrics,
        logger,
        (note) => converge.acked(note),
      ),
      { prefetch: 64, type: messageTypes.chassisStateAck },
    ),
    await broker.consume(
      hintQueue.name,
      (delivery) => {
        try {
          converge.hinted(decodeHint(delivery.body));
        } catch (err) {
          logger.error({ err }, 'undecodable change hint');
          return Promise.resolve('reject');
        }
        return Promise.resolve('ack');
      },
      { type: messageTypes.changeHint },
    ),
    await broker.consume(auth.revocations.queue().name, auth.revocations.handler, {
      type: messageTypes.tokenRevoked,
    }),
  ];
  leases.start();
  converge.start();
  const janitor = startJanitor({ db: db.control, logger });
  const grpcPort = await rpc.listen(config.grpcListen);
  if (config.healthListen !== undefined) await rpc.listenHealth(config.healthListen);
  const http: HttpServer = await startHttpServer({
    listen: config.metricsListen,
    registry,
    logger,
    readiness: () => db.reads.ping().then(() => broker.connected),
  });
  http.setReady(true);

  const stoppables: Stoppable[] = [
    { name: 'grpc', stop: () => rpc.shutdown() },
    {
      name: 'consumers',
      stop: async () => void (await Promise.all(consumers.map((c) => c.cancel()))),
    },
    { name: 'converge', stop: () => converge.stop() },
    { name: 'leases', stop: () => leases.stop() },
    { name: 'janitor', stop: () => Promise.resolve(janitor.stop()) },
    { name: 'broker', stop: () => broker.close() },
    { name: 'database', stop: () => db.close() },
    { name: 'tracing', stop: () => deps.tracing?.shutdown() ?? Promise.resolve() },
    { name: 'http', stop: () => http.close() },
  ];
  return {
    grpcPort,
    metricsPort: http.port,
    rpc,
    leases,
    converge,
    stoppables,
    async stop() {
      for (const s of stoppables) await s.stop();
    },
  };
}
