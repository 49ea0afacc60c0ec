import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { messageTypes, queues } from '@vpcd/api';
import { createDatabase, type Database } from '@vpcd/db';
import { createBroker, type Broker } from '@vpcd/messaging';
import { testBusKey } from '@vpcd/messaging/testing';
import { createLogger, createRegistry } from '@vpcd/observability';
import { startRegion, type Region } from '../../region/local-region.js';
import type { ServiceProcess } from '../../region/service-process.js';
import { northdClients, type NorthdClients } from '@vpcd/rpc';

/** The memory-datapath chassis of the region, one hvflowd process each. */
export const memoryChassis = ['hv-a', 'hv-b'] as const;

/** A local region and what the benchmark drives it with. */
export interface RegionHarness {
  readonly region: Region;
  /** Where every service logs. */
  readonly runDir: string;
  /** The API of northd `i` as it runs now (a restarted instance listens on a new port). */
  api(i: number): NorthdClients;
  /** The region's database, for set-up at a speed the API is not meant for. */
  readonly db: Database;
  /** Wakes every northd's converge loop, as the instance that committed a change does. */
  sendChangeHint(): Promise<void>;
  /** The fleet process the benchmark started, once it did; stopped with the region. */
  fleet: ServiceProcess | undefined;
  stop(): Promise<void>;
}

/**
 * Starts the local region (`northds` northd and `southds` southd processes and the memory
 * chassis, on a throwaway database and vhost) with LEASE_TTL_MS `leaseTtlMs`; no fleet yet.
 */
export async function startRegionHarness(o: {
  leaseTtlMs: number;
  northds: number;
  southds: number;
}): Promise<RegionHarness> {
  const runDir = mkdtempSync(join(tmpdir(), 'vpcd-region-bench-'));
  const region = await startRegion({
    runDir,
    northds: o.northds,
    southds: o.southds,
    leaseTtlMs: o.leaseTtlMs,
    // Plaintext, as the earlier runs in docs/benchmarks.md were measured.
    tls: false,
    // The fleet (test/bench/fleet-process.ts) is spawned later, against this region.
    fleetIdentities: true,
    chassis: memoryChassis.map((id, i) => ({
      id,
      underlayIp: `192.0.2.${i + 1}`,
      datapath: 'memory' as const,
    })),
  });
  const logger = createLogger({ name: 'region-bench', level: 'silent' });
  const registry = createRegistry({ service: 'region-bench', collectDefault: false });
  let db: Database | undefined;
  let hints: Broker | undefined;
  const clients = new Map<number, NorthdClients>();
  const harness: RegionHarness = {
    region,
    runDir,
    api(i) {
      const port = region.northds[i]!.grpcPort;
      let c = clients.get(port);
      if (!c)
        clients.set(
          port,
          (c = northdClients({ address: `127.0.0.1:${port}`, bearerToken: region.adminToken })),
        );
      return c;
    },
    get db() {
      return db!;
    },
    sendChangeHint: () =>
      hints!.publish(queues.hintsExchange, '', Buffer.alloc(0), {
        persistent: false,
        type: messageTypes.changeHint,
      }),
    fleet: undefined,
    async stop() {
      for (const c of clients.values()) c.close();
      await hints?.close().catch(() => undefined);
      await db?.close().catch(() => undefined);
      await harness.fleet?.stop().catch(() => undefined);
      await region.stop();
    },
  };
  try {
    db = createDatabase({ url: region.mysqlUrl, logger, registry, name: 'region-bench' });
    hints = createBroker({
      url: region.amqpUrl,
      logger,
      registry,
      name: 'region-bench-hints',
      signingKeys: testBusKey.signingKeys,
    });
    await hints.start({});
  } catch (err) {
    await harness.stop().catch(() => undefined);
    throw err;
  }
  return harness;
}
