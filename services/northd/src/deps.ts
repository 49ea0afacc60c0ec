import { migrate } from '@vpcd/db';
import { createBroker, type Broker } from '@vpcd/messaging';
import { createServiceDeps, type ServiceDeps } from '@vpcd/observability';
import type { NorthdConfig } from './config.js';
import { createPools, type NorthdPools } from './db-pools.js';
import { migrations } from './store/migrations.js';

/** The process-wide parts northd is built from; tests build their own. */
export interface NorthdDeps extends ServiceDeps {
  /** One connection pool per kind of work. */
  readonly db: NorthdPools;
  readonly broker: Broker;
}

export async function createDeps(config: NorthdConfig): Promise<NorthdDeps> {
  const { logger, registry, tracing } = createServiceDeps('northd', config);
  const db = createPools({
    url: config.mysqlUrl,
    logger,
    registry,
    tracerProvider: tracing.tracerProvider,
    // A stalled northd must not hold lease rows beyond their TTL (see packages/db).
    idleTransactionTimeoutS: Math.max(1, Math.ceil(config.leaseTtlMs / 1000)),
  });
  await migrate(db.control, migrations, { lockName: 'vpcd_northd_migrations' });
  const broker = createBroker({
    url: config.amqpUrl,
    logger,
    registry,
    name: `northd-${config.northdId}`,
    signingKeys: config.bus.signingKeys,
    tls: config.bus.tls,
  });
  return { logger, registry, tracing, db, broker };
}
