import { randomBytes } from 'node:crypto';
import { messageTypes, queues } from '@vpcd/api';
import { createDatabase, type Database } from '@vpcd/db';
import { createTestDatabase, type TestDatabase } from '@vpcd/db/testing';
import { createBroker, type Broker } from '@vpcd/messaging';
import { testBusKey, testVhostUrl, type TestVhost } from '@vpcd/messaging/testing';
import { createLogger, createRegistry } from '@vpcd/observability';
import { startFakeSouthd, type FakeSouthd } from './fake-southd.js';
import { northdClients, type NorthdClients } from '@vpcd/rpc';
import { startNorthdProcess, type NorthdProcess } from './northd-process.js';

/** Everything a northd measurement works with; stop() removes all of it. */
export interface BenchCluster {
  /** The northd processes, in start order. */
  readonly northd: readonly NorthdProcess[];
  /** The API of call i: the instances take turns. */
  readonly api: (i: number) => NorthdClients;
  /** The benchmark's own connection pool to northd's database, for set-up and polling. */
  readonly db: Database;
  readonly fakeSouthd: FakeSouthd;
  /** Publishes the change hint a northd sends after it commits a change. */
  sendChangeHint(): Promise<void>;
  /** Removes everything; later calls return the first call's promise. */
  stop(): Promise<void>;
}

/** Undo steps, run in reverse order of registration; every one runs even when some fail. */
class Teardown {
  private readonly steps: Array<() => Promise<unknown> | void> = [];

  defer(undo: () => Promise<unknown> | void): void {
    this.steps.push(undo);
  }

  async run(): Promise<void> {
    const failures: unknown[] = [];
    for (const undo of this.steps.reverse()) {
      try {
        await undo();
      } catch (err: unknown) {
        failures.push(err);
      }
    }
    this.steps.length = 0;
    if (failures.length > 0) throw new AggregateError(failures, 'tearing down the northd bench');
  }
}

/**
 * A throwaway database on the local MySQL and a throwaway vhost on the local RabbitMQ (see
 * createTestDatabase and testVhostUrl), `instances` northd processes on them, and a fake southd
 * that acknowledges all converge work. On failure everything started so far is removed.
 */
export async function startBenchCluster(instances = 2): Promise<BenchCluster> {
  const teardown = new Teardown();
  let stopping: Promise<void> | undefined;
  try {
    const database: TestDatabase = await createTestDatabase();
    teardown.defer(() => database.drop());
    const vhost: TestVhost = await testVhostUrl();
    teardown.defer(() => vhost.drop());
    const adminToken = randomBytes(24).toString('hex');
    const suffix = randomBytes(3).toString('hex');
    const northd: NorthdProcess[] = [];
    // One after the other: a failed start leaves nothing starting behind the teardown's back.
    for (let i = 0; i < instances; i++) {
      const id = `northd-bench-${String.fromCharCode(97 + i)}-${suffix}`;
      const started = await startNorthdProcess({
        id,
        mysqlUrl: database.url,
        amqpUrl: vhost.url,
        adminToken,
      });
      teardown.defer(() => started.stop());
      northd.push(started);
    }
    const clients = northd.map((p) =>
      northdClients({ address: `127.0.0.1:${p.grpcPort}`, bearerToken: adminToken }),
    );
    teardown.defer(() => clients.forEach((c) => c.close()));
    const logger = createLogger({ name: 'northd-bench', level: 'silent' });
    const registry = createRegistry({ service: 'northd-bench', collectDefault: false });
    const db = createDatabase({ url: database.url, logger, registry, name: 'bench' });
    teardown.defer(() => db.close());
    const fakeSouthd = await startFakeSouthd(vhost.url);
    teardown.defer(() => fakeSouthd.stop());
    const hints: Broker = createBroker({
      url: vhost.url,
      logger,
      registry,
      name: 'bench-hints',
      signingKeys: testBusKey.signingKeys,
    });
    teardown.defer(() => hints.close());
    await hints.start({});
    return {
      northd,
      api: alternate(clients),
      db,
      fakeSouthd,
      sendChangeHint: () =>
        hints.publish(queues.hintsExchange, '', Buffer.alloc(0), {
          persistent: false,
          type: messageTypes.changeHint,
        }),
      stop: () => (stopping ??= teardown.run()),
    };
  } catch (err) {
    await teardown.run().catch(() => undefined);
    throw err;
  }
}

/** Round-robin over the northd instances: call i goes to instance i mod n. */
export function alternate<T>(items: readonly T[]): (i: number) => T {
  if (items.length === 0) throw new Error('nothing to alternate between');
  return (i) => items[i % items.length] as T;
}
